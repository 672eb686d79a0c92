package bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.BackgroundJob;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;

/**
 * N no-op jobs through a peer on the given PostgreSQL: enqueued first, then run until every one
 * completed. Usage: PeersBench (db-scheduler|jobrunr) JDBC_URL USER PASSWORD N
 */
public final class PeersBench {

    public static void main(String[] args) throws Exception {
        String peer = args[0];
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[1]);
        config.setUsername(args[2]);
        config.setPassword(args[3]);
        config.setMaximumPoolSize(16);
        int jobs = Integer.parseInt(args[4]);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            switch (peer) {
                case "db-scheduler" -> dbScheduler(ds, jobs);
                case "jobrunr" -> jobRunr(ds, jobs);
                default -> throw new IllegalArgumentException(peer);
            }
        }
        System.exit(0);
    }

    public static void noop(int i) {}

    /**
     * db-scheduler's documented high-throughput set-up for PostgreSQL: polling with lock-and-fetch
     * (SELECT ... FOR UPDATE SKIP LOCKED, UPDATE ... RETURNING), many threads, a short polling
     * interval. One-time tasks delete their row when done.
     */
    static void dbScheduler(DataSource ds, int jobs) throws Exception {
        exec(ds, "drop table if exists scheduled_tasks");
        exec(ds, "create table scheduled_tasks (task_name text not null, task_instance text not null, "
                + "task_data bytea, execution_time timestamptz not null, picked boolean not null, picked_by text, "
                + "last_success timestamptz, last_failure timestamptz, consecutive_failures int, "
                + "last_heartbeat timestamptz, version bigint not null, priority smallint, "
                + "primary key (task_name, task_instance))");
        exec(ds, "create index execution_time_idx on scheduled_tasks (execution_time)");
        exec(ds, "create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)");
        exec(ds, "create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)");
        OneTimeTask<Void> noop = Tasks.oneTime("noop").execute((instance, context) -> {});
        Scheduler scheduler = Scheduler.create(ds, noop)
                .threads(100)
                .pollUsingLockAndFetch(0.5, 1.0)
                .pollingInterval(Duration.ofMillis(100))
                .build();
        long t0 = System.nanoTime();
        Instant now = Instant.now();
        List<TaskInstance<?>> batch = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            batch.add(noop.instance("j" + i));
            if (batch.size() == 1000 || i == jobs - 1) {
                scheduler.scheduleBatch(batch, now);
                batch.clear();
            }
        }
        long t1 = System.nanoTime();
        scheduler.start();
        while (count(ds, "select count(*) from scheduled_tasks") > 0) {
            Thread.sleep(20);
        }
        long t2 = System.nanoTime();
        scheduler.stop();
        report("db-scheduler 16.7.1 (lock-and-fetch, 100 threads)", jobs, t0, t1, t2);
    }

    /** JobRunr's bulk enqueue (a stream), its PostgreSQL storage, 100 workers, its shortest poll interval. */
    static void jobRunr(DataSource ds, int jobs) throws Exception {
        for (String table : List.of("jobrunr_jobs", "jobrunr_recurring_jobs", "jobrunr_backgroundjobservers",
                "jobrunr_metadata", "jobrunr_migrations")) {
            exec(ds, "drop table if exists " + table + " cascade");
        }
        exec(ds, "drop view if exists jobrunr_jobs_stats");
        PostgresStorageProvider storage = new PostgresStorageProvider(ds);
        long t0 = System.nanoTime();
        JobRunr.configure().useStorageProvider(storage).initialize();
        BackgroundJob.enqueue(IntStream.range(0, jobs).boxed(), i -> PeersBench.noop(i));
        long t1 = System.nanoTime();
        var server = new org.jobrunr.server.BackgroundJobServer(storage, new org.jobrunr.utils.mapper.jackson.JacksonJsonMapper(),
                null, BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andWorkerCount(100)
                        .andPollIntervalInSeconds(5));
        server.start();
        while (count(ds, "select count(*) from jobrunr_jobs where state = 'SUCCEEDED'") < jobs) {
            Thread.sleep(50);
        }
        long t2 = System.nanoTime();
        server.stop();
        report("JobRunr 7.5.0 (100 workers, 5 s poll)", jobs, t0, t1, t2);
    }

    private static void report(String name, int jobs, long t0, long t1, long t2) {
        System.out.printf("%s: %d no-op jobs%n  enqueue:                      %,10.0f jobs/s%n"
                        + "  claim + run + complete:       %,10.0f jobs/s%n  end to end (enqueue..done):   %,10.0f jobs/s%n",
                name, jobs, jobs / ((t1 - t0) / 1e9), jobs / ((t2 - t1) / 1e9), jobs / ((t2 - t0) / 1e9));
    }

    private static void exec(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long count(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
