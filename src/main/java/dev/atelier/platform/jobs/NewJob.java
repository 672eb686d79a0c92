package dev.atelier.platform.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A platform job to enqueue (jobs of app tables are enqueued by inserting their row).
 *
 * @param kind              its type
 * @param args              JSON arguments
 * @param queue             its queue (pausable as a whole)
 * @param priority          lower runs first
 * @param runAt             not before this instant, or null for now
 * @param maxAttempts       overrides the type's maximum, or null
 * @param idempotencyKey    a second enqueue with the same kind and key returns the first job, or null
 * @param dependsOn         jobs that must complete first
 * @param cancelOnDependencyFailure when a dependency fails: cancel this job (true) or fail it (false)
 */
public record NewJob(
        String kind,
        String args,
        String queue,
        int priority,
        @Nullable Instant runAt,
        @Nullable Integer maxAttempts,
        @Nullable String idempotencyKey,
        List<Long> dependsOn,
        boolean cancelOnDependencyFailure) {

    public NewJob {
        Objects.requireNonNull(kind);
        dependsOn = List.copyOf(dependsOn);
    }

    public static NewJob of(String kind) {
        return new NewJob(kind, "{}", "default", 5, null, null, null, List.of(), false);
    }

    public NewJob withArgs(String json) {
        return new NewJob(
                kind, json, queue, priority, runAt, maxAttempts, idempotencyKey, dependsOn, cancelOnDependencyFailure);
    }

    public NewJob withQueue(String name) {
        return new NewJob(
                kind, args, name, priority, runAt, maxAttempts, idempotencyKey, dependsOn, cancelOnDependencyFailure);
    }

    public NewJob withPriority(int value) {
        return new NewJob(
                kind, args, queue, value, runAt, maxAttempts, idempotencyKey, dependsOn, cancelOnDependencyFailure);
    }

    public NewJob runAt(Instant at) {
        return new NewJob(
                kind, args, queue, priority, at, maxAttempts, idempotencyKey, dependsOn, cancelOnDependencyFailure);
    }

    public NewJob withMaxAttempts(int attempts) {
        return new NewJob(
                kind, args, queue, priority, runAt, attempts, idempotencyKey, dependsOn, cancelOnDependencyFailure);
    }

    public NewJob withIdempotencyKey(String key) {
        return new NewJob(kind, args, queue, priority, runAt, maxAttempts, key, dependsOn, cancelOnDependencyFailure);
    }

    public NewJob dependingOn(List<Long> jobs, boolean cancelOnFailure) {
        return new NewJob(kind, args, queue, priority, runAt, maxAttempts, idempotencyKey, jobs, cancelOnFailure);
    }
}
