package dev.atelier.platform.jobs;

import static dev.atelier.platform.jobs.Engines.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test of the job engine: two job servers (JVMs of their own) on one database and
 * many jobs, one server killed with SIGKILL mid-run. {@code mvn verify} runs the 100,000 (22 s on an idle 2-core machine);
 * another number: {@code -Datelier.jobs.crash.jobs=N}. Every job's effect happens exactly once
 * (the effect's table has the job id as its primary key, written in the completing transaction),
 * none is lost, and the killed server's jobs are rescued when their leases expire (2 s here).
 */
class JobsCrashIT {

    private static final int JOBS = Integer.getInteger("atelier.jobs.crash.jobs", 100_000);

    @Test
    void twoServersRunEveryJobExactlyOnceAlthoughOneIsKilledMidRun() throws Exception {
        Engines.prepare();
        System.out.println("JobsCrashIT: " + JOBS + " jobs (-Datelier.jobs.crash.jobs)");
        String kind = Engines.kind("crash");
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into platform.jobs (kind, queue) select '" + kind + "', 'crash' from generate_series(1, "
                            + JOBS + ")");
        }
        DatabaseTarget db = Engines.server.databaseTarget();
        Process a = worker(db, kind);
        Process b = worker(db, kind);
        try {
            String killed = awaitReady(a);
            awaitReady(b);
            // killed while it holds jobs, early enough that the other server has work left. It is
            // stopped (SIGSTOP) before its jobs are counted, so it still holds them when it is
            // killed: between a count and the kill a running server could finish what it held.
            Poll.until("the first server is stopped holding jobs", Duration.ofSeconds(60), () -> {
                signal(a, "STOP");
                boolean holds = count(
                                        "select count(*) from platform.jobs where kind = ? and state = 'running' "
                                                + "and lease_owner = ?",
                                        kind,
                                        killed)
                                > 0
                        && count("select count(*) from jobs_test.effects where kind = ?", kind) >= JOBS / 20;
                if (!holds) {
                    signal(a, "CONT");
                }
                return holds;
            });
            a.destroyForcibly(); // SIGKILL: no shutdown, its leases are left behind
            a.waitFor();
            try {
                Poll.until(
                        "every job is done",
                        Duration.ofSeconds(120),
                        every(() ->
                                count("select count(*) from platform.jobs where kind = ? and state = 'completed'", kind)
                                        == JOBS));
            } catch (AssertionError e) {
                throw new AssertionError(
                        e.getMessage() + "; jobs by state: "
                                + Engines.text(
                                        "select string_agg(state || ' ' || n, ', ') from (select state, count(*) n from platform.jobs "
                                                + "where kind = ? group by state) s",
                                        kind),
                        e);
            }
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
        assertThat(count("select count(*) from jobs_test.effects where kind = ?", kind))
                .isEqualTo(JOBS);
        assertThat(count("select count(*) from platform.jobs where kind = ? and state <> 'completed'", kind))
                .isZero();
        assertThat(count(
                        "select count(*) from jobs_test.effects e join platform.jobs j on j.id = e.job_id "
                                + "where e.kind = ? and e.attempt <> j.attempt",
                        kind))
                .as("each effect belongs to the attempt that completed the job")
                .isZero();
        assertThat(count(
                        "select count(*) from platform.jobs where kind = ? and errors::text like '%worker lost%'",
                        kind))
                .as("the killed server's jobs were rescued")
                .isPositive();
    }

    /** Counting 100,000 rows every 20 ms would take the cores the servers need: ask twice a second. */
    private static Poll.Condition every(Poll.Condition condition) {
        long[] last = {0};
        return () -> {
            if (System.nanoTime() - last[0] < 500_000_000L) {
                return false;
            }
            last[0] = System.nanoTime();
            return condition.holds();
        };
    }

    /** Sends the process SIGSTOP or SIGCONT ({@code kill -STOP pid}). */
    private static void signal(Process p, String signal) throws Exception {
        int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .inheritIO()
                .start()
                .waitFor();
        assertThat(exit).as("kill -" + signal).isZero();
    }

    private static Process worker(DatabaseTarget db, String kind) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashWorker.class.getName(),
                db.host(),
                Integer.toString(db.port()),
                db.database(),
                db.ownerUser(),
                Objects.requireNonNull(db.ownerPassword()),
                kind));
        builder.redirectErrorStream(true);
        return builder.start();
    }

    /** Waits for the worker's "ready <owner>" line; returns its owner name. */
    private static String awaitReady(Process p) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("ready ")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe from filling
                        }
                    } catch (java.io.IOException ignored) {
                        // the process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return line.substring("ready ".length()).trim();
            }
        }
        throw new AssertionError("the worker ended before it was ready");
    }
}
