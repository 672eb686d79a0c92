package dev.atelier.platform.rest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The top-level row range: {@code offset}/{@code limit} intersected with a {@code Range: a-b}
 * header (GET only, as RFC 9110 and PostgREST have it).
 */
record RangeSpec(long offset, @Nullable Long limit) {

    private static final Pattern HEADER = Pattern.compile("^\\s*(?:items=)?(\\d+)-(\\d*)\\s*$");

    static RangeSpec of(QueryParams q, @Nullable String rangeHeader, boolean isGet) {
        long offset = q.offsets.getOrDefault(java.util.List.of(), 0L);
        Long limit = q.limits.get(java.util.List.of());
        if (q.negativeLimit) {
            throw invalid("Limit should be greater than or equal to zero.");
        }
        if (isGet && rangeHeader != null) {
            Matcher m = HEADER.matcher(rangeHeader);
            if (m.matches()) {
                long lower;
                Long upper;
                try {
                    lower = Long.parseLong(m.group(1));
                    upper = m.group(2).isEmpty() ? null : Long.parseLong(m.group(2));
                } catch (NumberFormatException e) {
                    throw invalid("The Range header's boundaries must be integers.");
                }
                if (upper != null && upper < lower) {
                    throw invalid(
                            "The lower boundary must be lower than or equal to the upper boundary in the Range header.");
                }
                // Intersect [lower, upper] with [offset, offset + limit - 1].
                long from = Math.max(lower, offset);
                Long to = upper;
                if (limit != null) {
                    long limitEnd = offset + limit - 1;
                    to = to == null ? limitEnd : Math.min(to, limitEnd);
                }
                offset = from;
                limit = to == null ? null : Math.max(0, to - from + 1);
            }
            // An unparsable Range header is ignored, as PostgREST ignores it.
        }
        return new RangeSpec(offset, limit);
    }

    static ApiError invalid(@Nullable String details) {
        return ErrorCode.PGRST103.error().withDetails(details);
    }

    /** {@code lower-upper/total}, {@code *} for an unknown total and for an empty page, as PostgREST writes it. */
    static String contentRange(long lower, long pageTotal, @Nullable Long total) {
        long upper = lower + pageTotal - 1;
        boolean showRange = pageTotal > 0 && (total == null || total != 0);
        return (showRange ? lower + "-" + upper : "*") + "/" + (total == null ? "*" : total.toString());
    }
}
