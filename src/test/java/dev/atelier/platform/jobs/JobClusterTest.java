package dev.atelier.platform.jobs;

import static dev.atelier.platform.jobs.Engines.count;
import static dev.atelier.platform.jobs.Engines.state;
import static dev.atelier.platform.jobs.Engines.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.Caller;
import dev.atelier.testing.Poll;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Several engines ("servers") on one database: rescue, fencing, limits and periodic work across them. */
class JobClusterTest {

    private static final Duration WITHIN = Duration.ofSeconds(20);
    private final Engines engines = new Engines();

    @BeforeAll
    static void prepare() throws SQLException {
        Engines.prepare();
    }

    @AfterEach
    void stop() {
        engines.close();
    }

    @Test
    void everyJobRunsExactlyOnceAcrossTwoEngines() throws Exception {
        String kind = Engines.kind("many");
        AtomicInteger runs = new AtomicInteger();
        JobHandler handler = job -> {
            runs.incrementAndGet();
            job.onComplete(Engines.record(job, Thread.currentThread().getName()));
        };
        JobEngine a = engines.start(JobType.of(kind, handler));
        JobEngine b = engines.start(JobType.of(kind, handler));
        int jobs = 2000;
        Engines.database().transaction(Caller.serviceRole(), tx -> {
            for (int i = 0; i < jobs; i++) {
                a.enqueueAt(tx, NewJob.of(kind));
            }
            return true;
        });
        Poll.until(
                "every job completes",
                WITHIN,
                () -> count("select count(*) from platform.jobs where kind = ? and state = 'completed'", kind) == jobs);
        assertThat(count("select count(*) from jobs_test.effects where kind = ?", kind))
                .isEqualTo(jobs);
        assertThat(runs).hasValue(jobs);
        assertThat(a.completedJobs()).isPositive();
        assertThat(b.completedJobs()).isPositive();
        assertThat(a.completedJobs() + b.completedJobs()).isEqualTo(jobs);
    }

    @Test
    void aJobWhoseWorkerStoppedHeartbeatingIsRescuedAndTheLateWorkerCannotOverwriteTheNewAttempt() throws Exception {
        String kind = Engines.kind("rescue");
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        JobHandler handler = job -> {
            runs.incrementAndGet();
            if (job.attempt() == 1) {
                firstRunning.countDown();
                // a worker that hangs and ignores interrupts: only the lease stops it mattering
                while (!releaseFirst.await(10, TimeUnit.SECONDS)) {}
            }
            job.onComplete(Engines.record(job, "attempt " + job.attempt()));
        };
        // engine a never heartbeats within the test (hourly); b rescues by the shared clock.
        JobEngine a = engines.start(JobType.of(kind, handler));
        long id = a.enqueue(NewJob.of(kind));
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        JobEngine b = engines.start(JobType.of(kind, handler));
        assertThat(b.rescue()).isZero(); // the lease still holds

        engines.clock.advance(Duration.ofHours(2).plusSeconds(1));
        assertThat(b.rescue()).isEqualTo(1);
        assertThat(text("select last_error from platform.jobs where id = ?", id))
                .contains("worker lost");
        engines.clock.advance(Duration.ofMinutes(5)); // past the retry's backoff
        b.wake();
        Poll.until("the second attempt completes", WITHIN, () -> state(id).equals("completed"));
        assertThat(text("select attempt || ' ' || (lease_owner is null) from platform.jobs where id = ?", id))
                .isEqualTo("2 true");

        releaseFirst.countDown(); // the late worker finishes and tries to complete attempt 1
        Poll.until("the late worker is done", WITHIN, () -> a.runningJobs() == 0);
        assertThat(text("select string_agg(worker, ',') from jobs_test.effects where job_id = ?", id))
                .isEqualTo("attempt 2");
        assertThat(runs).hasValue(2);
        assertThat(state(id)).isEqualTo("completed");
    }

    @Test
    void aLongJobWhoseWorkerLivesIsNeverRescued() throws Exception {
        String kind = Engines.kind("long");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        JobHandler handler = job -> {
            runs.incrementAndGet();
            running.countDown();
            finish.await(30, TimeUnit.SECONDS);
            job.onComplete(Engines.record(job, "long"));
        };
        JobEngine a = engines.start(JobType.of(kind, handler));
        JobEngine b = engines.start(JobType.of(kind, handler));
        long id = a.enqueue(NewJob.of(kind));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        JobEngine holder =
                text("select lease_owner from platform.jobs where id = ?", id).equals(a.owner()) ? a : b;
        JobEngine other = holder == a ? b : a;
        for (int i = 0; i < 10; i++) { // 10 hours of run time, ten times the lease of two hours
            engines.clock.advance(Duration.ofHours(1));
            holder.heartbeat();
            assertThat(other.rescue()).isZero();
            assertThat(holder.rescue()).isZero();
        }
        finish.countDown();
        Poll.until("it completes", WITHIN, () -> state(id).equals("completed"));
        assertThat(runs).hasValue(1);
        assertThat(count("select attempt from platform.jobs where id = ?", id)).isEqualTo(1);
    }

    @Test
    void aGlobalLimitHoldsAcrossTwoEngines() throws Exception {
        String kind = Engines.kind("limited");
        AtomicInteger now = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        JobType type = JobType.of(kind, job -> {
                    peak.accumulateAndGet(now.incrementAndGet(), Math::max);
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } finally {
                        now.decrementAndGet();
                    }
                })
                .withGlobalLimit(2);
        JobEngine a = engines.start(type);
        JobEngine b = engines.start(type);
        Engines.database().transaction(Caller.serviceRole(), tx -> {
            for (int i = 0; i < 10; i++) {
                a.enqueueAt(tx, NewJob.of(kind));
            }
            return true;
        });
        Poll.until("two run", WITHIN, () -> now.get() == 2);
        for (int i = 0; i < 5; i++) { // both engines try again with free workers: the limit holds
            a.fetchOnce();
            b.fetchOnce();
        }
        assertThat(count("select count(*) from platform.jobs where kind = ? and state = 'running'", kind))
                .isEqualTo(2);
        release.countDown();
        Poll.until(
                "all complete",
                WITHIN,
                () -> count("select count(*) from platform.jobs where kind = ? and state = 'completed'", kind) == 10);
        assertThat(peak).hasValue(2);
    }

    @Test
    void aPeriodicJobRunsOncePerPeriodAcrossTwoEnginesAndCatchesUpAsConfigured() throws Exception {
        String all = "test-all-" + Engines.kind("cron");
        String latest = "test-latest-" + Engines.kind("cron");
        String skip = "test-skip-" + Engines.kind("cron");
        AtomicInteger runs = new AtomicInteger();
        JobHandler handler = job -> {
            runs.incrementAndGet();
            job.onComplete(Engines.record(job, job.args()));
        };
        List<JobEngine> two = List.of(engines.start(), engines.start());
        for (JobEngine engine : two) {
            engine.schedule(all, Schedule.cron("0 * * * *"), CatchUp.ALL, handler);
            engine.schedule(latest, Schedule.cron("0 * * * *"), CatchUp.LATEST, handler);
            engine.schedule(skip, Schedule.every(Duration.ofHours(1)), CatchUp.SKIP, handler);
        }
        // nothing is due yet: a new schedule never runs the periods before it was known
        assertThat(two.get(0).tickSchedules() + two.get(1).tickSchedules()).isZero();

        engines.clock.advance(Duration.ofHours(3)); // three hours boundaries passed with no tick
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<Integer>> ticks = new ArrayList<>();
        for (JobEngine engine : two) {
            ticks.add(pool.submit(() -> {
                together.await();
                return engine.tickSchedules();
            }));
        }
        int enqueued = 0;
        for (Future<Integer> tick : ticks) {
            enqueued += tick.get(10, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(enqueued).isEqualTo(3 + 1);
        for (JobEngine engine : two) { // ticking again finds nothing new
            assertThat(engine.tickSchedules()).isZero();
            engine.wake();
        }
        Poll.until(
                "the periods run",
                WITHIN,
                () -> count(
                                "select count(*) from platform.jobs where kind in (?, ?) " + "and state = 'completed'",
                                "schedule:" + all,
                                "schedule:" + latest)
                        == 4);
        assertThat(count(
                        "select count(*) from platform.jobs where kind = ? and state = 'completed'", "schedule:" + all))
                .isEqualTo(3);
        assertThat(count("select count(distinct idempotency_key) from platform.jobs where kind = ?", "schedule:" + all))
                .isEqualTo(3);
        assertThat(count("select count(*) from platform.jobs where kind = ?", "schedule:" + latest))
                .isEqualTo(1);
        assertThat(count("select count(*) from platform.jobs where kind = ?", "schedule:" + skip))
                .isZero();

        // on time (a second after the next hour begins): every mode runs the period once
        engines.clock.advance(Duration.between(
                        engines.clock.instant(),
                        Schedule.every(Duration.ofHours(1)).next(engines.clock.instant()))
                .plusSeconds(1));
        assertThat(two.get(0).tickSchedules() + two.get(1).tickSchedules()).isEqualTo(3);
        two.forEach(JobEngine::wake);
        Poll.until(
                "the next period runs",
                WITHIN,
                () -> count(
                                "select count(*) from platform.jobs where kind in (?, ?, ?) "
                                        + "and state = 'completed'",
                                "schedule:" + all,
                                "schedule:" + latest,
                                "schedule:" + skip)
                        == 7);
        assertThat(runs).hasValue(7);
        assertThat(count(
                        "select count(*) from jobs_test.effects where kind like 'schedule:test-%' and kind in (?, ?, ?)",
                        "schedule:" + all, "schedule:" + latest, "schedule:" + skip))
                .isEqualTo(7);
    }

    @Test
    void aRescuedJobOnItsLastAttemptFailsAndReleasesItsHoldOnce() throws Exception {
        String kind = Engines.kind("rescue-last");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        AtomicInteger releases = new AtomicInteger();
        JobType type = JobType.of(kind, job -> {
                    running.countDown();
                    while (!finish.await(10, TimeUnit.SECONDS)) {}
                    throw new IllegalStateException("late failure");
                })
                .withMaxAttempts(1)
                .withGiveUpHook((tx, jobId, appKey, outcome) -> {
                    releases.incrementAndGet();
                    try (PreparedStatement insert = tx.connection()
                            .prepareStatement("insert into jobs_test.releases (job_id, outcome) values (?, ?)")) {
                        insert.setLong(1, jobId);
                        insert.setString(2, outcome);
                        insert.executeUpdate();
                    }
                });
        JobEngine a = engines.start(type);
        long id = a.enqueue(NewJob.of(kind));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        JobEngine b = engines.start(type);
        engines.clock.advance(Duration.ofHours(3));
        assertThat(b.rescue()).isEqualTo(1);
        assertThat(state(id)).isEqualTo("failed");
        finish.countDown(); // the late worker's failure must not release again
        Poll.until("the late worker is done", WITHIN, () -> a.runningJobs() == 0);
        assertThat(releases).hasValue(1);
        assertThat(count("select count(*) from jobs_test.releases where job_id = ?", id))
                .isEqualTo(1);
    }
}
