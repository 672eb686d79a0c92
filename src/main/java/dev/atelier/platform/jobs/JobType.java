package dev.atelier.platform.jobs;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A kind of job and how the engine treats it. Immutable; the {@code with...} methods return
 * changed copies.
 *
 * @param kind         the job's kind, as stored in platform.jobs
 * @param handler      its work
 * @param maxAttempts  attempts before it fails for good (a row's own maximum wins), or null for the
 *                     app table's or the engine's default
 * @param timeout      how long one attempt may run, or null for no limit
 * @param globalLimit  at most this many running at once across every server on the database, or null
 * @param backoffBase  the first retry's delay; each further retry doubles it, with jitter
 * @param backoffCap   the longest delay
 * @param onGiveUp     runs once when the job ends without success, or null
 */
public record JobType(
        String kind,
        JobHandler handler,
        @Nullable Integer maxAttempts,
        @Nullable Duration timeout,
        @Nullable Integer globalLimit,
        Duration backoffBase,
        Duration backoffCap,
        @Nullable GiveUpHook onGiveUp) {

    public JobType {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(handler);
        if (maxAttempts != null && maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (globalLimit != null && globalLimit < 1) {
            throw new IllegalArgumentException("globalLimit must be at least 1");
        }
    }

    public static JobType of(String kind, JobHandler handler) {
        return new JobType(kind, handler, null, null, null, Duration.ofSeconds(1), Duration.ofHours(1), null);
    }

    public JobType withMaxAttempts(int attempts) {
        return new JobType(kind, handler, attempts, timeout, globalLimit, backoffBase, backoffCap, onGiveUp);
    }

    public JobType withTimeout(Duration limit) {
        return new JobType(kind, handler, maxAttempts, limit, globalLimit, backoffBase, backoffCap, onGiveUp);
    }

    public JobType withGlobalLimit(int running) {
        return new JobType(kind, handler, maxAttempts, timeout, running, backoffBase, backoffCap, onGiveUp);
    }

    public JobType withBackoff(Duration base, Duration cap) {
        return new JobType(kind, handler, maxAttempts, timeout, globalLimit, base, cap, onGiveUp);
    }

    public JobType withGiveUpHook(GiveUpHook hook) {
        return new JobType(kind, handler, maxAttempts, timeout, globalLimit, backoffBase, backoffCap, hook);
    }

    /**
     * The delay before the attempt after {@code failedAttempt}: base * 2^(failedAttempt-1), capped,
     * then "equal jitter" (half fixed, half random) so that jobs failing together spread out yet
     * never retry sooner than half the nominal delay.
     */
    Duration backoff(int failedAttempt) {
        long base = Math.max(1, backoffBase.toMillis());
        int shift = Math.min(Math.max(failedAttempt - 1, 0), 30);
        long nominal = Math.min(backoffCap.toMillis(), base << shift);
        long half = nominal / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }
}
