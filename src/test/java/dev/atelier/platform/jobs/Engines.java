package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Database;
import dev.atelier.testing.MovableClock;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Job engines for tests, on the test server's database: as many as a test wants (each is a
 * "server"), sharing a clock the test moves. Kinds are unique per test so the test server's own
 * engine never takes a test's jobs. Effects are recorded in jobs_test.effects, whose primary key
 * is the job id: a second effect of one job would fail.
 */
final class Engines implements AutoCloseable {

    static final TestServer server = TestServer.get();
    private static boolean prepared;

    /**
     * A minute ahead of the database's clock, so that rows inserted now (whose run_at the database
     * stamps) are due at once; and never behind it, so that the test server's own engine, on the
     * real clock, never finds a test engine's lease expired.
     */
    final MovableClock clock = new MovableClock(Instant.now().plusSeconds(60));

    private final List<JobEngine> engines = new ArrayList<>();

    static synchronized void prepare() throws SQLException {
        if (prepared) {
            return;
        }
        try (Connection c = OwnerSql.owner()) {
            OwnerSql.exec(c, "create schema if not exists jobs_test");
            OwnerSql.exec(
                    c,
                    "create table if not exists jobs_test.effects (job_id bigint primary key, "
                            + "kind text not null, attempt integer not null, worker text)");
            OwnerSql.exec(
                    c,
                    "create table if not exists jobs_test.releases (job_id bigint primary key, "
                            + "outcome text not null)");
            OwnerSql.exec(c, "grant usage on schema jobs_test to service_role");
            OwnerSql.exec(c, "grant select, insert on all tables in schema jobs_test to service_role");
        }
        prepared = true;
    }

    static Database database() {
        return server.component(Database.class);
    }

    static String kind(String what) {
        return "test." + what + "." + UUID.randomUUID().toString().substring(0, 8);
    }

    static JobEngineOptions fast() {
        return JobEngineOptions.defaults()
                .withWorkers(4)
                .withPollInterval(Duration.ofMillis(50))
                .withLease(Duration.ofHours(1), Duration.ofHours(2))
                .withMaintenance(Duration.ofHours(1))
                .withShutdownGrace(Duration.ofSeconds(2));
    }

    /** An engine that is started, uses the shared clock, LISTENs, and heartbeats only when the test says. */
    JobEngine start(JobEngineOptions options, JobType... types) {
        JobEngine engine = new JobEngine(
                database(), clock, options, () -> server.loginRoleDataSource().getConnection());
        for (JobType type : types) {
            engine.register(type);
        }
        engine.start();
        engines.add(engine);
        return engine;
    }

    JobEngine start(JobType... types) {
        return start(fast(), types);
    }

    /** A handler's effect: its job id, once. */
    static JobEffect record(JobContext job, String worker) {
        return tx -> {
            try (PreparedStatement insert = tx.connection()
                    .prepareStatement(
                            "insert into jobs_test.effects (job_id, kind, attempt, worker) values (?, ?, ?, ?)")) {
                insert.setLong(1, job.id());
                insert.setString(2, job.kind());
                insert.setInt(3, job.attempt());
                insert.setString(4, worker);
                insert.executeUpdate();
            }
        };
    }

    static long count(String sql, Object... args) throws SQLException {
        try (Connection c = server.ownerPool().getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static String text(String sql, Object... args) throws SQLException {
        try (Connection c = server.ownerPool().getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? String.valueOf(rs.getString(1)) : "";
            }
        }
    }

    static String state(long id) throws SQLException {
        return text("select state from platform.jobs where id = ?", id);
    }

    @Override
    public void close() {
        engines.forEach(JobEngine::close);
    }
}
