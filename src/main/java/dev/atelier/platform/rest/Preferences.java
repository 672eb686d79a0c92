package dev.atelier.platform.rest;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Prefer} header, as PostgREST reads it: known preferences are applied (and echoed in
 * {@code Preference-Applied}); anything else is ignored unless {@code handling=strict} asks for a
 * PGRST122 instead.
 */
record Preferences(
        @Nullable Return returning,
        @Nullable Count count,
        @Nullable Resolution resolution,
        boolean missingDefault,
        boolean singleObjectParams,
        boolean strict,
        List<String> invalid) {

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

    static Preferences parse(Enumeration<String> headers) {
        Return returning = null;
        Count count = null;
        Resolution resolution = null;
        boolean missingDefault = false;
        boolean singleObject = false;
        boolean strict = false;
        List<String> invalid = new ArrayList<>();
        while (headers != null && headers.hasMoreElements()) {
            for (String raw : headers.nextElement().split(",")) {
                String token = raw.trim();
                if (token.isEmpty()) {
                    continue;
                }
                switch (token.toLowerCase(Locale.ROOT)) {
                    case "return=minimal" -> returning = Return.MINIMAL;
                    case "return=headers-only" -> returning = Return.HEADERS_ONLY;
                    case "return=representation" -> returning = Return.REPRESENTATION;
                    case "count=exact" -> count = Count.EXACT;
                    case "count=planned" -> count = Count.PLANNED;
                    case "count=estimated" -> count = Count.ESTIMATED;
                    case "resolution=merge-duplicates" -> resolution = Resolution.MERGE_DUPLICATES;
                    case "resolution=ignore-duplicates" -> resolution = Resolution.IGNORE_DUPLICATES;
                    case "missing=default" -> missingDefault = true;
                    case "missing=null" -> missingDefault = false;
                    case "params=single-object" -> singleObject = true;
                    case "handling=strict" -> strict = true;
                    case "handling=lenient" -> strict = false;
                    default -> invalid.add(token);
                }
            }
        }
        return new Preferences(
                returning, count, resolution, missingDefault, singleObject, strict, List.copyOf(invalid));
    }

    void rejectInvalidIfStrict() {
        if (strict && !invalid.isEmpty()) {
            throw new ApiError(
                    400,
                    "PGRST122",
                    "Invalid preferences given with handling=strict",
                    "Invalid preferences: " + String.join(", ", invalid),
                    null);
        }
    }

    Return returningOr(Return fallback) {
        return returning == null ? fallback : returning;
    }
}
