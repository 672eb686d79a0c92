package dev.atelier.platform.jobs;

import java.time.Duration;

/**
 * Thrown by a handler whose attempt failed for a reason that names its own wait (a provider's
 * 429 with Retry-After): the next attempt comes no sooner than {@code after}, nor sooner than the
 * type's backoff. The attempt counts like any failure.
 */
public final class RetryLater extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Duration after;

    public RetryLater(String message, Duration after, Throwable cause) {
        super(message, cause);
        this.after = after.isNegative() ? Duration.ZERO : after;
    }

    public Duration after() {
        return after;
    }
}
