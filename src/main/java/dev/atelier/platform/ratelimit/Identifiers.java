package dev.atelier.platform.ratelimit;

import org.jspecify.annotations.Nullable;

/**
 * Who a request is, as far as rules can count it; a rule whose identifier is unknown for a
 * request (a user rule on an anonymous request) does not apply to it.
 */
public record Identifiers(
        @Nullable String ip,
        @Nullable String user,
        @Nullable String role,
        @Nullable String apiKey,
        @Nullable String email) {

    /** An auth step: the client's address and the e-mail it names (null when it names none). */
    public static Identifiers of(String ip, @Nullable String email) {
        return new Identifiers(
                ip, null, null, null, email == null ? null : email.trim().toLowerCase(java.util.Locale.ROOT));
    }

    @Nullable
    String value(IdentifierType type) {
        return switch (type) {
            case IP -> ip;
            case USER -> user;
            case ROLE -> role;
            case API_KEY -> apiKey;
            case EMAIL -> email;
            case IP_EMAIL -> ip == null || email == null ? null : ip + "|" + email;
            case GLOBAL -> "*";
        };
    }
}
