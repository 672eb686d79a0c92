package dev.atelier.apps.infinitestories;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A request InfiniteStories refuses with a status the platform's {@code Problem} has no factory
 * for (422 moderation, 429 rate limit, 503 provider down), answered as RFC 9457 by the controller,
 * with a Retry-After header when {@code retryAfter} is set.
 */
final class Refusal extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String title;
    final transient @Nullable Duration retryAfter;
    final @Nullable String field;
    final transient java.util.Map<String, Object> properties;

    Refusal(
            int status,
            String title,
            String detail,
            @Nullable Duration retryAfter,
            @Nullable String field,
            java.util.Map<String, Object> properties) {
        super(detail);
        this.status = status;
        this.title = title;
        this.retryAfter = retryAfter;
        this.field = field;
        this.properties = properties;
    }

    /** Whole seconds, rounded up, at least 1: what Retry-After carries. */
    long retryAfterSeconds() {
        Duration d = retryAfter == null ? Duration.ofSeconds(1) : retryAfter;
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }
}
