package dev.atelier;

import dev.atelier.platform.auth.JwtKeys;
import dev.atelier.platform.backup.BackupSettings;
import dev.atelier.platform.backup.Backups;
import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.DataDirectory;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.platform.db.Migrations;
import dev.atelier.platform.jobs.JobEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.DriverManager;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.flywaydb.core.api.output.MigrateResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A running Atelier: the locked data directory, the database (embedded or external), the migrated
 * schema, the request pool and the HTTP application, started in that order and closed in reverse.
 */
public final class Server implements AutoCloseable {

    private final DataDirectory dataDirectory;
    private final @Nullable EmbeddedDatabase embedded;
    private final DatabaseTarget target;
    private final Database database;
    private final JwtKeys keys;
    private final String loginRole;
    private final ConfigurableApplicationContext context;
    private final String host;
    private final int port;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Server(
            DataDirectory dataDirectory,
            @Nullable EmbeddedDatabase embedded,
            DatabaseTarget target,
            Database database,
            JwtKeys keys,
            String loginRole,
            ConfigurableApplicationContext context,
            String host) {
        this.dataDirectory = dataDirectory;
        this.embedded = embedded;
        this.target = target;
        this.database = database;
        this.keys = keys;
        this.loginRole = loginRole;
        this.context = context;
        this.host = host;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public static Server start(Settings settings) {
        // logback.xml already governs logging from the first line; Boot re-initialising it mid-start
        // would drop messages logged by the pool and the database in between.
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger(); // Jetty and some libraries log through java.util.logging
            SLF4JBridgeHandler.install();
        }
        requirePortFree(settings.host(), settings.port());
        DataDirectory dataDirectory = DataDirectory.lock(settings.dataDirectory());
        EmbeddedDatabase embedded = null;
        Database database = null;
        try {
            JwtKeys keys = JwtKeys.load(settings.jwtSecret(), dataDirectory.root());
            Keyring keyring = Keyring.load(settings.encryptionKeys(), dataDirectory.root());
            DatabaseTarget target;
            if (settings.databaseUrl() != null) {
                target = DatabaseTarget.fromUrl(settings.databaseUrl());
            } else {
                embedded = startEmbedded(dataDirectory);
                target = embedded.target();
            }
            Backups.@Nullable Live backups = embedded == null ? null : liveBackups(dataDirectory, target);
            String loginRole = Migrations.prepare(target, keys.fingerprint(), keys.databasePassword())
                    .loginRole();
            database = Database.connect(
                    target, loginRole, keys.databasePassword(), embedded == null ? () -> true : embedded::isUp);
            if (embedded != null) {
                embedded.onRestart(database::evictConnections);
            }
            Database db = database;
            ConfigurableApplicationContext context = new SpringApplicationBuilder(AtelierApplication.class)
                    .bannerMode(Banner.Mode.OFF)
                    .logStartupInfo(false)
                    .initializers(ctx -> {
                        ctx.getBeanFactory().registerSingleton("database", db);
                        ctx.getBeanFactory().registerSingleton("jwtKeys", keys);
                        ctx.getBeanFactory().registerSingleton("keyring", keyring);
                        ctx.getBeanFactory().registerSingleton("settings", settings);
                        ctx.getBeanFactory().registerSingleton("jobListener", jobListener(target, loginRole, keys));
                        if (backups != null) {
                            ctx.getBeanFactory().registerSingleton("backups", backups);
                        }
                    })
                    .properties(Map.of(
                            "server.port", Integer.toString(settings.port()),
                            "server.address", settings.host(),
                            "atelier.data-dir", dataDirectory.root().toString()))
                    .run();
            return new Server(dataDirectory, embedded, target, database, keys, loginRole, context, settings.host());
        } catch (RuntimeException e) {
            if (database != null) {
                database.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            dataDirectory.close();
            throw e;
        }
    }

    /**
     * Starts the embedded cluster with WAL archiving into the backup directory (unless backups are
     * disabled): every start does, also for {@code migrate}, so the archive has no gaps.
     */
    static EmbeddedDatabase startEmbedded(DataDirectory dataDirectory) {
        return EmbeddedDatabase.start(
                dataDirectory, backupSettings(dataDirectory.root()).serverSettings());
    }

    static BackupSettings backupSettings(java.nio.file.Path dataRoot) {
        return BackupSettings.of(dataRoot, System::getenv);
    }

    /** The embedded database's backups for the backup schedule, or null when backups are disabled. */
    private static Backups.@Nullable Live liveBackups(DataDirectory dataDirectory, DatabaseTarget target) {
        BackupSettings settings = backupSettings(dataDirectory.root());
        if (!settings.enabled()) {
            return null;
        }
        return new Backups.Live(
                new Backups(settings, dataDirectory.root(), java.time.Clock.systemUTC()), () -> owner(target));
    }

    /** A connection as the database's owner (the superuser of the embedded cluster). */
    static java.sql.Connection owner(DatabaseTarget target) throws java.sql.SQLException {
        Properties login = new Properties();
        login.setProperty("user", target.ownerUser());
        if (target.ownerPassword() != null) {
            login.setProperty("password", target.ownerPassword());
        }
        login.setProperty("ApplicationName", "atelier-backup");
        return DriverManager.getConnection(target.jdbcUrl(), login);
    }

    /**
     * The job engine's LISTEN connection: the login role, outside the request pool, since it is
     * held for as long as the server runs.
     */
    private static JobEngine.Listener jobListener(DatabaseTarget target, String loginRole, JwtKeys keys) {
        return () -> {
            Properties login = new Properties();
            login.setProperty("user", loginRole);
            login.setProperty("password", keys.databasePassword());
            login.setProperty("ApplicationName", "atelier-jobs");
            login.setProperty("tcpKeepAlive", "true");
            return DriverManager.getConnection(target.jdbcUrl(), login);
        };
    }

    /** Applies the migrations to the configured database and says what it did. */
    static String migrateOnly(Settings settings) {
        try (DataDirectory dataDirectory = DataDirectory.lock(settings.dataDirectory())) {
            JwtKeys keys = JwtKeys.load(settings.jwtSecret(), dataDirectory.root());
            String url = settings.databaseUrl();
            EmbeddedDatabase embedded = url == null ? startEmbedded(dataDirectory) : null;
            try {
                DatabaseTarget target = url != null
                        ? DatabaseTarget.fromUrl(url)
                        : Objects.requireNonNull(embedded).target();
                MigrateResult result = Migrations.prepare(target, keys.fingerprint(), keys.databasePassword())
                        .migration();
                return result.migrationsExecuted == 0
                        ? "Database is up to date (schema version " + result.targetSchemaVersion + ")."
                        : "Applied " + result.migrationsExecuted + " migration(s); schema version is now "
                                + result.targetSchemaVersion + ".";
            } finally {
                if (embedded != null) {
                    embedded.close();
                }
            }
        }
    }

    /**
     * {@code atelier ledger reconcile}: every balance of every app against its ledger, one line per
     * drift and a last line {@code drift: N}. Runs on the owner's connection after migrating, like
     * {@code migrate}; with the embedded database the server must not be running (the data directory
     * is locked) — a running server answers GET /api/v1/admin/ledger/reconcile instead.
     */
    static int reconcileLedger(Settings settings, java.io.PrintStream out) {
        return withOwnerConnection(settings, owner -> {
            try {
                java.util.List<dev.atelier.platform.ledger.Ledger.Drift> drifts =
                        dev.atelier.platform.ledger.Ledger.reconcile(owner);
                drifts.forEach(out::println);
                out.println("drift: " + drifts.size());
                return drifts.isEmpty() ? 0 : 1;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("the reconcile failed: " + e.getMessage(), e);
            }
        });
    }

    /** Work on the owner's connection, for the commands that run without a server. */
    @FunctionalInterface
    interface OwnerWork<T> {
        T run(java.sql.Connection owner) throws java.sql.SQLException;
    }

    /**
     * Runs {@code work} on the owner's connection after migrating, like {@code migrate}; with the
     * embedded database the server must not be running (the data directory is locked).
     */
    static <T> T withOwnerConnection(Settings settings, OwnerWork<T> work) {
        try (DataDirectory dataDirectory = DataDirectory.lock(settings.dataDirectory())) {
            JwtKeys keys = JwtKeys.load(settings.jwtSecret(), dataDirectory.root());
            String url = settings.databaseUrl();
            EmbeddedDatabase embedded = url == null ? startEmbedded(dataDirectory) : null;
            try {
                DatabaseTarget target = url != null
                        ? DatabaseTarget.fromUrl(url)
                        : Objects.requireNonNull(embedded).target();
                Migrations.prepare(target, keys.fingerprint(), keys.databasePassword());
                java.util.Properties login = new java.util.Properties();
                login.setProperty("user", target.ownerUser());
                if (target.ownerPassword() != null) {
                    login.setProperty("password", target.ownerPassword());
                }
                try (java.sql.Connection owner = java.sql.DriverManager.getConnection(target.jdbcUrl(), login)) {
                    return work.run(owner);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException("the database refused: " + e.getMessage(), e);
                }
            } finally {
                if (embedded != null) {
                    embedded.close();
                }
            }
        }
    }

    /**
     * Fails within a moment, before any database work, when the HTTP port is taken: otherwise the
     * container would say so only after the database had been started and migrated.
     */
    private static void requirePortFree(String host, int port) {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (BindException e) {
            throw new IllegalStateException("port " + port + " on " + host + " is already in use; stop what listens "
                    + "there or choose another port with --port or ATELIER_PORT");
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    public String apiUrl() {
        return "http://" + host + ":" + port;
    }

    public int port() {
        return port;
    }

    public String anonKey() {
        return keys.anonKey();
    }

    public String serviceRoleKey() {
        return keys.serviceRoleKey();
    }

    /** A component of the running application, for administration and tests. */
    public <T> T component(Class<T> type) {
        return context.getBean(type);
    }

    /** A pool of its own on this server's database, as a second server would have (benchmarks). */
    Database openPool() {
        return Database.connect(target, loginRole, keys.databasePassword(), () -> true);
    }

    /** This server's LISTEN connections for a job engine of its own (benchmarks). */
    JobEngine.Listener jobListener() {
        return jobListener(target, loginRole, keys);
    }

    /** The role the request pool logs in as. */
    public String loginRole() {
        return loginRole;
    }

    /** The embedded database, or null when the server uses DATABASE_URL. */
    public @Nullable EmbeddedDatabase embeddedDatabase() {
        return embedded;
    }

    /** The database as its owner sees it: for migrations, tests and administration, never for requests. */
    public DatabaseTarget databaseTarget() {
        return target;
    }

    void printBanner(PrintStream out) {
        out.println();
        out.println("Atelier is running.");
        out.println();
        out.println("         API URL: " + apiUrl());
        out.println("        REST URL: " + apiUrl() + "/rest/v1");
        out.println("        Auth URL: " + apiUrl() + "/auth/v1");
        out.println("      Health URL: " + apiUrl() + "/health");
        out.println("        Database: "
                + (embedded != null
                        ? "embedded PostgreSQL, data in " + dataDirectory.resolve("postgres")
                        : target.host() + ":" + target.port() + "/" + target.database()));
        out.println("        anon key: " + keys.anonKey());
        out.println("service_role key: " + keys.serviceRoleKey());
        out.println();
        out.flush();
    }

    void awaitShutdown() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
            context.close();
        } finally {
            database.close();
            if (embedded != null) {
                embedded.close();
            }
            dataDirectory.close();
            stopped.countDown();
        }
    }
}
