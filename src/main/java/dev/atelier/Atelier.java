package dev.atelier;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** The command line: {@code serve}, {@code migrate}, {@code --help}. */
public final class Atelier {

    private static final String USAGE =
            """
            Usage: java -jar atelier.jar <command> [options]

            Commands:
              serve      start the server (embedded PostgreSQL unless DATABASE_URL is set)
              migrate    apply the database migrations and exit
              ledger reconcile
                         check every credit balance against its ledger; prints each drift
                         and a last line "drift: N"; exit status 1 when N > 0
              bench jobs [--jobs N] [--servers K] [--workers W]
                         enqueue, run and complete N no-op jobs on K engines; print jobs per second
              bench provider [--threads T] [--seconds S] [--size PX]
                         render art with the built-in AI provider alone on T threads; print renders
                         per second (the ceiling of bench/generation, which adds the platform)
            %s
              backup     take a base backup of the embedded database now (online, beside a running
                         server or on its own); then apply retention
              backup list
                         list the base backups and the time range they restore to
              backup verify
                         restore the latest backup into a scratch directory, start it and compare
                         every table's count and checksum; check every archive file's SHA-256
              restore --to DIR [--at TIMESTAMP | --latest]
                         restore into the new directory DIR (latest archived state by default);
                         then: serve --data-dir DIR
              export FILE
                         write a logical dump of the database (embedded or DATABASE_URL)
              import FILE
                         load a dump into an empty database (embedded or DATABASE_URL)
              bench ratelimit [--clients 1,8,32] [--seconds S] [--leases on|off|both]
                         rate-limit checks per second through HTTP and in process (bench/ratelimit)

            Options:
              --data-dir DIR   data directory (default ./%s): embedded database, JWT secret, lock
              --port N         HTTP port for serve (default %d)
              --host ADDR      address to bind for serve (default 127.0.0.1)
              --log-level L    error, warn, info (default: one line per request), debug or trace
              --version        print the version
              --help           show this help

            Environment:
              DATABASE_URL        use this PostgreSQL (15+) instead of the embedded one
                                  (postgres://user:pass@host:5432/db or jdbc:postgresql://...)
              ATELIER_JWT_SECRET  JWT signing secret (default: created in the data directory)
              ATELIER_ENCRYPTION_KEYS  keys for secrets at rest, id:base64key,... (default: data directory)
              ATELIER_BACKUP_DIR  backups of the embedded database (default: <data dir>-backups beside it);
                                  see the README's Backups section for the schedule and retention
              ATELIER_DATA_DIR, ATELIER_PORT, ATELIER_HOST, ATELIER_LOG_LEVEL   defaults for the options above
            """.formatted(AdminCommand.USAGE, Settings.DEFAULT_DATA_DIRECTORY, Settings.DEFAULT_PORT);

    private static final List<String> OPTIONS = List.of("--data-dir", "--port", "--host", "--log-level");

    private Atelier() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(List.of(args));
        if (rest.isEmpty()
                || rest.contains("--help")
                || rest.contains("-h")
                || rest.get(0).equals("help")) {
            out.print(USAGE);
            return rest.isEmpty() ? 2 : 0;
        }
        if (rest.contains("--version") || rest.get(0).equals("version")) {
            out.println("atelier " + version());
            return 0;
        }
        String command = rest.remove(0);
        if (command.equals("bench")) {
            if (!rest.isEmpty() && rest.get(0).equals("ratelimit")) {
                return BenchRateLimit.run(rest, out, err);
            }
            return !rest.isEmpty() && rest.get(0).equals("provider")
                    ? BenchProvider.run(rest, out, err)
                    : BenchJobs.run(rest, out, err);
        }
        if (command.equals("admin")) {
            return AdminCommand.run(
                    rest, options -> parseOptions(Settings.fromEnvironment(System.getenv()), options), out, err);
        }
        if (command.equals("ledger")) {
            if (rest.isEmpty() || !rest.get(0).equals("reconcile")) {
                err.println("atelier: ledger needs a subcommand: reconcile");
                return 2;
            }
            command = "ledger " + rest.remove(0);
        }
        Settings settings;
        BackupCommands.Args backup = null;
        try {
            if (BackupCommands.handles(command)) {
                backup = BackupCommands.parse(command, rest);
            }
            settings = parseOptions(Settings.fromEnvironment(System.getenv()), rest);
            Logging.setLevel(settings.logLevel());
        } catch (IllegalArgumentException e) {
            err.println("atelier: " + e.getMessage());
            err.println("Run 'java -jar atelier.jar --help' for usage.");
            return 1;
        }
        try {
            if (backup != null) {
                return BackupCommands.run(backup, settings, out, err);
            }
            switch (command) {
                case "serve" -> {
                    Server server = Server.start(settings);
                    server.printBanner(out);
                    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "atelier-shutdown"));
                    server.awaitShutdown();
                    return 0;
                }
                case "ledger reconcile" -> {
                    return Server.reconcileLedger(settings, out);
                }
                case "migrate" -> {
                    out.println(Server.migrateOnly(settings));
                    return 0;
                }
                default -> {
                    err.println("atelier: unknown command '" + command + "'");
                    err.print(USAGE);
                    return 2;
                }
            }
        } catch (java.io.IOException | java.sql.SQLException e) {
            LoggerFactory.getLogger(Atelier.class).debug("command failed", e);
            err.println("atelier: " + command + " failed: " + e.getMessage());
            return 1;
        } catch (IllegalStateException | IllegalArgumentException e) {
            // An operator's problem (port taken, database unreachable, wrong secret): one line says it all.
            LoggerFactory.getLogger(Atelier.class).debug("start-up failed", e);
            err.println("atelier: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(Atelier.class).debug("start-up failed", e);
            err.println("atelier: unexpected failure: " + e + " (run with --log-level debug for the details)");
            return 1;
        }
    }

    private static String version() {
        String version = Atelier.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }

    private static Settings parseOptions(Settings settings, List<String> options) {
        Settings result = settings;
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            String value = option.contains("=") ? option.substring(option.indexOf('=') + 1) : null;
            String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException(
                        name.startsWith("-") ? "unknown option " + name : "unexpected argument '" + name + "'");
            }
            if (value == null) {
                if (i + 1 >= options.size()) {
                    throw new IllegalArgumentException("option " + name + " needs a value");
                }
                value = options.get(++i);
            }
            result = switch (name) {
                case "--data-dir" -> result.withDataDirectory(Path.of(value));
                case "--port" -> result.withPort(Settings.port("--port", value));
                case "--host" -> result.withHost(value);
                case "--log-level" -> result.withLogLevel(Settings.logLevel("--log-level", value));
                default -> throw new IllegalArgumentException("unknown option " + name);
            };
        }
        return result;
    }
}
