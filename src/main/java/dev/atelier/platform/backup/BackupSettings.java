package dev.atelier.platform.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Where the backups of an embedded database go and how often: {@code ATELIER_BACKUP_DIR}
 * (default {@code <data dir>-backups} beside the data directory, so that losing the data
 * directory does not lose its backups), {@code ATELIER_BACKUP_ENABLED} (WAL archiving and the
 * schedule; default true), {@code ATELIER_BACKUP_SCHEDULE} (cron, UTC; default daily at 03:00),
 * {@code ATELIER_BACKUP_RETENTION_DAYS} (default 30) and {@code ATELIER_BACKUP_ARCHIVE_TIMEOUT_SECONDS}
 * (the longest a committed transaction waits to reach the archive; default 60). Each also reads
 * the system property {@code atelier.backup.*} of the same name.
 */
public record BackupSettings(
        Path directory, boolean enabled, String schedule, Duration retention, Duration archiveTimeout) {

    public static final String DEFAULT_SCHEDULE = "0 3 * * *";
    public static final int DEFAULT_RETENTION_DAYS = 30;
    public static final int DEFAULT_ARCHIVE_TIMEOUT_SECONDS = 60;

    /** The settings for the data directory {@code dataRoot}, from {@code env} (an environment lookup) and the system properties. */
    public static BackupSettings of(Path dataRoot, UnaryOperator<@Nullable String> env) {
        Path root = dataRoot.toAbsolutePath().normalize();
        String dir = value(env, "ATELIER_BACKUP_DIR", "atelier.backup.dir");
        Path directory = dir == null
                ? root.resolveSibling(root.getFileName() + "-backups")
                : Path.of(dir).toAbsolutePath().normalize();
        if (directory.startsWith(root)) {
            throw new IllegalArgumentException("ATELIER_BACKUP_DIR must not be inside the data directory " + root
                    + ": losing the data directory would lose its backups");
        }
        String enabled = value(env, "ATELIER_BACKUP_ENABLED", "atelier.backup.enabled");
        String schedule = value(env, "ATELIER_BACKUP_SCHEDULE", "atelier.backup.schedule");
        String days = value(env, "ATELIER_BACKUP_RETENTION_DAYS", "atelier.backup.retention-days");
        String timeout = value(env, "ATELIER_BACKUP_ARCHIVE_TIMEOUT_SECONDS", "atelier.backup.archive-timeout-seconds");
        return new BackupSettings(
                directory,
                enabled == null || !enabled.trim().toLowerCase(Locale.ROOT).equals("false"),
                schedule == null ? DEFAULT_SCHEDULE : schedule.trim(),
                Duration.ofDays(positive("ATELIER_BACKUP_RETENTION_DAYS", days, DEFAULT_RETENTION_DAYS)),
                Duration.ofSeconds(
                        positive("ATELIER_BACKUP_ARCHIVE_TIMEOUT_SECONDS", timeout, DEFAULT_ARCHIVE_TIMEOUT_SECONDS)));
    }

    /**
     * Creates the backup directory (0700) and its WAL archive if needed, so that a directory that
     * cannot be written stops the start with one line instead of failing every archive_command.
     */
    public void prepare() {
        if (!enabled) {
            return;
        }
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory);
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
            }
            Files.createDirectories(walDirectory());
            if (!Files.isWritable(walDirectory())) {
                throw new IOException("not writable");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the backup directory " + directory + " (" + e.getMessage()
                    + "): set ATELIER_BACKUP_DIR to a writable directory, or ATELIER_BACKUP_ENABLED=false");
        }
    }

    /** The WAL archive: one file per finished 16 MB segment, copied there by PostgreSQL's archive_command. */
    public Path walDirectory() {
        return directory.resolve("wal");
    }

    /**
     * The server settings ({@code name=value}) that archive every finished WAL segment into
     * {@link #walDirectory()} as {@code <segment>.gz}: {@code gzip -1} to a temporary name,
     * {@code sync}, rename, sync the directory. A segment forced out by {@code archive_timeout}
     * has a zeroed tail, so it shrinks from 16 MB to some 75 KB. A segment already there with the
     * same bytes (archived just before a crash) counts as archived; with other bytes the command
     * fails, and PostgreSQL keeps the segment and retries.
     */
    public List<String> serverSettings() {
        if (!enabled) {
            return List.of();
        }
        String dir = quote(walDirectory().toString());
        String command = "if [ -f " + dir + "/%f.gz ]; then gzip -dc " + dir + "/%f.gz | cmp -s - %p; else mkdir -p "
                + dir + " && gzip -1 -c %p > " + dir + "/%f.gz.part && sync " + dir + "/%f.gz.part && mv " + dir
                + "/%f.gz.part " + dir + "/%f.gz && sync " + dir + "; fi";
        return List.of(
                "wal_level=replica",
                "archive_mode=on",
                "archive_command=" + command,
                "archive_timeout=" + archiveTimeout.toSeconds());
    }

    /** PostgreSQL's restore_command for this archive: a missing file fails before anything is written to {@code %p}. */
    String restoreCommand() {
        String dir = walDirectory().toString();
        return "test -f \"" + dir + "/%f.gz\" && gzip -dc \"" + dir + "/%f.gz\" > \"%p\"";
    }

    private static String quote(String path) {
        return "'" + path.replace("'", "'\\''") + "'";
    }

    private static @Nullable String value(UnaryOperator<@Nullable String> env, String variable, String property) {
        String v = env.apply(variable);
        if (v == null || v.isBlank()) {
            v = System.getProperty(property);
        }
        return v == null || v.isBlank() ? null : v;
    }

    private static long positive(String name, @Nullable String value, long fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive whole number, not '" + value + "'");
    }
}
