package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Database;
import dev.atelier.platform.db.DatabaseTarget;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A job server in a JVM of its own, for {@link JobsCrashIT}: runs jobs of one kind, each
 * recording its id under a unique constraint in the completing transaction, until it is killed.
 * Args: host port database user password kind.
 */
public final class CrashWorker {

    private CrashWorker() {}

    public static void main(String[] args) throws Exception {
        DatabaseTarget target = new DatabaseTarget(args[0], Integer.parseInt(args[1]), args[2], args[3], args[4], "");
        String user = args[3];
        String password = args[4];
        String kind = args[5];
        Database database = Database.connect(target, user, password, () -> true);
        JobEngineOptions options = JobEngineOptions.defaults()
                .withWorkers(50)
                .withPollInterval(Duration.ofMillis(100))
                .withLease(Duration.ofMillis(500), Duration.ofSeconds(2))
                .withMaintenance(Duration.ofMillis(500));
        JobEngine engine = new JobEngine(
                database,
                Clock.systemUTC(),
                options,
                () -> DriverManager.getConnection(target.jdbcUrl(), user, password));
        engine.register(JobType.of(
                kind,
                job -> job.onComplete(tx -> {
                    try (PreparedStatement insert = tx.connection()
                            .prepareStatement(
                                    "insert into jobs_test.effects (job_id, kind, attempt, worker) values (?, ?, ?, ?)")) {
                        insert.setLong(1, job.id());
                        insert.setString(2, job.kind());
                        insert.setInt(3, job.attempt());
                        insert.setString(4, engine.owner());
                        insert.executeUpdate();
                    }
                })));
        engine.start();
        System.out.println("ready " + engine.owner());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
