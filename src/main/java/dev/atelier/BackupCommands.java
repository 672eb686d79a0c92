package dev.atelier;

import dev.atelier.platform.auth.JwtKeys;
import dev.atelier.platform.backup.Backups;
import dev.atelier.platform.backup.LogicalDump;
import dev.atelier.platform.db.DataDirectory;
import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.platform.db.Migrations;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The command line's backup commands: {@code backup}, {@code backup list}, {@code backup verify},
 * {@code restore --to DIR [--at TIMESTAMP | --latest]}, {@code export FILE} and {@code import FILE}
 * (ADR 0019). Progress goes to standard output, one line per step.
 */
final class BackupCommands {

    /** A backup command and its own arguments, taken out of the argument list before the common options. */
    record Args(
            String command,
            @Nullable Path to,
            @Nullable Instant at,
            @Nullable Path file) {}

    private BackupCommands() {}

    static boolean handles(String command) {
        return List.of("backup", "restore", "export", "import").contains(command);
    }

    /** Takes this command's arguments out of {@code rest}, leaving the common options. */
    static Args parse(String command, List<String> rest) {
        String full = command;
        if (command.equals("backup") && !rest.isEmpty() && !rest.get(0).startsWith("-")) {
            String sub = rest.remove(0);
            if (!sub.equals("list") && !sub.equals("verify")) {
                throw new IllegalArgumentException("unknown backup subcommand '" + sub + "' (list or verify)");
            }
            full = "backup " + sub;
        }
        Path to = null;
        Instant at = null;
        boolean latest = false;
        Path file = null;
        for (int i = 0; i < rest.size(); ) {
            String arg = rest.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (command.equals("restore") && (name.equals("--to") || name.equals("--at"))) {
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
                rest.remove(i);
                if (value == null) {
                    if (i >= rest.size()) {
                        throw new IllegalArgumentException("option " + name + " needs a value");
                    }
                    value = rest.remove(i);
                }
                if (name.equals("--to")) {
                    to = Path.of(value).toAbsolutePath().normalize();
                } else {
                    at = timestamp(value);
                }
            } else if (command.equals("restore") && arg.equals("--latest")) {
                rest.remove(i);
                latest = true;
            } else if ((command.equals("export") || command.equals("import")) && !arg.startsWith("-") && file == null) {
                rest.remove(i);
                file = Path.of(arg).toAbsolutePath().normalize();
            } else if (arg.startsWith("-") && !arg.contains("=")) {
                i += 2; // a common option and its value
            } else {
                i++;
            }
        }
        if (command.equals("restore")) {
            if (to == null) {
                throw new IllegalArgumentException("restore needs --to DIR, a new directory to restore into");
            }
            if (latest && at != null) {
                throw new IllegalArgumentException("give --at TIMESTAMP or --latest, not both");
            }
        }
        if ((command.equals("export") || command.equals("import")) && file == null) {
            throw new IllegalArgumentException(command + " needs a FILE");
        }
        return new Args(full, to, at, file);
    }

    /** An ISO-8601 instant; without an offset, UTC ("2026-11-27T10:15:00", "2026-11-27 10:15:00"). */
    static Instant timestamp(String value) {
        String v = value.trim().replace(' ', 'T');
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("--at must be a timestamp such as 2026-11-27T10:15:00Z (UTC when"
                        + " no offset is given), not '" + value + "'");
            }
        }
    }

    static int run(Args args, Settings settings, PrintStream out, PrintStream err) throws IOException, SQLException {
        Consumer<String> progress = line -> {
            out.println(line);
            out.flush();
        };
        Path dataRoot = settings.dataDirectory().toAbsolutePath().normalize();
        switch (args.command()) {
            case "backup" -> {
                requireEmbedded(settings, "backup");
                Backups backups = backups(dataRoot);
                withEmbedded(settings, target -> {
                    backups.take(() -> Server.owner(target), progress);
                    Backups.Pruned pruned = backups.prune(Instant.now());
                    if (!pruned.backups().isEmpty() || pruned.walSegments() > 0) {
                        progress.accept(
                                "retention (" + backups.settings().retention().toDays() + " days) removed "
                                        + pruned.backups().size() + " base backups and " + pruned.walSegments()
                                        + " WAL segments");
                    }
                });
                return 0;
            }
            case "backup list" -> {
                Backups backups = backups(dataRoot);
                List<Backups.Backup> list = backups.list();
                if (list.isEmpty()) {
                    err.println("atelier: there are no base backups in "
                            + backups.settings().directory() + " (take one with: atelier backup)");
                    return 1;
                }
                out.println("Backups in " + backups.settings().directory() + ":");
                out.printf("%-22s  %-27s  %10s  %6s%n", "ID", "RESTORE POINT (UTC)", "SIZE", "TABLES");
                for (Backups.Backup b : list) {
                    out.printf(
                            "%-22s  %-27s  %10s  %6d%n",
                            b.id(),
                            b.point(),
                            String.format(java.util.Locale.ROOT, "%.1f MiB", b.bytes() / 1048576.0),
                            b.tables());
                }
                int wal = backups.indexWal().size();
                out.println(wal + " archived WAL files; restore to any time from "
                        + list.get(0).point() + " on (with: atelier restore --to DIR --at TIMESTAMP)");
                return 0;
            }
            case "backup verify" -> {
                Backups backups = backups(dataRoot);
                Path scratch = backups.settings().directory().resolve(".verify-" + UUID.randomUUID());
                Backups.Verified verified = backups.verify(scratch, dir -> startRestored(dir, dataRoot), progress);
                out.println("verified: base backup " + verified.backup().id() + " restores to its restore point "
                        + verified.backup().point() + " with all " + verified.tables() + " tables' counts and"
                        + " checksums equal (" + verified.rows() + " rows); " + verified.walSegments()
                        + " WAL files and " + verified.objects() + " storage objects match their SHA-256");
                return 0;
            }
            case "restore" -> {
                Backups backups = backups(dataRoot);
                backups.restore(
                        java.util.Objects.requireNonNull(args.to()),
                        args.at(),
                        dir -> startRestored(dir, dataRoot),
                        progress);
                return 0;
            }
            case "export" -> {
                Path file = java.util.Objects.requireNonNull(args.file());
                withDatabase(settings, target -> {
                    try (Connection c = Server.owner(target)) {
                        LogicalDump.Manifest m = LogicalDump.export(c, file, progress);
                        out.println("exported " + m.tables() + " tables (" + m.rows() + " rows, schema version "
                                + m.schemaVersion() + ") to " + file + " (" + Files.size(file) + " bytes)");
                    }
                });
                return 0;
            }
            case "import" -> {
                Path file = java.util.Objects.requireNonNull(args.file());
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("no such file: " + file);
                }
                LogicalDump.Manifest dump = LogicalDump.manifest(file);
                try (DataDirectory dataDirectory = DataDirectory.lock(settings.dataDirectory())) {
                    JwtKeys keys = JwtKeys.load(settings.jwtSecret(), dataDirectory.root());
                    String url = settings.databaseUrl();
                    EmbeddedDatabase embedded = url == null ? Server.startEmbedded(dataDirectory) : null;
                    try {
                        DatabaseTarget target = url != null
                                ? DatabaseTarget.fromUrl(url)
                                : java.util.Objects.requireNonNull(embedded).target();
                        progress.accept("migrating the target to schema version " + dump.schemaVersion());
                        Migrations.prepare(target, keys.fingerprint(), keys.databasePassword(), dump.schemaVersion());
                        try (Connection c = Server.owner(target)) {
                            LogicalDump.Manifest m = LogicalDump.load(c, file, progress);
                            out.println("imported " + m.tables() + " tables (" + m.rows() + " rows); every table's"
                                    + " count and checksum match the dump");
                        }
                    } finally {
                        if (embedded != null) {
                            embedded.close();
                        }
                    }
                }
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown command " + args.command());
        }
    }

    private static Backups backups(Path dataRoot) {
        return new Backups(Server.backupSettings(dataRoot), dataRoot, Clock.systemUTC());
    }

    private static void requireEmbedded(Settings settings, String command) {
        if (settings.databaseUrl() != null) {
            throw new IllegalArgumentException(command + " backs up the embedded database; with DATABASE_URL use"
                    + " atelier export (and the server's own backups)");
        }
    }

    @FunctionalInterface
    private interface Work {
        void run(DatabaseTarget target) throws IOException, SQLException;
    }

    /** The embedded cluster: the running server's, or started here (and stopped after) when no server runs. */
    private static void withEmbedded(Settings settings, Work work) throws IOException, SQLException {
        Path dataRoot = settings.dataDirectory().toAbsolutePath().normalize();
        Optional<DatabaseTarget> running = EmbeddedDatabase.running(dataRoot);
        if (running.isPresent()) {
            work.run(running.get());
            return;
        }
        if (!Files.exists(dataRoot.resolve("postgres").resolve("PG_VERSION"))) {
            throw new IllegalArgumentException("there is no Atelier database in " + dataRoot
                    + " (give the server's --data-dir, or ATELIER_DATA_DIR)");
        }
        try (DataDirectory dataDirectory = DataDirectory.lock(dataRoot);
                EmbeddedDatabase embedded = Server.startEmbedded(dataDirectory)) {
            work.run(embedded.target());
        }
    }

    private static void withDatabase(Settings settings, Work work) throws IOException, SQLException {
        String url = settings.databaseUrl();
        if (url != null) {
            work.run(DatabaseTarget.fromUrl(url));
        } else {
            withEmbedded(settings, work);
        }
    }

    /**
     * Starts a restored data directory's cluster (without archiving: it is not serving yet). The
     * PostgreSQL binaries the source's data directory has unpacked are hard-linked into the
     * restored one when they are there (not after a disk loss; then they are unpacked): never run
     * from the source's path, since a supervisor restarting a cluster kills every process running
     * its binary.
     */
    static Backups.Started startRestored(Path dataRoot, Path source) {
        DataDirectory dataDirectory = DataDirectory.lock(dataRoot);
        try {
            linkBinaries(source.resolve("runtime"), dataRoot.resolve("runtime"));
            EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDirectory);
            return new Backups.Started() {
                @Override
                public Connection connect() throws SQLException {
                    return Server.owner(embedded.target());
                }

                @Override
                public void close() {
                    embedded.close();
                    dataDirectory.close();
                }
            };
        } catch (RuntimeException e) {
            dataDirectory.close();
            throw e;
        }
    }

    /** Hard-links an unpacked installation (runtime/postgres-*) into {@code target}; on any failure leaves nothing behind. */
    private static void linkBinaries(Path source, Path target) {
        if (!Files.isDirectory(source) || Files.exists(target)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(source)) {
            for (Path from : walk.toList()) {
                Path to = target.resolve(source.relativize(from).toString());
                if (Files.isSymbolicLink(from)) {
                    Files.createSymbolicLink(to, Files.readSymbolicLink(from));
                } else if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                    Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
                } else {
                    Files.createLink(to, from);
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(target);
            } catch (IOException ignored) {
                // the start unpacks over what is left
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
