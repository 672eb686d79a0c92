package dev.atelier.platform.ai;

import java.time.Duration;

/**
 * What a provider call is for: the app, the target within it that configuration routes by (a
 * Delula recipe's slug or service name, an InfiniteStories function such as {@code story} or
 * {@code illustration}, Algorhythmic's {@code art}), the request it belongs to (a job id: the
 * idempotency key remote providers get and logs name), and how long it may take.
 */
public record AiCall(String app, String target, String requestId, Duration timeout) {

    public AiCall {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }
}
