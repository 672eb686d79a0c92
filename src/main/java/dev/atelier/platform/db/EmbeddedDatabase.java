package dev.atelier.platform.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 from the zonky binaries, run out of the data directory. zonky's defaults are for
 * throw-away test databases; this turns durability back on and keeps everything (binaries, data)
 * under the data directory instead of /tmp, so the data survives restarts and crashes.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts the server on the locked data directory, first stopping a postmaster orphaned by a crashed JVM. */
    public static EmbeddedDatabase start(DataDirectory dataDirectory) {
        Path pgData = dataDirectory.resolve("postgres");
        Path runtime = dataDirectory.resolve("runtime");
        stopOrphanedPostmaster(pgData);
        try {
            Files.createDirectories(runtime.resolve("scratch"));
            // zonky scans (and may delete) stale directories under its working dir: give it an
            // empty one of ours rather than /tmp/embedded-pg, which other programs share.
            System.setProperty("ot.epg.working-dir", runtime.resolve("scratch").toString());
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setOverrideWorkingDirectory(runtime.toFile())
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // zonky passes -F (fsync off) and synchronous_commit=off: both lose data in a crash.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    // TCP on loopback only; no unix socket in /tmp.
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("unix_socket_directories", "")
                    .setServerConfig("max_connections", "100")
                    .start();
            return new EmbeddedDatabase(postgres);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the embedded PostgreSQL did not start in " + pgData + ": " + rootMessage(e), e);
        }
    }

    public DatabaseTarget target() {
        return new DatabaseTarget("127.0.0.1", postgres.getPort(), "postgres", "postgres", null, "");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    /**
     * After a {@code kill -9} of the JVM its postmaster keeps running on the data directory and
     * would refuse a new start. We hold the data-directory lock, so any postmaster still on it is
     * such an orphan: ask it for a fast shutdown and wait.
     */
    static void stopOrphanedPostmaster(Path pgData) {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> orphan;
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            long pid = Long.parseLong(lines.get(0).trim());
            orphan = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(true));
        } catch (IOException | RuntimeException e) {
            return; // unreadable or half-written pid file: PostgreSQL itself will judge it
        }
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = orphan.get();
        log.warn("stopping the PostgreSQL server (pid {}) left running by an earlier Atelier process", postmaster.pid());
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid())).inheritIO().start().waitFor();
            postmaster.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("an orphaned PostgreSQL server (pid " + postmaster.pid()
                    + ") is still running on " + pgData + " and did not stop; stop it and start again", e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
