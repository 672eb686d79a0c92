package dev.atelier.platform.auth;

/** A GoTrue error: HTTP status, GoTrue's machine-readable code and its message. */
final class AuthError extends RuntimeException {

    final int status;
    final String errorCode;

    AuthError(int status, String errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    static AuthError badRequest(String errorCode, String message) {
        return new AuthError(400, errorCode, message);
    }

    static AuthError invalidCredentials() {
        return new AuthError(400, "invalid_credentials", "Invalid login credentials");
    }

    static AuthError unauthorized(String message) {
        return new AuthError(401, "no_authorization", message);
    }
}
