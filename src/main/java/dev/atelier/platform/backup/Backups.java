package dev.atelier.platform.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * The backups of one embedded database: its WAL archive ({@code wal/}, gzipped segments written
 * by PostgreSQL's archive_command, indexed in {@code wal.sha256}), its base backups ({@code base/<id>/}: the
 * cluster's files as {@code database.tar.gz}, the data directory's keys as {@code files.tar.gz},
 * and {@code manifest.properties} with their SHA-256, the backup's WAL positions, its restore
 * point and every table's row count and checksum at that point), and a copy of the storage
 * objects ({@code objects/}, indexed in {@code objects.sha256}). See ADR 0019.
 */
public final class Backups {

    /** A superuser connection to the running cluster being backed up. */
    @FunctionalInterface
    public interface Cluster {
        Connection connect() throws SQLException;
    }

    /** Starts an embedded cluster on a data directory (a restore's), as Atelier's server would. */
    @FunctionalInterface
    public interface Starter {
        Started start(Path dataRoot);
    }

    /** A cluster started by a {@link Starter}; closing it stops it (a fast shutdown with a checkpoint). */
    public interface Started extends AutoCloseable {
        Connection connect() throws SQLException;

        @Override
        void close();
    }

    /** One complete base backup. */
    public record Backup(String id, Path directory, Properties manifest) {
        /** When the backup began (pg_backup_start). */
        public Instant started() {
            return Instant.parse(manifest.getProperty("started"));
        }

        /** Its restore point: the moment its table figures describe, and the earliest it can restore to. */
        public Instant point() {
            return Instant.parse(manifest.getProperty("point"));
        }

        String startWal() {
            return manifest.getProperty("start_wal");
        }

        String restorePoint() {
            return manifest.getProperty("restore_point");
        }

        public long bytes() {
            return Long.parseLong(manifest.getProperty("database.bytes"))
                    + Long.parseLong(manifest.getProperty("files.bytes"));
        }

        public int tables() {
            return TableFigures.read(manifest).size();
        }
    }

    /** The backups of the running server and its cluster, which the server hands to the backup schedule. */
    public record Live(Backups backups, Cluster cluster) {}

    /** What {@link #prune} removed. */
    public record Pruned(List<String> backups, int walSegments, int objects) {}

    /** What {@link #verify} compared. */
    public record Verified(Backup backup, int tables, long rows, int walSegments, int objects) {}

    private static final DateTimeFormatter ID =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TARGET_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS'+00'").withZone(ZoneOffset.UTC);
    private static final String RESTORE_BEGIN = "# atelier restore: begin (removed once recovery is done)";
    private static final String RESTORE_END = "# atelier restore: end";
    /** Cluster files a base backup leaves out (PostgreSQL's own list for pg_basebackup, and Atelier's lock). */
    private static final Set<String> SKIPPED_FILES = Set.of(
            "postmaster.pid",
            "postmaster.opts",
            "pg_internal.init",
            "backup_label",
            "tablespace_map",
            "recovery.signal",
            "standby.signal",
            "current_logfiles");
    /** Directories kept empty in a base backup: their contents are rebuilt or replayed from the WAL archive. */
    private static final Set<String> EMPTIED_DIRECTORIES = Set.of(
            "pg_wal",
            "pg_dynshmem",
            "pg_notify",
            "pg_serial",
            "pg_snapshots",
            "pg_stat_tmp",
            "pg_subtrans",
            "pg_replslot",
            "log");

    private final BackupSettings settings;
    private final Path dataRoot;
    private final Clock clock;

    public Backups(BackupSettings settings, Path dataRoot, Clock clock) {
        this.settings = settings;
        this.dataRoot = dataRoot.toAbsolutePath().normalize();
        this.clock = clock;
    }

    public BackupSettings settings() {
        return settings;
    }

    private Path base() {
        return settings.directory().resolve("base");
    }

    private Path objects() {
        return settings.directory().resolve("objects");
    }

    private Path liveObjects() {
        return dataRoot.resolve("storage").resolve("objects");
    }

    // ------------------------------------------------------------------------------------------
    // Taking a base backup
    // ------------------------------------------------------------------------------------------

    /**
     * Takes a base backup of the running cluster without stopping it: pg_backup_start, a copy of
     * its files, pg_backup_stop, then a restore point with every table's figures, and the
     * storage objects copied after that point (they are immutable, so every object a row at the
     * restore point names is copied).
     */
    public Backup take(Cluster cluster, Consumer<String> progress) throws IOException, SQLException {
        Files.createDirectories(settings.walDirectory());
        Files.createDirectories(base());
        Files.setPosixFilePermissions(settings.directory(), PosixFilePermissions.fromString("rwx------"));
        syncObjects();
        try (Connection c = cluster.connect()) {
            c.setAutoCommit(true);
            requireArchiving(c);
            Path pgData = Path.of(one(c, "show data_directory"));
            String[] start = row(
                    c,
                    "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
                            + " l::text, pg_walfile_name(l) from pg_backup_start('atelier', true) l");
            Instant started = Instant.parse(start[0]);
            String id = ID.format(started);
            Path partial = base().resolve("." + id + ".partial");
            Files.createDirectories(partial);
            progress.accept("base backup " + id + ": copying the cluster's files from " + pgData);
            Properties manifest = new Properties();
            manifest.setProperty("id", id);
            manifest.setProperty("started", started.toString());
            manifest.setProperty("start_lsn", start[1]);
            manifest.setProperty("start_wal", start[2]);
            MessageDigest digest = Checksums.sha256();
            Path databaseTar = partial.resolve("database.tar.gz");
            long files;
            try (OutputStream file = Files.newOutputStream(databaseTar);
                    DigestOutputStream hashed =
                            new DigestOutputStream(new BufferedOutputStream(file, 1 << 16), digest);
                    TarArchiveOutputStream tar = tarOut(hashed)) {
                files = copyCluster(pgData, tar);
                String[] stop = row(
                        c,
                        "select lsn::text, pg_walfile_name(lsn), labelfile, coalesce(spcmapfile, '')"
                                + " from pg_backup_stop(true)");
                manifest.setProperty("stop_lsn", stop[0]);
                manifest.setProperty("stop_wal", stop[1]);
                addText(tar, "backup_label", stop[2]);
                if (!stop[3].isEmpty()) {
                    addText(tar, "tablespace_map", stop[3]);
                }
            } catch (IOException | SQLException | RuntimeException e) {
                abortBackup(c);
                deleteTree(partial);
                throw e;
            }
            manifest.setProperty("database.sha256", Checksums.hex(digest));
            manifest.setProperty("database.bytes", Long.toString(Files.size(databaseTar)));
            progress.accept("base backup " + id + ": " + files + " files, " + mib(Files.size(databaseTar))
                    + " compressed; setting its restore point and counting every table");
            String point = "atelier-" + id;
            Map<String, TableFigures.Figure> figures = restorePoint(cluster, point, manifest);
            TableFigures.write(figures, manifest);
            manifest.setProperty("restore_point", point);
            awaitArchived(c, progress);
            writeFiles(partial, manifest);
            List<String> objects = syncObjects();
            Files.write(partial.resolve("objects.txt"), objects, StandardCharsets.UTF_8);
            manifest.setProperty("objects", Integer.toString(objects.size()));
            indexWal();
            Path done = base().resolve(id);
            try (OutputStream out = Files.newOutputStream(partial.resolve("manifest.properties"))) {
                manifest.store(out, "Atelier base backup");
            }
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            Backup backup = new Backup(id, done, manifest);
            progress.accept("base backup " + id + " done: " + figures.size() + " tables, " + objects.size()
                    + " storage objects, " + mib(backup.bytes()) + " in " + done);
            return backup;
        }
    }

    private void requireArchiving(Connection c) throws SQLException {
        String mode = one(c, "show archive_mode");
        String command = one(c, "show archive_command");
        if (!mode.equals("on") || !command.contains(settings.walDirectory().toString())) {
            throw new IllegalStateException("the database does not archive its WAL into " + settings.walDirectory()
                    + " (archive_mode " + mode + "): restart the server with this backup directory"
                    + " (ATELIER_BACKUP_DIR) and ATELIER_BACKUP_ENABLED=true first");
        }
    }

    private static void abortBackup(Connection c) {
        try (Statement st = c.createStatement()) {
            st.execute("select pg_backup_stop(false)");
        } catch (SQLException ignored) {
            // the session ends anyway, which aborts the backup
        }
    }

    /**
     * While no transaction can write any table (SHARE locks, taken with a short lock timeout and
     * retried, so writers wait at most half a second), creates the restore point and exports a
     * snapshot; the figures are then counted from that snapshot on a second connection after the
     * locks are gone. So the figures are exactly the tables' contents at the restore point.
     */
    private Map<String, TableFigures.Figure> restorePoint(Cluster cluster, String name, Properties manifest)
            throws SQLException {
        try (Connection locker = cluster.connect();
                Connection counter = cluster.connect()) {
            List<String> tables = TableFigures.tables(locker, true);
            locker.setAutoCommit(false);
            SQLException last = null;
            for (int attempt = 0; attempt < 40; attempt++) {
                try (Statement st = locker.createStatement()) {
                    st.execute("set local lock_timeout = '500ms'");
                    if (!tables.isEmpty()) {
                        st.execute("lock table " + String.join(", ", tables) + " in share mode");
                    }
                    String[] point = row(
                            locker,
                            "select to_char(clock_timestamp() at time zone 'UTC',"
                                    + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), pg_create_restore_point('" + name
                                    + "')::text, pg_export_snapshot()");
                    manifest.setProperty("point", point[0]);
                    manifest.setProperty("point_lsn", point[1]);
                    counter.setAutoCommit(false);
                    try (Statement cs = counter.createStatement()) {
                        cs.execute("set transaction isolation level repeatable read, read only");
                        cs.execute("set transaction snapshot '" + point[2] + "'");
                    }
                    locker.commit();
                    Map<String, TableFigures.Figure> figures = TableFigures.of(counter, tables);
                    counter.commit();
                    return figures;
                } catch (SQLException e) {
                    locker.rollback();
                    if (!"55P03".equals(e.getSQLState()) && !"40P01".equals(e.getSQLState())) {
                        throw e;
                    }
                    last = e;
                }
            }
            throw new SQLException("could not lock the tables for the restore point: " + last, last);
        }
    }

    /** Ends the restore point's WAL segment and waits until the archive has it. */
    private void awaitArchived(Connection c, Consumer<String> progress) throws SQLException {
        String segment = one(c, "select pg_walfile_name(pg_current_wal_lsn())");
        one(c, "select pg_switch_wal()::text");
        Path archived = settings.walDirectory().resolve(segment + ".gz");
        long deadline =
                System.nanoTime() + settings.archiveTimeout().plusSeconds(60).toNanos();
        while (!Files.exists(archived)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the WAL segment " + segment + " did not reach the archive "
                        + settings.walDirectory() + " (is archive_command failing? see the server's log)");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the WAL archive");
            }
        }
        progress.accept("WAL archived up to " + segment);
    }

    /** The data directory's own files (JWT secret, keys, database password): everything but the lock and directories. */
    private void writeFiles(Path partial, Properties manifest) throws IOException {
        Path filesTar = partial.resolve("files.tar.gz");
        MessageDigest digest = Checksums.sha256();
        try (OutputStream file = Files.newOutputStream(filesTar);
                DigestOutputStream hashed = new DigestOutputStream(new BufferedOutputStream(file), digest);
                TarArchiveOutputStream tar = tarOut(hashed);
                DirectoryStream<Path> children = Files.newDirectoryStream(dataRoot)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (Files.isRegularFile(child) && !name.equals("atelier.lock") && !name.startsWith(".")) {
                    addFile(tar, child, name);
                }
            }
        }
        manifest.setProperty("files.sha256", Checksums.hex(digest));
        manifest.setProperty("files.bytes", Long.toString(Files.size(filesTar)));
    }

    private static TarArchiveOutputStream tarOut(OutputStream out) throws IOException {
        GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        };
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return tar;
    }

    /** Copies the cluster's files into {@code tar}; a file that vanishes meanwhile is skipped (the WAL recreates it). */
    private static long copyCluster(Path pgData, TarArchiveOutputStream tar) throws IOException {
        long count = 0;
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(pgData)) {
            paths = walk.sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path path : paths) {
            if (path.equals(pgData)) {
                continue;
            }
            Path relative = pgData.relativize(path);
            String name = relative.toString();
            String fileName = path.getFileName().toString();
            if (relative.getNameCount() > 1
                    && EMPTIED_DIRECTORIES.contains(relative.getName(0).toString())) {
                continue;
            }
            if (SKIPPED_FILES.contains(fileName) || fileName.startsWith("pgsql_tmp")) {
                continue;
            }
            try {
                if (Files.isDirectory(path)) {
                    TarArchiveEntry entry = new TarArchiveEntry(name + "/");
                    entry.setMode(0700);
                    tar.putArchiveEntry(entry);
                    tar.closeArchiveEntry();
                } else if (Files.isRegularFile(path)) {
                    addFile(tar, path, name);
                    count++;
                }
            } catch (NoSuchFileException vanished) {
                // dropped or rewritten since the walk: replay of the WAL archive recreates it
            }
        }
        return count;
    }

    /** Adds a file as long as it was when looked at: a file that grows is cut there, one that shrinks is padded with zeros (WAL replay repairs both). */
    private static void addFile(TarArchiveOutputStream tar, Path path, String name) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            long size = Files.size(path);
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(size);
            entry.setMode(0600);
            entry.setModTime(Files.getLastModifiedTime(path).toMillis());
            tar.putArchiveEntry(entry);
            byte[] buffer = new byte[1 << 16];
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    java.util.Arrays.fill(buffer, (byte) 0);
                    while (left > 0) {
                        int pad = (int) Math.min(buffer.length, left);
                        tar.write(buffer, 0, pad);
                        left -= pad;
                    }
                    break;
                }
                tar.write(buffer, 0, n);
                left -= n;
            }
            tar.closeArchiveEntry();
        }
    }

    private static void addText(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        entry.setMode(0600);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    // ------------------------------------------------------------------------------------------
    // The WAL and object indexes
    // ------------------------------------------------------------------------------------------

    /** Adds every archived WAL file not yet in {@code wal.sha256} to it; returns the index. */
    public synchronized Map<String, String> indexWal() throws IOException {
        Path index = settings.directory().resolve("wal.sha256");
        Map<String, String> known = Checksums.read(index);
        Map<String, String> added = new LinkedHashMap<>();
        if (Files.isDirectory(settings.walDirectory())) {
            try (Stream<Path> files = Files.list(settings.walDirectory())) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (!name.endsWith(".part") && !known.containsKey(name)) {
                        added.put(name, Checksums.of(f));
                    }
                }
            }
        }
        Checksums.append(index, added);
        known.putAll(added);
        return known;
    }

    /**
     * Copies into the backup directory every storage object it does not have yet (objects are
     * immutable: a name once copied never needs copying again), recording each one's SHA-256;
     * returns the names of the objects the store holds now.
     */
    public synchronized List<String> syncObjects() throws IOException {
        Path live = liveObjects();
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(live)) {
            return names;
        }
        Path index = settings.directory().resolve("objects.sha256");
        Map<String, String> known = Checksums.read(index);
        Map<String, String> added = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(live)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                String name = live.relativize(f).toString();
                names.add(name);
                if (known.containsKey(name)) {
                    continue;
                }
                Path target = objects().resolve(name);
                Files.createDirectories(target.getParent());
                // A name of this copy's own: a server's periodic copy and the CLI's may run at once.
                Path temp = target.resolveSibling(target.getFileName() + ".part-" + java.util.UUID.randomUUID());
                MessageDigest digest = Checksums.sha256();
                try (InputStream in = Files.newInputStream(f);
                        OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                    in.transferTo(out);
                } catch (NoSuchFileException deleted) {
                    names.remove(name);
                    Files.deleteIfExists(temp);
                    continue;
                }
                try (var channel = java.nio.channels.FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                added.put(name, Checksums.hex(digest));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Checksums.append(index, added);
        return names;
    }

    // ------------------------------------------------------------------------------------------
    // Listing and checking
    // ------------------------------------------------------------------------------------------

    /** The complete base backups, oldest first. */
    public List<Backup> list() throws IOException {
        List<Backup> backups = new ArrayList<>();
        if (!Files.isDirectory(base())) {
            return backups;
        }
        try (Stream<Path> dirs = Files.list(base())) {
            for (Path dir : dirs.sorted().toList()) {
                Path manifest = dir.resolve("manifest.properties");
                if (dir.getFileName().toString().startsWith(".") || !Files.exists(manifest)) {
                    continue;
                }
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(manifest)) {
                    p.load(in);
                }
                backups.add(new Backup(dir.getFileName().toString(), dir, p));
            }
        }
        return backups;
    }

    /**
     * Every file that does not match its recorded SHA-256 (or is missing), one line each: the
     * given backups' archives, the WAL from the oldest one's start on, and the storage objects.
     */
    public List<String> check(List<Backup> backups) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Backup b : backups) {
            for (String part : List.of("database", "files")) {
                Path file = b.directory().resolve(part + ".tar.gz");
                String want = b.manifest().getProperty(part + ".sha256");
                if (!Files.exists(file)) {
                    problems.add(file + ": missing");
                } else if (!Checksums.of(file).equals(want)) {
                    problems.add(file + ": checksum mismatch (expected SHA-256 " + want + ")");
                }
            }
        }
        String from = backups.stream()
                .map(Backup::startWal)
                .min(Comparator.naturalOrder())
                .orElse("");
        for (Map.Entry<String, String> wal : indexWal().entrySet()) {
            if (isSegment(wal.getKey()) && position(wal.getKey()).compareTo(position(from)) < 0) {
                continue;
            }
            problems.addAll(mismatch(settings.walDirectory().resolve(wal.getKey()), wal.getValue()));
        }
        for (Map.Entry<String, String> object :
                Checksums.read(settings.directory().resolve("objects.sha256")).entrySet()) {
            problems.addAll(mismatch(objects().resolve(object.getKey()), object.getValue()));
        }
        return problems;
    }

    private static List<String> mismatch(Path file, String want) throws IOException {
        if (!Files.exists(file)) {
            return List.of(file + ": missing");
        }
        return Checksums.of(file).equals(want)
                ? List.of()
                : List.of(file + ": checksum mismatch (expected SHA-256 " + want + ")");
    }

    private static boolean isSegment(String name) {
        return name.length() >= 24 && name.substring(0, 24).matches("[0-9A-F]{24}");
    }

    /** A WAL file's position (log and segment, without the timeline), for ordering across timelines. */
    private static String position(String name) {
        return name.length() >= 24 ? name.substring(8, 24) : "";
    }

    // ------------------------------------------------------------------------------------------
    // Restoring and verifying
    // ------------------------------------------------------------------------------------------

    /**
     * Restores into the new data directory {@code to} (absent or empty) the state at {@code at}
     * (the latest archived when null): the base backup before it, its keys, the storage objects,
     * and WAL replayed up to {@code at}; the cluster is started once to finish recovery and
     * stopped, so that a server can start on {@code to} directly.
     */
    public Backup restore(Path to, @Nullable Instant at, Starter starter, Consumer<String> progress)
            throws IOException, SQLException {
        List<Backup> backups = list();
        if (backups.isEmpty()) {
            throw new IllegalStateException(
                    "there are no base backups in " + settings.directory() + " (take one with: atelier backup)");
        }
        Backup chosen;
        String target;
        if (at == null) {
            chosen = backups.get(backups.size() - 1);
            target = "";
        } else {
            if (at.isAfter(clock.instant())) {
                throw new IllegalArgumentException("--at " + at + " is in the future");
            }
            chosen = backups.stream()
                    .filter(b -> !b.point().isAfter(at))
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalArgumentException("--at " + at
                            + " is before the first base backup; the earliest point to restore to is "
                            + backups.get(0).point()));
            target = "recovery_target_time = '" + TARGET_TIME.format(at) + "'\n";
        }
        List<String> problems = check(List.of(chosen));
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the backup is damaged: " + String.join("; ", problems));
        }
        prepare(to, chosen, target, progress);
        progress.accept("replaying the WAL archive" + (at == null ? " to its end" : " up to " + at));
        try (Started cluster = start(starter, to)) {
            requireRecovered(cluster);
        }
        finishRecovery(to);
        progress.accept("restored into " + to + " (base backup " + chosen.id() + "); start a server on it with:"
                + " atelier serve --data-dir " + to);
        return chosen;
    }

    /**
     * Restores the latest base backup into {@code scratch} up to its restore point, starts it and
     * compares every table's row count and checksum with those recorded at that point; checks
     * every archive file against its SHA-256 first. Throws, naming each difference, if anything
     * differs; removes {@code scratch} afterwards.
     */
    public Verified verify(Path scratch, Starter starter, Consumer<String> progress) throws IOException, SQLException {
        List<Backup> backups = list();
        if (backups.isEmpty()) {
            throw new IllegalStateException(
                    "there are no base backups in " + settings.directory() + " (take one with: atelier backup)");
        }
        progress.accept("checking the SHA-256 of every archive file in " + settings.directory());
        List<String> problems = check(backups);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the backups are damaged: " + String.join("; ", problems));
        }
        Backup latest = backups.get(backups.size() - 1);
        try {
            prepare(scratch, latest, "recovery_target_name = '" + latest.restorePoint() + "'\n", progress);
            progress.accept("starting the restored copy and counting every table");
            Map<String, TableFigures.Figure> expected = TableFigures.read(latest.manifest());
            Map<String, TableFigures.Figure> found;
            try (Started cluster = start(starter, scratch)) {
                requireRecovered(cluster);
                try (Connection c = cluster.connect()) {
                    found = TableFigures.of(c, new ArrayList<>(expected.keySet()));
                }
            }
            List<String> differences = TableFigures.differences(expected, found);
            if (!differences.isEmpty()) {
                throw new IllegalStateException("the restored copy differs from the source at " + latest.point() + ": "
                        + String.join("; ", differences));
            }
            for (String object : Files.readAllLines(latest.directory().resolve("objects.txt"))) {
                if (!Files.exists(scratch.resolve("storage").resolve("objects").resolve(object))) {
                    throw new IllegalStateException("the restored copy lacks the storage object " + object);
                }
            }
            long rows = expected.values().stream()
                    .mapToLong(TableFigures.Figure::rows)
                    .sum();
            return new Verified(
                    latest,
                    expected.size(),
                    rows,
                    indexWal().size(),
                    Integer.parseInt(latest.manifest().getProperty("objects", "0")));
        } finally {
            deleteTree(scratch);
        }
    }

    /** Starts the restored cluster; when recovery fails, says why in PostgreSQL's own words (from its log). */
    private static Started start(Starter starter, Path to) throws IOException {
        try {
            return starter.start(to);
        } catch (IllegalStateException e) {
            List<String> fatal = new ArrayList<>();
            Path log = to.resolve("postgres").resolve("log");
            if (Files.isDirectory(log)) {
                try (Stream<Path> files = Files.list(log)) {
                    for (Path f : files.sorted().toList()) {
                        Files.readAllLines(f, StandardCharsets.UTF_8).stream()
                                .filter(l -> l.contains("FATAL") || l.contains("recovery stopping"))
                                .forEach(fatal::add);
                    }
                }
            }
            throw new IllegalStateException(
                    "recovery did not complete in " + to
                            + (fatal.isEmpty() ? ": " + e.getMessage() : ": " + String.join(" | ", fatal)),
                    e);
        }
    }

    private static void requireRecovered(Started cluster) throws SQLException {
        try (Connection c = cluster.connect()) {
            if (one(c, "select pg_is_in_recovery()::text").equals("true")) {
                throw new IllegalStateException("the restored cluster is still in recovery");
            }
        }
    }

    /** Unpacks a base backup into {@code to} and sets up recovery from the WAL archive up to {@code target}. */
    private void prepare(Path to, Backup backup, String target, Consumer<String> progress) throws IOException {
        if (Files.exists(to)) {
            if (!Files.isDirectory(to)) {
                throw new IllegalArgumentException(to + " exists and is not a directory");
            }
            try (Stream<Path> children = Files.list(to)) {
                if (children.findAny().isPresent()) {
                    throw new IllegalArgumentException(to + " is not empty: restore only into a new (or empty)"
                            + " directory; a restore never overwrites a data directory");
                }
            }
        }
        String wal = settings.walDirectory().toString();
        if (wal.contains("'") || wal.contains("\"")) {
            throw new IllegalArgumentException("the backup directory's path may not contain quotes: " + wal);
        }
        Files.createDirectories(to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
        progress.accept("restoring base backup " + backup.id() + " (" + mib(backup.bytes()) + ") into " + to);
        untar(backup.directory().resolve("files.tar.gz"), to);
        Path pgData = to.resolve("postgres");
        Files.createDirectories(pgData);
        Files.setPosixFilePermissions(pgData, PosixFilePermissions.fromString("rwx------"));
        untar(backup.directory().resolve("database.tar.gz"), pgData);
        Files.createDirectories(pgData.resolve("pg_wal").resolve("archive_status"));
        Path storage = to.resolve("storage").resolve("objects");
        int objects = 0;
        Map<String, String> index = Checksums.read(settings.directory().resolve("objects.sha256"));
        for (String name : index.keySet()) {
            Path source = objects().resolve(name);
            if (Files.exists(source)) {
                Path copy = storage.resolve(name);
                Files.createDirectories(copy.getParent());
                Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
                objects++;
            }
        }
        progress.accept("restored " + objects + " storage objects");
        Files.writeString(pgData.resolve("recovery.signal"), "");
        Files.writeString(
                pgData.resolve("postgresql.auto.conf"),
                RESTORE_BEGIN + "\nrestore_command = '" + settings.restoreCommand() + "'\n" + target
                        + "recovery_target_action = 'promote'\nhot_standby = off\n" + RESTORE_END + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** Removes the recovery settings, so that the restored cluster starts as an ordinary one. */
    private static void finishRecovery(Path to) throws IOException {
        Path conf = to.resolve("postgres").resolve("postgresql.auto.conf");
        List<String> kept = new ArrayList<>();
        boolean inside = false;
        for (String line : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
            if (line.equals(RESTORE_BEGIN)) {
                inside = true;
            } else if (line.equals(RESTORE_END)) {
                inside = false;
            } else if (!inside) {
                kept.add(line);
            }
        }
        Files.write(conf, kept, StandardCharsets.UTF_8);
        Files.deleteIfExists(to.resolve("postgres").resolve("recovery.signal"));
    }

    private static void untar(Path archive, Path into) throws IOException {
        try (InputStream in = Files.newInputStream(archive);
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(new GZIPInputStream(new BufferedInputStream(in, 1 << 16), 1 << 16))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException("archive entry escapes the restore directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Retention
    // ------------------------------------------------------------------------------------------

    /**
     * Removes the base backups whose restore point is older than the retention window before
     * {@code now}, never the newest one; then the WAL before the oldest kept backup's start, and
     * the copied storage objects that neither a kept backup nor the live store names.
     */
    public synchronized Pruned prune(Instant now) throws IOException {
        List<Backup> backups = list();
        if (backups.isEmpty()) {
            return new Pruned(List.of(), 0, 0);
        }
        Instant oldest = now.minus(settings.retention());
        Backup newest = backups.get(backups.size() - 1);
        List<Backup> kept = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (Backup b : backups) {
            if (b == newest || !b.point().isBefore(oldest)) {
                kept.add(b);
            } else {
                deleteTree(b.directory());
                removed.add(b.id());
            }
        }
        String from = position(kept.get(0).startWal());
        Map<String, String> wal = indexWal();
        int walRemoved = 0;
        for (String name : new ArrayList<>(wal.keySet())) {
            if (isSegment(name) && position(name).compareTo(from) < 0) {
                Files.deleteIfExists(settings.walDirectory().resolve(name));
                wal.remove(name);
                walRemoved++;
            }
        }
        if (walRemoved > 0) {
            Checksums.rewrite(settings.directory().resolve("wal.sha256"), wal);
        }
        Set<String> named = new HashSet<>();
        for (Backup b : kept) {
            Path list = b.directory().resolve("objects.txt");
            if (Files.exists(list)) {
                named.addAll(Files.readAllLines(list, StandardCharsets.UTF_8));
            }
        }
        Path liveRoot = liveObjects();
        Map<String, String> objectIndex = Checksums.read(settings.directory().resolve("objects.sha256"));
        int objectsRemoved = 0;
        for (String name : new ArrayList<>(objectIndex.keySet())) {
            if (!named.contains(name) && !Files.exists(liveRoot.resolve(name))) {
                Files.deleteIfExists(objects().resolve(name));
                objectIndex.remove(name);
                objectsRemoved++;
            }
        }
        if (objectsRemoved > 0) {
            Checksums.rewrite(settings.directory().resolve("objects.sha256"), objectIndex);
        }
        return new Pruned(removed, walRemoved, objectsRemoved);
    }

    // ------------------------------------------------------------------------------------------

    private static String one(Connection c, String sql) throws SQLException {
        return row(c, sql)[0];
    }

    private static String[] row(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("no row from: " + sql);
            }
            String[] values = new String[rs.getMetaData().getColumnCount()];
            for (int i = 0; i < values.length; i++) {
                String v = rs.getString(i + 1);
                values[i] = v == null ? "" : v;
            }
            return values;
        }
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
