package dev.atelier.platform.auth;

/**
 * The auth steps the rate limiter counts, as {@code action:<name>} rules of
 * {@code platform.rate_limit_rules} name them (V100 seeds their defaults).
 */
final class AuthLimits {

    /** A password sign-in: counted by address, e-mail, and e-mail from one address. */
    static final String PASSWORD = "auth.password";
    /** A sign-up with an e-mail. */
    static final String SIGN_UP = "auth.signup";
    /** An anonymous sign-in. */
    static final String ANONYMOUS = "auth.anonymous";
    /** A token refresh. */
    static final String REFRESH = "auth.refresh";

    private AuthLimits() {}
}
