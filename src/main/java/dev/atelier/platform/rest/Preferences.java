package dev.atelier.platform.rest;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Prefer} header, as PostgREST reads it: every token PostgREST knows is parsed here,
 * once; anything else is ignored unless {@code handling=strict} asks for a PGRST122 instead.
 * Which preferences a response applied is the response stage's to say ({@code Preference-Applied}).
 *
 * <p>A token parsed here but whose feature is not built yet is listed in {@link #NOT_HONOURED}:
 * under {@code handling=strict} it is still refused, as before it was parsed. A feature that
 * starts honouring one removes its key from that set.
 */
record Preferences(
        @Nullable Return returning,
        @Nullable Count count,
        @Nullable Resolution resolution,
        @Nullable Missing missing,
        boolean singleObjectParams,
        boolean strict,
        @Nullable Long maxAffected,
        @Nullable Tx tx,
        @Nullable String timezone,
        List<String> invalid) {

    /** Keys parsed into this record but not acted on yet: invalid under handling=strict. */
    private static final Set<String> NOT_HONOURED = Set.of("max-affected", "tx", "timezone");

    static final Preferences NONE = new Preferences(null, null, null, null, false, false, null, null, null, List.of());

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

    static Preferences parse(@Nullable Enumeration<String> headers) {
        Return returning = null;
        Count count = null;
        Resolution resolution = null;
        Missing missing = null;
        boolean singleObject = false;
        boolean strict = false;
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
                    case "handling=strict" -> strict = true;
                    case "handling=lenient" -> strict = false;
                    case "tx=commit" -> tx = Tx.COMMIT;
                    case "tx=rollback" -> tx = Tx.ROLLBACK;
                    default -> {
                        int eq = token.indexOf('=');
                        String key = eq < 0 ? lower : lower.substring(0, eq);
                        String value = eq < 0 ? "" : token.substring(eq + 1).trim();
                        if (key.equals("max-affected") && isCount(value)) {
                            maxAffected = Long.parseLong(value);
                        } else if (key.equals("timezone") && !value.isEmpty()) {
                            timezone = value;
                        } else {
                            invalid.add(token);
                            continue;
                        }
                    }
                }
                int eq = lower.indexOf('=');
                if (eq > 0 && NOT_HONOURED.contains(lower.substring(0, eq))) {
                    invalid.add(token);
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

    boolean missingDefault() {
        return missing == Missing.DEFAULT;
    }

    Return returningOr(Return fallback) {
        return returning == null ? fallback : returning;
    }
}
