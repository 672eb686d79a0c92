package dev.atelier.platform.jobs;

import static dev.atelier.platform.jobs.Engines.count;
import static dev.atelier.platform.jobs.Engines.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The four job tables of the documents, driven by the engine: a row inserted as pending is a job,
 * and the row shows the job's state, attempts, progress and error in the app's own words.
 */
class AppJobTablesTest {

    private static final Duration WITHIN = Duration.ofSeconds(15);
    private static final TestServer server = Engines.server;
    private final Engines engines = new Engines();

    @BeforeAll
    static void prepare() throws SQLException {
        Engines.prepare();
    }

    @AfterEach
    void stop() {
        engines.close();
    }

    private static String insert(String sql) throws SQLException {
        return text(sql);
    }

    private static long jobOf(String table, String key) throws SQLException {
        return count("select id from platform.jobs where app_table = ? and app_key = ?", table, key);
    }

    @Test
    void rotationJobsShowRetryingThenCompletedWithProgressLogsAndWorker() throws Exception {
        String title = "sync " + UUID.randomUUID();
        String id = insert("insert into rotation.jobs (type, title, max_retries, priority) values " + "('store_sync', '"
                + title + "', 1, 2) returning id");
        long job = jobOf("rotation.jobs", id);
        assertThat(text("select kind || ' ' || priority || ' ' || max_attempts from platform.jobs where id = ?", job))
                .isEqualTo("rotation.jobs:store_sync 2 2");
        JobEngine engine = engines.start(JobType.of("rotation.jobs:store_sync", ctx -> {
                    if (!ctx.appKey().equals(id)) {
                        return; // a row another test class left pending
                    }
                    ctx.progress(30, "fetching inventory");
                    ctx.log(LogLevel.INFO, "attempt " + ctx.attempt());
                    if (ctx.attempt() == 1) {
                        throw new IllegalStateException("Discogs answered 503");
                    }
                })
                .withBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1)));
        Poll.until(
                "the first attempt fails",
                WITHIN,
                () -> text("select status from rotation.jobs where id = ?::integer", id)
                        .equals("retrying"));
        assertThat(text(
                        "select retry_count || ' ' || error_message || ' ' || progress_percentage || ' ' || current_step "
                                + "from rotation.jobs where id = ?::integer",
                        id))
                .isEqualTo("1 IllegalStateException: Discogs answered 503 30.00 fetching inventory");
        engines.clock.advance(Duration.ofMinutes(2));
        engine.wake();
        Poll.until(
                "the second attempt completes",
                WITHIN,
                () -> text("select status from rotation.jobs where id = ?::integer", id)
                        .equals("completed"));
        assertThat(text(
                        "select retry_count || ' ' || coalesce(error_message, '-') || ' ' || progress_percentage || ' ' "
                                + "|| assigned_to || ' ' || (started_at is not null) || ' ' || (completed_at is not null) "
                                + "|| ' ' || (heartbeat_at is not null) from rotation.jobs where id = ?::integer",
                        id))
                .isEqualTo("1 - 100.00 " + engine.owner() + " true true true");
        assertThat(text(
                        "select string_agg(level || ':' || message, ',' order by id) from rotation.job_logs "
                                + "where job_id = ?::integer",
                        id))
                .isEqualTo("info:attempt 1,info:attempt 2");

        // readable through the data API with the app's access rules (the service role reads all jobs)
        HttpResponse<String> rest = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/rest/v1/jobs?id=eq." + id
                                        + "&select=status,progress_percentage,retry_count,job_logs(level,message)"))
                                .header("apikey", server.serviceKey())
                                .header("Authorization", "Bearer " + server.serviceKey())
                                .header("Accept-Profile", "rotation")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(rest.statusCode()).isEqualTo(200);
        JsonNode row = server.json().readTree(rest.body()).get(0);
        assertThat(row.get("status").asText()).isEqualTo("completed");
        assertThat(row.get("progress_percentage").asDouble()).isEqualTo(100.0);
        assertThat(row.get("job_logs")).hasSize(2);
    }

    @Test
    void rotationJobsWaitForTheJobTheyDependOn() throws Exception {
        String first = insert("insert into rotation.jobs (type, title, scheduled_at) values "
                + "('metadata_refresh', 'first', now() + interval '1 hour') returning id");
        String second = insert("insert into rotation.jobs (type, title, depends_on_job_id) values "
                + "('metadata_refresh', 'second', " + first + ") returning id");
        String failing = insert("insert into rotation.jobs (type, title, max_retries, scheduled_at) values "
                + "('metadata_refresh', 'failing', 0, now() + interval '1 hour') returning id");
        String blocked = insert("insert into rotation.jobs (type, title, depends_on_job_id) values "
                + "('metadata_refresh', 'blocked', " + failing + ") returning id");
        assertThat(Engines.state(jobOf("rotation.jobs", second))).isEqualTo("waiting");
        AtomicInteger secondRan = new AtomicInteger();
        JobEngine engine = engines.start(JobType.of("rotation.jobs:metadata_refresh", ctx -> {
            if (ctx.appKey().equals(failing)) {
                throw new IllegalStateException("no metadata");
            }
            if (ctx.appKey().equals(second)) {
                assertThat(text("select status from rotation.jobs where id = ?::integer", first))
                        .isEqualTo("completed");
                secondRan.incrementAndGet();
            }
        }));
        engines.clock.advance(Duration.ofHours(2));
        engine.wake();
        Poll.until(
                "the chain settles",
                WITHIN,
                () -> text("select status from rotation.jobs where id = ?::integer", second)
                                .equals("completed")
                        && text("select status from rotation.jobs where id = ?::integer", blocked)
                                .equals("failed"));
        assertThat(secondRan).hasValue(1);
        assertThat(text("select status from rotation.jobs where id = ?::integer", failing))
                .isEqualTo("failed");
        assertThat(text("select error_message from rotation.jobs where id = ?::integer", blocked))
                .contains("failed");
    }

    @Test
    void illustrationsAreRetriedFiveTimesThenFailWithTheErrorKept() throws Exception {
        // The server's own engine handles infinitestories.illustration (the app's illustrations):
        // the job is given a kind of this test's, in the inserting transaction, so only the test's
        // engine takes it. The app table (and so its words and its 6 attempts) is the job's app_table.
        String kind = Engines.kind("illustration");
        String id;
        try (java.sql.Connection c = server.ownerPool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(
                    "insert into infinitestories.story_illustrations (status) values ('pending') returning id")) {
                java.sql.ResultSet rs = s.executeQuery();
                rs.next();
                id = rs.getString(1);
            }
            try (PreparedStatement s = c.prepareStatement("update platform.jobs set kind = ? "
                    + "where app_table = 'infinitestories.story_illustrations' and app_key = ?")) {
                s.setString(1, kind);
                s.setString(2, id);
                assertThat(s.executeUpdate()).isEqualTo(1);
            }
            c.commit();
        }
        AtomicInteger attempts = new AtomicInteger();
        JobEngine engine = engines.start(JobType.of(kind, ctx -> {
            if (ctx.appKey().equals(id)) {
                attempts.incrementAndGet();
                ctx.progress(10, "prompting");
                throw new IllegalStateException("content policy");
            }
        }));
        Poll.until("the illustration fails for good", WITHIN, () -> {
            engines.clock.advance(Duration.ofMinutes(5)); // past each backoff
            engine.wake();
            return text("select status from infinitestories.story_illustrations where id = ?::uuid", id)
                    .equals("failed");
        });
        assertThat(attempts).hasValue(6);
        assertThat(text(
                        "select retry_count || ' ' || error_message || ' ' || (generation_metadata -> 'job' ->> 'attempt') "
                                + "from infinitestories.story_illustrations where id = ?::uuid",
                        id))
                .isEqualTo("5 IllegalStateException: content policy 6");
        assertThat(count(
                        "select jsonb_array_length(errors) from platform.jobs where id = ?",
                        jobOf("infinitestories.story_illustrations", id)))
                .isEqualTo(6);
    }

    @Test
    void algorhythmicGenerationsTimeOutInTheirOwnStatusAndEnqueueOncePerIdempotencyKey() throws Exception {
        String key = "gen-" + UUID.randomUUID();
        String id = insert("insert into algorhythmic.generation_jobs (prompt, idempotency_key) values ('a storm', '"
                + key + "') returning id");
        insert("insert into algorhythmic.generation_jobs (prompt, idempotency_key) values ('a storm', '" + key
                + "') on conflict (idempotency_key) do nothing returning id");
        assertThat(count("select count(*) from algorhythmic.generation_jobs where idempotency_key = ?", key))
                .isEqualTo(1);
        assertThat(count(
                        "select count(*) from platform.jobs where app_table = 'algorhythmic.generation_jobs' "
                                + "and app_key = ?",
                        id))
                .isEqualTo(1);
        CountDownLatch generating = new CountDownLatch(1);
        engines.start(JobType.of("algorhythmic.generation", ctx -> {
                    if (ctx.appKey().equals(id)) {
                        generating.countDown();
                        new CountDownLatch(1).await(1, TimeUnit.MINUTES);
                    }
                })
                .withTimeout(Duration.ofMillis(300))
                .withMaxAttempts(1));
        assertThat(generating.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(text("select status from algorhythmic.generation_jobs where id = ?", id))
                .isEqualTo("generating");
        Poll.until(
                "it times out",
                WITHIN,
                () -> text("select status from algorhythmic.generation_jobs where id = ?", id)
                        .equals("timeout"));
        assertThat(text(
                        "select error_message || ' ' || (completed_at is not null) from algorhythmic.generation_jobs "
                                + "where id = ?",
                        id))
                .isEqualTo("timed out after its limit true");
    }

    // Delula's generations are driven by the server's own handler of delula.generation since
    // issue 11 (apps/delula/GenerationJob): a test engine registering that kind would race with it.
    // DelulaGenerationsTest covers the table's completion, progress, failure and give-up (refund once).

    @Test
    void deletingAnAppRowForgetsItsJob() throws Exception {
        String id = insert("insert into rotation.jobs (type, title) values ('backup', 'to delete') returning id");
        assertThat(count("select count(*) from platform.jobs where app_table = 'rotation.jobs' and app_key = ?", id))
                .isEqualTo(1);
        insert("delete from rotation.jobs where id = " + id + " returning id");
        assertThat(count("select count(*) from platform.jobs where app_table = 'rotation.jobs' and app_key = ?", id))
                .isZero();
    }
}
