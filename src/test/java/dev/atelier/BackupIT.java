package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.testing.Poll;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup round trip as an operator runs it, every command a separate JVM: a server with WAL
 * archiving under a write load; {@code atelier backup} beside it; more writes, then two known
 * commits with a timestamp between them; {@code atelier restore --at} that timestamp into a new
 * directory, where a server starts with exactly the rows committed before it and the storage
 * object its row names; {@code atelier backup verify} passes, and fails on a corrupted archive
 * file. Refusals: a non-empty target, a time in the future or before the first backup.
 */
class BackupIT {

    /** Generous: on a loaded machine (several builds on two cores) a start has taken over a minute. */
    private static final Duration START = Duration.ofSeconds(120);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void aBackupTakenUnderLoadRestoresToATimestampBetweenTwoCommitsAndVerifies() throws Exception {
        Path data = dir.resolve("data");
        Path backups = dir.resolve("backups");
        Map<String, String> env = Map.of("ATELIER_BACKUP_DIR", backups.toString(), "ATELIER_BACKUP_ENABLED", "true");
        Set<Long> committedBeforeT = new ConcurrentSkipListSet<>();
        Instant t;
        long b;
        try (ServerProcess server = ServerProcess.start(env, "serve", "--data-dir", data.toString(), "--port", "0")) {
            String url = server.awaitApiUrl(START);
            String key = ServerProcess.line(server.stdout(), "service_role key:");
            DatabaseTarget db = EmbeddedDatabase.running(data).orElseThrow();
            try (Connection c = Server.owner(db);
                    Statement st = c.createStatement()) {
                st.execute("create table public.backup_probe (id bigserial primary key, note text not null)");
            }
            assertThat(send(url + "/storage/v1/bucket", key, "{\"name\":\"kept\"}"))
                    .isEqualTo(200);
            assertThat(send(url + "/storage/v1/object/kept/before.txt", key, "bytes before the backup"))
                    .isEqualTo(200);

            // A write load, one commit per row, while the base backup is taken beside the server.
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread load = new Thread(() -> {
                try (Connection c = Server.owner(db)) {
                    while (writing.get()) {
                        committedBeforeT.add(insert(c, "load"));
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            load.start();
            Poll.until("the load to commit rows", Duration.ofSeconds(10), () -> committedBeforeT.size() > 50);
            long backupStarted = System.nanoTime();
            ServerProcess backup = ServerProcess.start(env, "backup", "--data-dir", data.toString());
            assertThat(backup.awaitExit(START)).as(backup.stderr()).isZero();
            long backupMillis = (System.nanoTime() - backupStarted) / 1_000_000;
            assertThat(backup.stdout()).contains("base backup").contains("done");
            int rowsAtBackupEnd = committedBeforeT.size();
            Poll.until(
                    "the load to keep committing after the backup",
                    Duration.ofSeconds(10),
                    () -> committedBeforeT.size() > rowsAtBackupEnd + 50);
            writing.set(false);
            load.join();

            // Two known commits and a time between them, all on the database's clock.
            try (Connection c = Server.owner(db)) {
                committedBeforeT.add(insert(c, "A"));
                t = instant(c, "select clock_timestamp()");
                b = insert(c, "B");
                for (int i = 0; i < 20; i++) {
                    insert(c, "after B");
                }
                assertThat(send(url + "/storage/v1/object/kept/after.txt", key, "bytes after T"))
                        .isEqualTo(200);
                awaitArchived(c, backups);
            }
            System.out.printf(
                    "backup under load: %d ms for %d rows written meanwhile; backup dir %d bytes%n",
                    backupMillis, rowsAtBackupEnd, size(backups));
        }

        // Refusals, each with one clear line and a non-zero exit.
        Path restored = dir.resolve("restored");
        for (String[] refusal : new String[][] {
            {"2999-01-01T00:00:00Z", "in the future"}, {"2001-01-01T00:00:00Z", "before the first base backup"}
        }) {
            String at = refusal[0];
            assertThat(fails(env, "restore", "--to", restored.toString(), "--at", at, "--data-dir", data.toString()))
                    .contains(refusal[1]);
        }
        assertThat(fails(env, "restore", "--to", data.toString(), "--data-dir", data.toString()))
                .contains("is not empty");

        long restoreStarted = System.nanoTime();
        ServerProcess restore = ServerProcess.start(
                env, "restore", "--to", restored.toString(), "--at", t.toString(), "--data-dir", data.toString());
        assertThat(restore.awaitExit(START))
                .as(restore.stdout() + restore.stderr())
                .isZero();
        long restoreMillis = (System.nanoTime() - restoreStarted) / 1_000_000;
        assertThat(restore.stdout()).contains("restored into " + restored);

        Map<String, String> restoredEnv = Map.of(
                "ATELIER_BACKUP_DIR", dir.resolve("restored-backups").toString(), "ATELIER_BACKUP_ENABLED", "true");
        try (ServerProcess server =
                ServerProcess.start(restoredEnv, "serve", "--data-dir", restored.toString(), "--port", "0")) {
            String url = server.awaitApiUrl(START);
            String key = ServerProcess.line(server.stdout(), "service_role key:");
            DatabaseTarget db = EmbeddedDatabase.running(restored).orElseThrow();
            Set<Long> ids = new TreeSet<>();
            try (Connection c = Server.owner(db);
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select id from public.backup_probe")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            assertThat(ids).as("exactly the rows committed before " + t).isEqualTo(new TreeSet<>(committedBeforeT));
            assertThat(ids).doesNotContain(b);
            HttpResponse<String> before = HTTP.send(
                    ServerProcess.authorized(url + "/storage/v1/object/kept/before.txt", key)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(before.statusCode()).isEqualTo(200);
            assertThat(before.body()).isEqualTo("bytes before the backup");
            HttpResponse<String> after = HTTP.send(
                    ServerProcess.authorized(url + "/storage/v1/object/kept/after.txt", key)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).as("an object uploaded after T").isNotEqualTo(200);
        }

        long verifyStarted = System.nanoTime();
        ServerProcess verify = ServerProcess.start(env, "backup", "verify", "--data-dir", data.toString());
        assertThat(verify.awaitExit(START))
                .as(verify.stdout() + verify.stderr())
                .isZero();
        long verifyMillis = (System.nanoTime() - verifyStarted) / 1_000_000;
        assertThat(verify.stdout()).contains("verified: base backup");
        ServerProcess list = ServerProcess.start(env, "backup", "list", "--data-dir", data.toString());
        assertThat(list.awaitExit(START)).isZero();
        assertThat(list.stdout()).contains("archived WAL files");
        System.out.printf("restore to T: %d ms; verify: %d ms%n", restoreMillis, verifyMillis);

        // One flipped byte in an archived (gzipped) WAL segment.
        Path segment;
        try (Stream<Path> wal = Files.list(backups.resolve("wal"))) {
            segment = wal.filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}\\.gz"))
                    .sorted()
                    .reduce((x, y) -> y)
                    .orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            ch.read(one, 1024);
            one.put(0, (byte) (one.get(0) ^ 0x5a));
            one.rewind();
            ch.write(one, 1024);
        }
        assertThat(fails(env, "backup", "verify", "--data-dir", data.toString()))
                .contains("checksum mismatch")
                .contains(segment.getFileName().toString());
    }

    private static long insert(Connection c, String note) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "insert into public.backup_probe (note) values ('" + note + "') returning id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Instant instant(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
    }

    /** Ends the current WAL segment and waits until the archive has it (a commit is archived within archive_timeout otherwise). */
    private static void awaitArchived(Connection c, Path backups) throws Exception {
        String segment;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select pg_walfile_name(pg_current_wal_lsn()), pg_switch_wal()")) {
            rs.next();
            segment = rs.getString(1);
        }
        Poll.until(
                "WAL segment " + segment + " in the archive",
                Duration.ofSeconds(60),
                () -> Files.exists(backups.resolve("wal").resolve(segment + ".gz")));
    }

    private static String fails(Map<String, String> env, String... args) throws Exception {
        ServerProcess p = ServerProcess.start(env, args);
        int code = p.awaitExit(START);
        assertThat(code).as(String.join(" ", args) + ": " + p.stdout()).isNotZero();
        return p.stderr();
    }

    private static int send(String url, String key, String body) throws Exception {
        HttpRequest.Builder r = ServerProcess.authorized(url, key);
        r.header("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
        return HTTP.send(
                        r.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private static long size(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
