package dev.atelier.apps.infinitestories;

import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.JobEngineOptions;
import dev.atelier.platform.jobs.JobType;
import dev.atelier.testing.MovableClock;
import java.time.Duration;
import java.time.Instant;

/**
 * A second engine ("another server") on the test server's database with a clock the test moves:
 * it runs the app's own job types, so retries whose backoff would take real minutes run as soon
 * as the test moves its clock past them. Its clock starts a minute ahead of the database's and
 * only moves forward, so the server's own engine never finds this one's leases expired, and the
 * retries this engine schedules are never due for the server's engine within a test.
 */
final class TestEngine implements AutoCloseable {

    final MovableClock clock = new MovableClock(Instant.now().plusSeconds(60));
    final JobEngine engine;

    TestEngine(JobType... types) {
        engine = new JobEngine(
                StoriesApi.server.component(Database.class),
                clock,
                JobEngineOptions.defaults()
                        .withWorkers(4)
                        .withPollInterval(Duration.ofMillis(50))
                        .withLease(Duration.ofHours(1), Duration.ofHours(2))
                        .withMaintenance(Duration.ofHours(1))
                        .withShutdownGrace(Duration.ofSeconds(2)),
                () -> StoriesApi.server.loginRoleDataSource().getConnection());
        for (JobType type : types) {
            engine.register(type);
        }
        engine.start();
    }

    /** Moves past any backoff. */
    void skipAhead() {
        clock.advance(Duration.ofMinutes(20)); // the engine polls every 50 ms
    }

    /** Waits for the story to settle (completed or failed), moving this engine's clock past each backoff. */
    String settle(String storyId) throws Exception {
        dev.atelier.testing.Poll.until("story " + storyId + " settles", StoriesApi.WITHIN, () -> {
            skipAhead();
            String s = StoriesApi.storyStatus(storyId);
            return "completed".equals(s) || "failed".equals(s);
        });
        return StoriesApi.storyStatus(storyId);
    }

    @Override
    public void close() {
        engine.close();
    }
}
