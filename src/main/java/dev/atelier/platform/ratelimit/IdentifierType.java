package dev.atelier.platform.ratelimit;

import java.util.Locale;

/** What a rule counts requests by ({@code platform.rate_limit_rules.identifier_type}). */
public enum IdentifierType {
    /** The client's address, after trusted proxies. */
    IP,
    /** The signed-in user (the verified token's {@code sub}). */
    USER,
    /** The {@code apikey} header (a SHA-256 prefix of it). */
    API_KEY,
    /** The verified role: anon, authenticated, service_role. */
    ROLE,
    /** An e-mail address, where the server's code knows one (auth). */
    EMAIL,
    /** An e-mail address from one client address. */
    IP_EMAIL,
    /** Everyone together. */
    GLOBAL;

    static IdentifierType of(String sql) {
        return valueOf(sql.toUpperCase(Locale.ROOT));
    }
}
