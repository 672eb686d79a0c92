package dev.atelier.platform.auth;

/** A bearer token that is present but unusable: forged, malformed, expired or of an unknown role. */
public final class InvalidTokenException extends RuntimeException {

    private final String code;

    InvalidTokenException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** PostgREST's error code for it: PGRST301 (invalid) or PGRST303 (expired). */
    public String code() {
        return code;
    }
}
