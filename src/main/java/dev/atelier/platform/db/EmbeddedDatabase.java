package dev.atelier.platform.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL cluster that is Atelier's alone, run as a child process out of the data directory
 * and supervised: when the postmaster dies it is started again (PostgreSQL recovers from its WAL),
 * and while it is down {@link #isUp()} says so, so that requests are refused at once instead of
 * waiting for a connection.
 *
 * <p>Nobody gets in without the password: the superuser's password is random, made at the first
 * start and kept in a 0600 file beside the cluster; {@code pg_hba.conf} asks every connection for
 * it (SCRAM) on loopback TCP, and there is no unix socket. Durability is PostgreSQL's default
 * (fsync, synchronous commit, full-page writes), unlike the test-oriented defaults of the
 * library the binaries come from. A data directory made by an earlier version (which trusted
 * every local connection) gets a password on its next start, set in single-user mode so that
 * the cluster never listens while it has none.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);
    static final String SUPERUSER = "postgres";
    /** Written once the superuser has a password: a data directory without it still trusts local logins. */
    private static final String PASSWORD_SET_MARKER = "atelier-password-set";

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(5);
    private static final String HBA = """
            # Written by Atelier at every start; edits are lost. Password (SCRAM) logins on
            # loopback TCP only: there is no unix socket and no other address.
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128      scram-sha-256
            """;

    private final Path installation;
    private final Path pgData;
    private final String password;
    private final int port;
    /** Extra {@code name=value} settings for every start (WAL archiving, recovery). */
    private final List<String> settings;

    private final Deque<String> recentOutput = new ArrayDeque<>();
    private volatile @Nullable Process postmaster;
    private volatile boolean up;
    private volatile boolean closing;
    private volatile Runnable onRestart = () -> {};
    private @Nullable Thread supervisor;

    private EmbeddedDatabase(Path installation, Path pgData, String password, int port, List<String> settings) {
        this.installation = installation;
        this.pgData = pgData;
        this.password = password;
        this.port = port;
        this.settings = List.copyOf(settings);
    }

    /** Starts the cluster of a locked data directory, first stopping a postmaster orphaned by a crashed JVM. */
    public static EmbeddedDatabase start(DataDirectory dataDirectory) {
        return start(dataDirectory, List.of());
    }

    /**
     * As {@link #start(DataDirectory)}, with extra server settings ({@code name=value}, passed as
     * {@code -c}) on this and every restart: platform.backup's WAL archiving.
     */
    public static EmbeddedDatabase start(DataDirectory dataDirectory, List<String> settings) {
        Path installation = PostgresBinaries.unpack(dataDirectory.resolve("runtime"));
        return start(
                installation, dataDirectory.resolve("postgres"), dataDirectory.resolve("database-password"), settings);
    }

    /**
     * The embedded cluster that a running server holds in {@code dataRoot} (its port from
     * {@code postmaster.pid}, its password from the data directory), for commands that work beside
     * a running server ({@code atelier backup}); empty when none runs there.
     */
    public static Optional<DatabaseTarget> running(Path dataRoot) {
        Path pidFile = dataRoot.resolve("postgres").resolve("postmaster.pid");
        Path passwordFile = dataRoot.resolve("database-password");
        try {
            if (!Files.exists(pidFile) || !Files.exists(passwordFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.size() < 8 || !lines.get(7).trim().equals("ready")) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
                return Optional.empty();
            }
            int port = Integer.parseInt(lines.get(3).trim());
            return Optional.of(
                    new DatabaseTarget("127.0.0.1", port, "postgres", SUPERUSER, password(passwordFile), ""));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Starts (creating it if needed) the cluster in {@code pgData} with the PostgreSQL installation
     * {@code installation} (its {@code bin/}), the superuser's password kept in {@code passwordFile}.
     */
    public static EmbeddedDatabase start(Path installation, Path pgData, Path passwordFile) {
        return start(installation, pgData, passwordFile, List.of());
    }

    /** As {@link #start(Path, Path, Path)}, with extra {@code name=value} server settings. */
    public static EmbeddedDatabase start(Path installation, Path pgData, Path passwordFile, List<String> settings) {
        stopOrphanedPostmaster(pgData);
        try {
            String password = password(passwordFile);
            if (!Files.exists(pgData.resolve("PG_VERSION"))) {
                initdb(installation, pgData, password);
            } else if (!Files.exists(pgData.resolve(PASSWORD_SET_MARKER))) {
                setPasswordOffline(installation, pgData, password);
            }
            Files.writeString(pgData.resolve("pg_hba.conf"), HBA);
            EmbeddedDatabase db = new EmbeddedDatabase(installation, pgData, password, freePort(), settings);
            db.launch();
            db.supervise();
            return db;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the embedded PostgreSQL did not start in " + pgData + ": " + e.getMessage(), e);
        }
    }

    public DatabaseTarget target() {
        return new DatabaseTarget("127.0.0.1", port, "postgres", SUPERUSER, password, "");
    }

    /** True while the postmaster runs and accepts connections. */
    public boolean isUp() {
        return up && !closing;
    }

    /** Called after the cluster came back from a crash: pooled connections to the old one are dead. */
    public void onRestart(Runnable action) {
        this.onRestart = action;
    }

    /** The postmaster's process id, for operators and tests. */
    public long pid() {
        return started().pid();
    }

    private Process started() {
        Process process = postmaster;
        if (process == null) {
            throw new IllegalStateException("the embedded PostgreSQL was never started");
        }
        return process;
    }

    @Override
    public void close() {
        closing = true;
        up = false;
        if (supervisor != null) {
            supervisor.interrupt();
        }
        Process process = postmaster;
        if (process == null || !process.isAlive()) {
            return;
        }
        signal(process.pid(), "INT"); // fast shutdown: roll back open transactions, checkpoint, exit
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                log.warn("embedded PostgreSQL did not stop within 60 s; killing it");
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                bin("postgres"),
                "-D",
                pgData.toString(),
                "-p",
                Integer.toString(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=on",
                "-c",
                "synchronous_commit=on",
                "-c",
                "full_page_writes=on",
                "-c",
                "max_connections=100",
                "-c",
                "timezone=UTC",
                "-c",
                "password_encryption=scram-sha-256",
                // Statement statistics for the admins' slow-query view (/api/v1/admin/monitoring).
                "-c",
                "shared_preload_libraries=pg_stat_statements",
                // The server's own log, rotated weekly, in pgData/log: client errors belong there, not in Atelier's.
                "-c",
                "logging_collector=on",
                "-c",
                "log_directory=log",
                "-c",
                "log_filename=postgresql-%a.log",
                "-c",
                "log_truncate_on_rotation=on",
                "-c",
                "log_rotation_age=1d",
                "-c",
                "log_rotation_size=0"));
        for (String setting : settings) {
            command.add("-c");
            command.add(setting);
        }
        Process process = new ProcessBuilder(asDatabaseUser(command))
                .redirectErrorStream(true)
                .start();
        drain(process.getInputStream());
        postmaster = process;
        awaitReady(process);
        up = true;
    }

    /** Waits until postmaster.pid says "ready", or the process dies, or the start-up wait runs out. */
    private void awaitReady(Process process) throws IOException {
        long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
        Path pidFile = pgData.resolve("postmaster.pid");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("postgres exited with code " + process.exitValue() + ": " + recentOutput());
            }
            try {
                List<String> lines =
                        Files.exists(pidFile) ? Files.readAllLines(pidFile, StandardCharsets.UTF_8) : List.of();
                // Line 1 is the pid, line 8 the status PostgreSQL keeps up to date ("ready" once it accepts
                // connections).
                if (lines.size() >= 8
                        && lines.get(0).trim().equals(Long.toString(process.pid()))
                        && lines.get(7).trim().equals("ready")) {
                    return;
                }
            } catch (IOException partiallyWritten) {
                // read again
            }
            sleep(20);
        }
        process.destroyForcibly();
        throw new IOException(
                "postgres did not accept connections within " + STARTUP_WAIT.toSeconds() + " s: " + recentOutput());
    }

    private void supervise() {
        Thread thread = new Thread(
                () -> {
                    while (!closing) {
                        Process process = started();
                        try {
                            process.waitFor();
                        } catch (InterruptedException e) {
                            return;
                        }
                        if (closing) {
                            return;
                        }
                        up = false;
                        log.error(
                                "the embedded PostgreSQL stopped unexpectedly (exit code {}); restarting it",
                                process.exitValue());
                        restartUntilUp();
                    }
                },
                "embedded-postgres-supervisor");
        thread.setDaemon(true);
        supervisor = thread;
        thread.start();
    }

    private void restartUntilUp() {
        long delayMillis = 100;
        while (!closing) {
            try {
                killLeftoverBackends();
                launch();
                log.warn(
                        "the embedded PostgreSQL is running again (pid {}) after crash recovery",
                        started().pid());
                onRestart.run();
                return;
            } catch (IOException | RuntimeException e) {
                log.error(
                        "the embedded PostgreSQL did not restart: {}; trying again in {} ms",
                        e.getMessage(),
                        delayMillis);
                sleep(delayMillis);
                delayMillis = Math.min(delayMillis * 2, MAX_RESTART_DELAY.toMillis());
            }
        }
    }

    /**
     * Backends outlive a killed postmaster until they notice, and while they hold its shared memory
     * a new postmaster refuses to start. They run our binary, which lives under our locked data
     * directory, so every process running it is one of ours.
     */
    private void killLeftoverBackends() {
        String binary = bin("postgres");
        List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(binary::equals).orElse(false))
                .toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : leftovers) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("PostgreSQL process {} did not exit after SIGKILL", p.pid());
            }
        }
    }

    private static void initdb(Path installation, Path pgData, String password) throws IOException {
        Files.createDirectories(pgData.getParent());
        Path passwordInput = Files.createTempFile(
                pgData.getParent(),
                ".initdb-",
                ".pw",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(passwordInput, password + "\n");
            run(
                    installation,
                    List.of(
                            "initdb",
                            "-D",
                            pgData.toString(),
                            "-U",
                            SUPERUSER,
                            "--auth=scram-sha-256",
                            "--pwfile=" + passwordInput,
                            "--encoding=UTF8",
                            "--locale=C.UTF-8"),
                    null);
            Files.writeString(pgData.resolve(PASSWORD_SET_MARKER), "");
        } finally {
            Files.deleteIfExists(passwordInput);
        }
    }

    /** Gives a cluster made without a password (trust) one, in single-user mode: it never listens meanwhile. */
    private static void setPasswordOffline(Path installation, Path pgData, String password) throws IOException {
        log.warn("securing the embedded PostgreSQL in {}: setting a password and removing trust logins", pgData);
        run(
                installation,
                List.of("postgres", "--single", "-D", pgData.toString(), "postgres"),
                "ALTER ROLE " + SUPERUSER + " WITH PASSWORD '" + password + "';\n");
        Files.writeString(pgData.resolve(PASSWORD_SET_MARKER), "");
    }

    /** The superuser's password: read from its file, or made and written (0600) on the first start. */
    private static String password(Path file) throws IOException {
        if (Files.exists(file)) {
            String stored = Files.readString(file).trim();
            if (!stored.matches("[0-9a-f]{32,128}")) {
                throw new IOException(file + " does not hold a password written by Atelier");
            }
            return stored;
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random); // hex: safe to splice into ALTER ROLE
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temp = Files.createTempFile(
                file.toAbsolutePath().getParent(),
                ".database-password",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, password + "\n");
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    private static void run(Path installation, List<String> command, @Nullable String input) throws IOException {
        List<String> full = new ArrayList<>(command);
        full.set(0, installation.resolve("bin").resolve(command.get(0)).toString());
        Process process = new ProcessBuilder(asDatabaseUser(full))
                .redirectErrorStream(true)
                .start();
        try (OutputStream stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        String output;
        try (InputStream out = process.getInputStream()) {
            output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            int code = process.waitFor();
            if (code != 0) {
                throw new IOException(command.get(0) + " failed with exit code " + code + ": " + lastLines(output, 8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException(command.get(0) + " was interrupted");
        }
    }

    /**
     * PostgreSQL refuses to run as root. As root we run it in a new user namespace
     * ({@code unshare -U}), where it is an unprivileged user that still owns the files it makes.
     */
    private static List<String> asDatabaseUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("unshare", "-U"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    private String bin(String program) {
        return installation.resolve("bin").resolve(program).toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Keeps the last lines the server printed before its log collector took over: the reason a start failed. */
    private void drain(InputStream in) {
        Thread t = new Thread(
                () -> {
                    try (var reader =
                            new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = reader.readLine()) != null) {
                            log.debug("postgres: {}", line);
                            synchronized (recentOutput) {
                                recentOutput.addLast(line);
                                if (recentOutput.size() > 20) {
                                    recentOutput.removeFirst();
                                }
                            }
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                },
                "embedded-postgres-output");
        t.setDaemon(true);
        t.start();
    }

    private String recentOutput() {
        synchronized (recentOutput) {
            return String.join(" | ", recentOutput);
        }
    }

    private static String lastLines(String output, int n) {
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private static void signal(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            log.warn("could not signal PostgreSQL (pid {}): {}", pid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            orphan = ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(p ->
                            p.info().command().map(c -> c.endsWith("postgres")).orElse(true));
        } catch (IOException | RuntimeException e) {
            return; // unreadable or half-written pid file: PostgreSQL itself will judge it
        }
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle postmaster = orphan.get();
        log.warn(
                "stopping the PostgreSQL server (pid {}) left running by an earlier Atelier process", postmaster.pid());
        try {
            signal(postmaster.pid(), "INT");
            postmaster.onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "an orphaned PostgreSQL server (pid " + postmaster.pid() + ") is still running on " + pgData
                            + " and did not stop; stop it and start again",
                    e);
        }
    }
}
