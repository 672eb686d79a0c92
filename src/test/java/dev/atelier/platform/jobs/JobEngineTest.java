package dev.atelier.platform.jobs;

import static dev.atelier.platform.jobs.Engines.count;
import static dev.atelier.platform.jobs.Engines.state;
import static dev.atelier.platform.jobs.Engines.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.platform.db.Caller;
import dev.atelier.testing.Poll;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One engine: the life of a job, from enqueue to its end, with the clock moved by the test. */
class JobEngineTest {

    private static final Duration WITHIN = Duration.ofSeconds(10);
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
    void runsAJobOnceAndCommitsItsEffectWithTheCompletion() throws Exception {
        String kind = Engines.kind("once");
        JobEngine engine = engines.start(JobType.of(kind, job -> job.onComplete(Engines.record(job, "a"))));
        long id = engine.enqueue(NewJob.of(kind).withArgs("{\"n\": 1}"));
        Poll.until("the job completes", WITHIN, () -> state(id).equals("completed"));
        assertThat(count("select count(*) from jobs_test.effects where job_id = ?", id))
                .isEqualTo(1);
        assertThat(text("select outcome || ' ' || attempt || ' ' || progress from platform.jobs where id = ?", id))
                .isEqualTo("completed 1 100.00");
    }

    @Test
    void aJobEnqueuedInATransactionThatRollsBackNeverExists() throws Exception {
        String kind = Engines.kind("rolledback");
        AtomicInteger runs = new AtomicInteger();
        engines.start(JobType.of(kind, job -> runs.incrementAndGet()));
        long[] id = new long[1];
        assertThatThrownBy(() -> Engines.database().transaction(Caller.serviceRole(), tx -> {
                    id[0] = JobEngine.enqueue(tx, NewJob.of(kind));
                    throw new SQLException("the caller's work failed");
                }))
                .hasMessageContaining("the caller's work failed");
        assertThat(count("select count(*) from platform.jobs where id = ?", id[0]))
                .isZero();
        assertThat(count("select count(*) from platform.jobs where kind = ?", kind))
                .isZero();
        assertThat(runs).hasValue(0);
    }

    @Test
    void enqueueWithTheSameIdempotencyKeyGivesTheSameJob() throws Exception {
        String kind = Engines.kind("idempotent");
        JobEngine engine = new JobEngine(Engines.database(), engines.clock, Engines.fast(), null);
        long first = engine.enqueue(NewJob.of(kind).withIdempotencyKey("order-42"));
        long second = engine.enqueue(NewJob.of(kind).withIdempotencyKey("order-42"));
        long other = engine.enqueue(NewJob.of(kind).withIdempotencyKey("order-43"));
        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(count("select count(*) from platform.jobs where kind = ?", kind))
                .isEqualTo(2);
    }

    @Test
    void claimsByPriorityAndNeverBeforeRunAt() throws Exception {
        String kind = Engines.kind("order");
        JobEngine engine = new JobEngine(Engines.database(), engines.clock, Engines.fast(), null);
        Instant now = engines.clock.instant();
        long low = engine.enqueue(NewJob.of(kind).withPriority(9));
        long high = engine.enqueue(NewJob.of(kind).withPriority(1));
        long later = engine.enqueue(NewJob.of(kind).withPriority(0).runAt(now.plusSeconds(60)));
        long middle = engine.enqueue(NewJob.of(kind).withPriority(5));
        List<Long> order = Engines.database().transaction(Caller.serviceRole(), tx -> {
            List<Long> ids =
                    JobStore.claim(tx.connection(), "probe", now, now.plusSeconds(30), List.of(kind), 10).stream()
                            .map(JobRef::id)
                            .toList();
            tx.connection().rollback();
            return ids;
        });
        assertThat(order).containsExactly(high, middle, low).doesNotContain(later);
        List<Long> atLater = Engines.database().transaction(Caller.serviceRole(), tx -> {
            List<Long> ids = JobStore.claim(
                            tx.connection(), "probe", now.plusSeconds(61), now.plusSeconds(90), List.of(kind), 1)
                    .stream()
                    .map(JobRef::id)
                    .toList();
            tx.connection().rollback();
            return ids;
        });
        assertThat(atLater).containsExactly(later);
    }

    @Test
    void retriesWithGrowingBackoffThenFailsKeepingEveryError() throws Exception {
        String kind = Engines.kind("retry");
        AtomicInteger runs = new AtomicInteger();
        JobEngine engine = engines.start(JobType.of(kind, job -> {
                    runs.incrementAndGet();
                    throw new IllegalStateException("provider said no (attempt " + job.attempt() + ")");
                })
                .withMaxAttempts(3)
                .withBackoff(Duration.ofSeconds(10), Duration.ofMinutes(10)));
        Instant start = engines.clock.instant();
        long id = engine.enqueue(NewJob.of(kind));

        Poll.until(
                "the first attempt fails",
                WITHIN,
                () -> attempts(id) == 1 && state(id).equals("available"));
        Duration firstDelay = Duration.between(start, runAt(id));
        assertThat(firstDelay).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
        assertThat(text("select last_error from platform.jobs where id = ?", id))
                .contains("attempt 1");

        engines.clock.advance(firstDelay.minusMillis(1));
        engine.wake();
        assertThat(engine.fetchOnce()).isZero(); // not a moment before its backoff ends
        engines.clock.advance(Duration.ofMillis(1));
        engine.wake();
        Poll.until(
                "the second attempt fails",
                WITHIN,
                () -> attempts(id) == 2 && state(id).equals("available"));
        Duration secondDelay = Duration.between(engines.clock.instant(), runAt(id));
        assertThat(secondDelay).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(20));
        assertThat(runs).hasValue(2);

        engines.clock.advance(Duration.ofSeconds(21));
        engine.wake();
        Poll.until("the job fails for good", WITHIN, () -> state(id).equals("failed"));
        assertThat(runs).hasValue(3);
        assertThat(text("select outcome from platform.jobs where id = ?", id)).isEqualTo("failed");
        assertThat(text("select last_error from platform.jobs where id = ?", id))
                .contains("attempt 3");
        assertThat(count("select jsonb_array_length(errors) from platform.jobs where id = ?", id))
                .isEqualTo(3);
        engines.clock.advance(Duration.ofHours(1));
        engine.wake();
        assertThat(runs).hasValue(3);
    }

    @Test
    void aHandlerCanAskForALaterRetryOrForNoneAtAll() throws Exception {
        String kind = Engines.kind("retry-later");
        JobEngine engine = engines.start(JobType.of(kind, job -> {
                    if (job.args().contains("late")) {
                        throw new java.util.concurrent.TimeoutException("the provider did not answer in time");
                    }
                    if (job.args().contains("never")) {
                        throw new GiveUpNow("the provider refused this prompt for good");
                    }
                    throw new RetryLater("rate limited", Duration.ofMinutes(5), new IllegalStateException("429"));
                })
                .withMaxAttempts(5)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1)));
        // PostgreSQL keeps microseconds (rounded): a clock with nanoseconds would make run_at look
        // a few hundred nanoseconds short of five minutes.
        Instant start = engines.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        long later = engine.enqueue(NewJob.of(kind));
        long never = engine.enqueue(NewJob.of(kind).withArgs("{\"never\": true}"));
        long late = engine.enqueue(NewJob.of(kind).withArgs("{\"late\": true}").withMaxAttempts(1));

        Poll.until(
                "the rate-limited attempt waits",
                WITHIN,
                () -> attempts(later) == 1 && state(later).equals("available"));
        assertThat(Duration.between(start, runAt(later)))
                .isGreaterThan(Duration.ofMinutes(5).minusMillis(1));
        Poll.until("the refused job fails at once", WITHIN, () -> state(never).equals("failed"));
        assertThat(attempts(never)).isEqualTo(1);
        assertThat(text("select last_error from platform.jobs where id = ?", never))
                .contains("refused this prompt");
        Poll.until("the late job ends", WITHIN, () -> state(late).equals("failed"));
        assertThat(text("select outcome from platform.jobs where id = ?", late)).isEqualTo("timeout");
    }

    @Test
    void anAttemptThatOutrunsItsTimeoutIsStoppedAndFailsAsTimedOut() throws Exception {
        String kind = Engines.kind("timeout");
        CountDownLatch interrupted = new CountDownLatch(1);
        JobEngine engine = engines.start(JobType.of(kind, job -> {
                    try {
                        new CountDownLatch(1).await(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                    }
                })
                .withTimeout(Duration.ofMillis(100))
                .withMaxAttempts(1));
        long id = engine.enqueue(NewJob.of(kind));
        Poll.until("the job times out", WITHIN, () -> state(id).equals("failed"));
        assertThat(interrupted.getCount()).isZero();
        assertThat(text("select outcome || ': ' || last_error from platform.jobs where id = ?", id))
                .startsWith("timeout: timed out");
    }

    @Test
    void cancellingARunningJobInterruptsItsHandlerAndEndsItCancelled() throws Exception {
        String kind = Engines.kind("cancel");
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger sawStop = new AtomicInteger();
        JobEngine engine = engines.start(JobType.of(kind, job -> {
            running.countDown();
            try {
                new CountDownLatch(1).await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                if (job.stopRequested()) {
                    sawStop.incrementAndGet();
                }
                throw e;
            }
            job.onComplete(Engines.record(job, "should not commit"));
        }));
        long id = engine.enqueue(NewJob.of(kind));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(engine.cancel(id)).isEqualTo("running");
        Poll.until("the job is cancelled", WITHIN, () -> state(id).equals("cancelled"));
        assertThat(sawStop).hasValue(1);
        assertThat(count("select count(*) from jobs_test.effects where job_id = ?", id))
                .isZero();

        long queued =
                engine.enqueue(NewJob.of(kind).runAt(engines.clock.instant().plusSeconds(3600)));
        assertThat(engine.cancel(queued)).isEqualTo("cancelled");
        assertThat(state(queued)).isEqualTo("cancelled");
    }

    @Test
    void aJobWaitsForItsDependenciesAndAFailureFailsOrCancelsItsDependents() throws Exception {
        String ok = Engines.kind("dep-ok");
        String bad = Engines.kind("dep-bad");
        JobEngine engine = engines.start(
                JobType.of(ok, job -> job.onComplete(Engines.record(job, "dep"))),
                JobType.of(bad, job -> {
                            throw new IllegalStateException("broken");
                        })
                        .withMaxAttempts(1));
        engine.register(JobType.of(ok, job -> job.onComplete(Engines.record(job, "dep"))));
        // first -> second runs in order
        long first = engine.enqueue(NewJob.of(ok).runAt(engines.clock.instant().plusSeconds(30)));
        long second = engine.enqueue(NewJob.of(ok).dependingOn(List.of(first), false));
        assertThat(state(second)).isEqualTo("waiting");
        engines.clock.advance(Duration.ofSeconds(31));
        engine.wake();
        Poll.until("both complete", WITHIN, () -> state(second).equals("completed"));
        assertThat(count("select count(*) from jobs_test.effects where job_id in (?, ?)", first, second))
                .isEqualTo(2);

        // failing -> failed dependent -> cancelled dependent of that one
        long failing =
                engine.enqueue(NewJob.of(bad).runAt(engines.clock.instant().plusSeconds(30)));
        long failsToo = engine.enqueue(NewJob.of(ok).dependingOn(List.of(failing), false));
        long cancelled = engine.enqueue(NewJob.of(ok).dependingOn(List.of(failsToo), true));
        engines.clock.advance(Duration.ofSeconds(31));
        engine.wake();
        Poll.until("the chain settles", WITHIN, () -> state(cancelled).equals("cancelled"));
        assertThat(state(failing)).isEqualTo("failed");
        assertThat(state(failsToo)).isEqualTo("failed");
        assertThat(text("select last_error from platform.jobs where id = ?", failsToo))
                .contains("job " + failing + " it depends on failed");
        assertThat(count("select count(*) from jobs_test.effects where job_id in (?, ?)", failsToo, cancelled))
                .isZero();
    }

    @Test
    void aDependencyThatWouldCloseACycleIsRefused() throws Exception {
        String kind = Engines.kind("cycle");
        JobEngine engine = new JobEngine(Engines.database(), engines.clock, Engines.fast(), null);
        long a = engine.enqueue(NewJob.of(kind));
        long b = engine.enqueue(NewJob.of(kind).dependingOn(List.of(a), false));
        long c = engine.enqueue(NewJob.of(kind).dependingOn(List.of(b), false));
        assertThatThrownBy(() -> engine.addDependency(a, c))
                .isInstanceOf(DependencyCycleException.class)
                .hasMessageContaining("cycle");
        assertThatThrownBy(() -> engine.addDependency(a, a)).isInstanceOf(DependencyCycleException.class);
        assertThat(count("select count(*) from platform.job_dependencies where job_id = ?", a))
                .isZero();
        engine.addDependency(c, a); // not a cycle: c already waits for a through b
        assertThat(state(a)).isEqualTo("available");
    }

    @Test
    void aHeldCreditIsReleasedExactlyOnceWhenTheJobFailsTimesOutOrIsCancelled() throws Exception {
        String kind = Engines.kind("hold");
        AtomicInteger releases = new AtomicInteger();
        GiveUpHook release = (tx, jobId, appKey, outcome) -> {
            releases.incrementAndGet();
            try (PreparedStatement insert = tx.connection()
                    .prepareStatement("insert into jobs_test.releases (job_id, outcome) values (?, ?)")) {
                insert.setLong(1, jobId);
                insert.setString(2, outcome);
                insert.executeUpdate();
            }
        };
        JobEngine engine = engines.start(JobType.of(kind, job -> {
                    if (job.args().contains("slow")) {
                        new CountDownLatch(1).await(1, TimeUnit.MINUTES);
                    }
                    throw new IllegalStateException("no image");
                })
                .withMaxAttempts(2)
                .withBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
                .withTimeout(Duration.ofMillis(200))
                .withGiveUpHook(release));
        long failed = engine.enqueue(NewJob.of(kind));
        long cancelled =
                engine.enqueue(NewJob.of(kind).runAt(engines.clock.instant().plusSeconds(3600)));
        engine.cancel(cancelled);
        long timedOut =
                engine.enqueue(NewJob.of(kind).withArgs("{\"slow\": true}").withMaxAttempts(1));
        Poll.until("the failing job ends", WITHIN, () -> state(failed).equals("failed"));
        Poll.until("the slow job times out", WITHIN, () -> state(timedOut).equals("failed"));
        assertThat(count("select attempt from platform.jobs where id = ?", failed))
                .isEqualTo(2);
        assertThat(text(
                        "select string_agg(outcome, ',' order by job_id) from jobs_test.releases where job_id in (?, ?, ?)",
                        failed,
                        cancelled,
                        timedOut))
                .isEqualTo("failed,cancelled,timeout");
        assertThat(releases).hasValue(3);
        assertThat(engine.cancel(failed)).isEqualTo("failed");
        assertThat(releases).hasValue(3);
    }

    @Test
    void progressAndLogsAreVisibleWhileTheJobRuns() throws Exception {
        String kind = Engines.kind("progress");
        CountDownLatch reported = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        JobEngine engine = engines.start(JobType.of(kind, job -> {
            job.progress(40, "resizing");
            job.log(LogLevel.WARNING, "slow provider");
            reported.countDown();
            finish.await(10, TimeUnit.SECONDS);
        }));
        long id = engine.enqueue(NewJob.of(kind));
        assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(text(
                        "select state || ' ' || progress || ' ' || progress_message from platform.jobs where id = ?",
                        id))
                .isEqualTo("running 40.00 resizing");
        assertThat(text("select level || ': ' || message from platform.job_logs where job_id = ?", id))
                .isEqualTo("warning: slow provider");
        finish.countDown();
        Poll.until("it completes", WITHIN, () -> state(id).equals("completed"));
    }

    @Test
    void aPausedQueueIsNotClaimedUntilResumed() throws Exception {
        String kind = Engines.kind("paused");
        String queue = "q-" + kind;
        JobEngine engine = engines.start(JobType.of(kind, job -> {}));
        Engines.database().transaction(Caller.serviceRole(), tx -> {
            JobEngine.pause(tx, queue, true);
            return true;
        });
        long id = engine.enqueue(NewJob.of(kind).withQueue(queue));
        engine.wake();
        assertThat(engine.fetchOnce()).isZero();
        assertThat(state(id)).isEqualTo("available");
        Engines.database().transaction(Caller.serviceRole(), tx -> {
            JobEngine.pause(tx, queue, false);
            return true;
        });
        Poll.until("it runs after resuming", WITHIN, () -> state(id).equals("completed"));
    }

    private static Instant runAt(long id) throws SQLException {
        String at = text(
                "select to_char(run_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from platform.jobs where id = ?",
                id);
        return at.isEmpty() ? Instant.EPOCH : Instant.parse(at);
    }

    private static long attempts(long id) throws SQLException {
        return count("select attempt from platform.jobs where id = ?", id);
    }
}
