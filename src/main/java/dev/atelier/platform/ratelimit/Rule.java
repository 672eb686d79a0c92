package dev.atelier.platform.ratelimit;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One limit: at most {@code limit} requests per {@code windowSeconds} for each identifier of
 * {@code type}, on requests matching {@code method}/{@code path} or on the code's {@code action}.
 * A rule from Rotation's {@code rotation.rate_limits} applies to one {@code identifier} only and
 * names its row ({@code rotationId}), whose state columns the limiter keeps current.
 */
record Rule(
        String policy,
        IdentifierType type,
        @Nullable String identifier,
        @Nullable String method,
        @Nullable Pattern path,
        @Nullable String action,
        int limit,
        int windowSeconds,
        @Nullable Integer rotationId) {

    static final String ACTION = "action:";

    boolean matchesRequest(String requestMethod, String requestPath) {
        return path != null
                && (method == null || method.equals(requestMethod))
                && path.matcher(requestPath).matches();
    }

    /** A glob over a path: {@code *} one segment or part of one, {@code **} anything, {@code {a,b}} either. */
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        boolean inBraces = false;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    regex.append(".*");
                    i++;
                } else {
                    regex.append("[^/]*");
                }
            } else if (c == '{' && !inBraces) {
                regex.append("(?:");
                inBraces = true;
            } else if (c == '}' && inBraces) {
                regex.append(')');
                inBraces = false;
            } else if (c == ',' && inBraces) {
                regex.append('|');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (inBraces) {
            throw new IllegalArgumentException("unclosed { in " + glob);
        }
        return Pattern.compile(regex.toString());
    }
}
