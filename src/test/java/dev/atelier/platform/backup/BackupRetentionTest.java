package dev.atelier.platform.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention over a backup directory laid out as {@link Backups} writes it, at times the test
 * chooses: base backups older than the window go with the WAL before the oldest kept one and the
 * copied objects nothing names any more; the newest base backup stays however old it is.
 */
class BackupRetentionTest {

    private static final Instant NOW = Instant.parse("2026-11-27T03:00:00Z");

    @TempDir
    Path dir;

    private Backups backups() {
        BackupSettings settings = new BackupSettings(
                dir.resolve("backups"), true, "0 3 * * *", Duration.ofDays(30), Duration.ofSeconds(60));
        return new Backups(settings, dir.resolve("data"), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** A complete base backup whose restore point is {@code daysAgo} before NOW, starting in WAL segment {@code segment}. */
    private void backup(int daysAgo, int segment, String... objects) throws Exception {
        Instant point = NOW.minus(Duration.ofDays(daysAgo));
        String id = "2026" + String.format("%05d", 99999 - daysAgo);
        Path b = Files.createDirectories(dir.resolve("backups/base").resolve(id));
        Properties p = new Properties();
        p.setProperty("id", id);
        p.setProperty("started", point.minusSeconds(10).toString());
        p.setProperty("point", point.toString());
        p.setProperty("start_wal", wal(segment));
        p.setProperty("restore_point", "atelier-" + id);
        p.setProperty("database.bytes", "1");
        p.setProperty("files.bytes", "1");
        try (OutputStream out = Files.newOutputStream(b.resolve("manifest.properties"))) {
            p.store(out, null);
        }
        Files.write(b.resolve("objects.txt"), List.of(objects));
    }

    private static String wal(int segment) {
        return String.format("00000001%08X%08X", 0, segment);
    }

    /** The archived file of a segment, as archive_command names it. */
    private static String gz(int segment) {
        return wal(segment) + ".gz";
    }

    private void archive(int... segments) throws Exception {
        Path walDir = Files.createDirectories(dir.resolve("backups/wal"));
        for (int s : segments) {
            Files.writeString(walDir.resolve(gz(s)), "segment " + s);
        }
        Files.writeString(walDir.resolve("00000002.history.gz"), "1\t0/0\tno reason");
    }

    private void object(String name, boolean live) throws Exception {
        Path copy = dir.resolve("backups/objects").resolve(name);
        Files.createDirectories(copy.getParent());
        Files.writeString(copy, name);
        Checksums.append(dir.resolve("backups/objects.sha256"), Map.of(name, Checksums.of(copy)));
        if (live) {
            Path l = dir.resolve("data/storage/objects").resolve(name);
            Files.createDirectories(l.getParent());
            Files.writeString(l, name);
        }
    }

    @Test
    void removesOnlyWhatIsOlderThanTheWindowWithItsWalAndUnnamedObjects() throws Exception {
        backup(45, 2, "aa/old-only");
        backup(31, 5, "aa/old-only", "bb/kept");
        backup(29, 9, "bb/kept");
        backup(1, 12, "bb/kept", "cc/new");
        archive(1, 2, 3, 5, 8, 9, 10, 12, 13);
        object("aa/old-only", false);
        object("bb/kept", false);
        object("cc/new", true);
        object("dd/live-only", true);

        Backups.Pruned pruned = backups().prune(NOW);

        assertThat(pruned.backups()).hasSize(2);
        assertThat(backups().list())
                .extracting(b -> b.point())
                .allSatisfy(p -> assertThat(p).isAfterOrEqualTo(NOW.minus(Duration.ofDays(30))));
        assertThat(backups().list()).hasSize(2);
        try (var files = Files.list(dir.resolve("backups/wal"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .containsExactly(gz(9), gz(10), gz(12), gz(13), "00000002.history.gz");
        }
        assertThat(backups().indexWal()).containsOnlyKeys(gz(9), gz(10), gz(12), gz(13), "00000002.history.gz");
        assertThat(pruned.objects()).isEqualTo(1);
        assertThat(dir.resolve("backups/objects/aa/old-only")).doesNotExist();
        assertThat(dir.resolve("backups/objects/bb/kept")).exists();
        assertThat(dir.resolve("backups/objects/dd/live-only")).exists();
        assertThat(backups().check(backups().list()))
                .allSatisfy(problem -> assertThat(problem).doesNotContain("objects"));
    }

    @Test
    void neverRemovesTheLastBaseBackupHoweverOld() throws Exception {
        backup(400, 3);
        backup(90, 7);
        archive(2, 3, 7, 8);

        Backups.Pruned pruned = backups().prune(NOW);

        assertThat(pruned.backups()).hasSize(1);
        assertThat(backups().list())
                .singleElement()
                .satisfies(b -> assertThat(b.point()).isEqualTo(NOW.minus(Duration.ofDays(90))));
        assertThat(dir.resolve("backups/wal").resolve(gz(7))).exists();
        assertThat(dir.resolve("backups/wal").resolve(gz(3))).doesNotExist();

        // A day later nothing more goes: the one left is the last.
        assertThat(backups().prune(NOW.plus(Duration.ofDays(1))).backups()).isEmpty();
    }

    @Test
    void keepsEverythingInsideTheWindow() throws Exception {
        backup(30, 3);
        backup(0, 7);
        archive(3, 4, 7);

        Backups.Pruned pruned = backups().prune(NOW);

        assertThat(pruned.backups()).isEmpty();
        assertThat(pruned.walSegments()).isZero();
        assertThat(backups().list()).hasSize(2);
    }
}
