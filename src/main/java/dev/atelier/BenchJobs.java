package dev.atelier;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.JobEngineOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code atelier bench jobs --jobs N [--servers K] [--workers W]}: as River's bench tool, enqueues N
 * no-op jobs, runs them on K engines (each with a pool of its own, as K servers would have) and
 * prints the rates. On DATABASE_URL when set (to compare with peers on the same PostgreSQL),
 * else on an embedded database in a temporary directory.
 */
final class BenchJobs {

    private BenchJobs() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !args.get(0).equals("jobs")) {
            err.println("atelier: usage: bench jobs [--jobs N] [--servers K] [--workers W]");
            return 2;
        }
        int jobs = 100_000;
        int servers = 1;
        int workers = 100;
        try {
            for (int i = 1; i < args.size(); i += 2) {
                String name = args.get(i);
                int value = Integer.parseInt(args.get(i + 1));
                switch (name) {
                    case "--jobs" -> jobs = value;
                    case "--servers" -> servers = value;
                    case "--workers" -> workers = value;
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
                if (value < 1) {
                    throw new IllegalArgumentException(name + " must be at least 1");
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("atelier: " + (e.getMessage() == null ? "an option needs a value" : e.getMessage()));
            return 2;
        }
        try {
            try (Server server = benchServer()) {
                Result r = bench(server, jobs, servers, workers);
                out.printf(
                        "atelier jobs bench: %d no-op jobs, %d server(s) x %d workers%n"
                                + "  enqueue:                      %,10.0f jobs/s%n"
                                + "  claim + run + complete:       %,10.0f jobs/s%n"
                                + "  end to end (enqueue..done):   %,10.0f jobs/s%n",
                        jobs, servers, workers, r.enqueue(), r.work(), r.endToEnd());
            }
            return 0;
        } catch (IOException | SQLException | InterruptedException e) {
            err.println("atelier: bench failed: " + e.getMessage());
            return 1;
        }
    }

    /**
     * A server for a bench: on DATABASE_URL when set (to compare with peers on the same
     * PostgreSQL), else on an embedded database in a temporary directory; logging warnings only.
     */
    static Server benchServer() throws IOException {
        Path dir = Files.createTempDirectory("atelier-bench-");
        Settings env = Settings.fromEnvironment(System.getenv());
        Settings settings = new Settings(dir, "127.0.0.1", 0, env.databaseUrl(), env.jwtSecret(), null, "warn");
        Logging.setLevel("warn");
        return Server.start(settings);
    }

    record Result(double enqueue, double work, double endToEnd) {}

    static Result bench(Server server, int jobs, int servers, int workers) throws SQLException, InterruptedException {
        Database database = server.component(Database.class);
        server.component(JobEngine.class).close(); // the K engines below are the only ones taking jobs
        clear(database);
        List<Database> pools = new ArrayList<>();
        List<JobEngine> engines = new ArrayList<>();
        JobEngineOptions options = JobEngineOptions.defaults().withWorkers(workers);
        for (int i = 0; i < servers; i++) {
            Database pool = server.openPool();
            pools.add(pool);
            engines.add(new JobEngine(pool, Clock.systemUTC(), options, server.jobListener()));
        }
        try {
            long t0 = System.nanoTime();
            int chunk = 10_000;
            for (int done = 0; done < jobs; done += chunk) {
                int n = Math.min(chunk, jobs - done);
                database.transaction(Caller.serviceRole(), tx -> JobEngine.enqueueMany(tx, "noop", "bench", n));
            }
            long t1 = System.nanoTime();
            engines.forEach(JobEngine::start);
            long completed = 0;
            while (completed < jobs) {
                Thread.sleep(5); // sampling the engines' counters, not waiting for a result
                completed = engines.stream().mapToLong(JobEngine::completedJobs).sum();
            }
            long t2 = System.nanoTime();
            return new Result(rate(jobs, t1 - t0), rate(jobs, t2 - t1), rate(jobs, t2 - t0));
        } finally {
            engines.forEach(JobEngine::close);
            pools.forEach(Database::close);
            clear(database);
        }
    }

    private static double rate(int jobs, long nanos) {
        return jobs / (nanos / 1e9);
    }

    private static void clear(Database database) throws SQLException {
        database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement delete =
                    tx.connection().prepareStatement("delete from platform.jobs where queue = 'bench'")) {
                return delete.executeUpdate();
            }
        });
    }
}
