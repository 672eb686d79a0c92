package dev.atelier.platform.rest;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Prefer} header, as PostgREST reads it: every token PostgREST knows is parsed here,
 * once; anything else is ignored unless {@code handling=strict} asks for a PGRST122 instead.
 * Which preferences a response applied is the response stage's to say ({@code Preference-Applied}).
 *
 * <p>As PostgREST 12/13: {@code tx=} is read only when the server's {@code atelier.rest.tx-end}
 * allows an override (else it is ignored, and not invalid); {@code timezone=} only when PostgreSQL
 * knows the zone (pg_timezone_names, case-sensitive), else it is ignored, or invalid under
 * {@code handling=strict}; {@code max-affected=} is a whole number, acted on only with
 * {@code handling=strict}.
 */
record Preferences(
        @Nullable Return returning,
        @Nullable Count count,
        @Nullable Resolution resolution,
        @Nullable Missing missing,
        boolean singleObjectParams,
        boolean strict,
        boolean handlingGiven,
        @Nullable Long maxAffected,
        @Nullable Tx tx,
        @Nullable String timezone,
        List<String> invalid) {

    static final Preferences NONE =
            new Preferences(null, null, null, null, false, false, false, null, null, null, List.of());

    enum Return {
        MINIMAL,
        HEADERS_ONLY,
        REPRESENTATION
    }

    enum Count {
        EXACT,
        PLANNED,
        ESTIMATED
    }

    enum Resolution {
        MERGE_DUPLICATES,
        IGNORE_DUPLICATES
    }

    enum Missing {
        DEFAULT,
        NULL
    }

    enum Tx {
        COMMIT,
        ROLLBACK
    }

    /** As {@link #parse(Enumeration, boolean, Predicate)}, with no tx override and no known time zone. */
    static Preferences parse(@Nullable Enumeration<String> headers) {
        return parse(headers, false, zone -> false);
    }

    /**
     * @param txOverride  whether {@code tx=commit|rollback} may override the server's tx-end
     * @param knownZone   whether PostgreSQL knows a time zone name
     */
    static Preferences parse(@Nullable Enumeration<String> headers, boolean txOverride, Predicate<String> knownZone) {
        Return returning = null;
        Count count = null;
        Resolution resolution = null;
        Missing missing = null;
        boolean singleObject = false;
        boolean strict = false;
        boolean handlingGiven = false;
        Long maxAffected = null;
        Tx tx = null;
        String timezone = null;
        List<String> invalid = new ArrayList<>();
        while (headers != null && headers.hasMoreElements()) {
            for (String raw : headers.nextElement().split(",")) {
                String token = raw.trim();
                if (token.isEmpty()) {
                    continue;
                }
                String lower = token.toLowerCase(Locale.ROOT);
                switch (lower) {
                    case "return=minimal" -> returning = Return.MINIMAL;
                    case "return=headers-only" -> returning = Return.HEADERS_ONLY;
                    case "return=representation" -> returning = Return.REPRESENTATION;
                    case "count=exact" -> count = Count.EXACT;
                    case "count=planned" -> count = Count.PLANNED;
                    case "count=estimated" -> count = Count.ESTIMATED;
                    case "resolution=merge-duplicates" -> resolution = Resolution.MERGE_DUPLICATES;
                    case "resolution=ignore-duplicates" -> resolution = Resolution.IGNORE_DUPLICATES;
                    case "missing=default" -> missing = Missing.DEFAULT;
                    case "missing=null" -> missing = Missing.NULL;
                    case "params=single-object" -> singleObject = true;
                    case "handling=strict" -> {
                        strict = true;
                        handlingGiven = true;
                    }
                    case "handling=lenient" -> {
                        strict = false;
                        handlingGiven = true;
                    }
                    case "tx=commit" -> tx = txOverride ? Tx.COMMIT : tx;
                    case "tx=rollback" -> tx = txOverride ? Tx.ROLLBACK : tx;
                    default -> {
                        int eq = token.indexOf('=');
                        String key = eq < 0 ? lower : lower.substring(0, eq);
                        String value = eq < 0 ? "" : token.substring(eq + 1).trim();
                        if (key.equals("max-affected") && eq > 0) {
                            // PostgREST ignores a value that is not a number, and never calls it invalid.
                            maxAffected = isCount(value) ? Long.valueOf(value) : maxAffected;
                        } else if (key.equals("timezone") && lower.startsWith("timezone=") && knownZone.test(value)) {
                            timezone = value;
                        } else {
                            invalid.add(token);
                        }
                    }
                }
            }
        }
        return new Preferences(
                returning,
                count,
                resolution,
                missing,
                singleObject,
                strict,
                handlingGiven,
                maxAffected,
                tx,
                timezone,
                List.copyOf(invalid));
    }

    private static boolean isCount(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    void rejectInvalidIfStrict() {
        if (strict && !invalid.isEmpty()) {
            throw ErrorCode.PGRST122.error().withDetails("Invalid preferences: " + String.join(", ", invalid));
        }
    }

    /** The max-affected limit, when handling=strict makes it binding (PostgREST ignores it when lenient). */
    @Nullable
    Long strictMaxAffected() {
        return strict ? maxAffected : null;
    }

    boolean missingDefault() {
        return missing == Missing.DEFAULT;
    }

    Return returningOr(Return fallback) {
        return returning == null ? fallback : returning;
    }
}
