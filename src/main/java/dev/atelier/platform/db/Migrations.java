package dev.atelier.platform.db;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets a database ready for servers, as its owner: checks that it can be reached and that the
 * owner may do what the migrations need (failing in one line that names the cause), refuses a
 * database set up with another JWT secret, applies the migrations and readies the login role.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    /** Owner connections give up after this: an unreachable server is reported within 10 s. */
    private static final int CONNECT_TIMEOUT_SECONDS = 5;

    private Migrations() {}

    /** What {@link #prepare} did, and the role the request pool logs in as. */
    public record Prepared(MigrateResult migration, String loginRole) {}

    /**
     * @param secretFingerprint an HMAC that identifies this server's JWT secret without revealing it
     * @param loginPassword     the password the pool logs in with (derived from the JWT secret)
     */
    public static Prepared prepare(DatabaseTarget target, String secretFingerprint, String loginPassword) {
        return prepare(target, secretFingerprint, loginPassword, null);
    }

    /**
     * As {@link #prepare(DatabaseTarget, String, String)}, migrating only up to {@code version}
     * (all migrations when null): {@code atelier import} recreates the schema of the dump it loads.
     */
    public static Prepared prepare(
            DatabaseTarget target, String secretFingerprint, String loginPassword, @Nullable String version) {
        try (Connection owner = connectAsOwner(target)) {
            requirePrivileges(owner, target);
            LoginRole.requireSameSecret(owner, secretFingerprint);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot check the database " + where(target) + ": " + e.getMessage(), e);
        }
        MigrateResult result = migrate(target, version);
        try (Connection owner = connectAsOwner(target)) {
            String role = LoginRole.claim(owner, target, secretFingerprint, loginPassword);
            return new Prepared(result, role);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot set up the login role in " + where(target) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies the migrations up to {@code version} (all when null). Flyway's validation runs first,
     * on its own, so that a rewritten migration applied from its released text passes
     * ({@link RewrittenMigrations}) while every other mismatch still stops the migration.
     */
    static MigrateResult migrate(DatabaseTarget target, @Nullable String version) {
        var configuration = Flyway.configure()
                .dataSource(target.jdbcUrl(), target.ownerUser(), target.ownerPassword())
                .locations("classpath:db/migration")
                .schemas("platform")
                .createSchemas(true)
                .validateOnMigrate(false)
                .ignoreMigrationPatterns("*:future", "*:pending");
        if (version != null) {
            configuration = configuration.target(version);
        }
        Flyway flyway = configuration.load();
        try {
            validate(flyway, target);
            return flyway.migrate();
        } catch (FlywayException e) {
            throw failed(target, e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
    }

    /**
     * Validates what the database has applied. Only when that fails is the history read, to see
     * which mismatches are rewrites of released files.
     */
    private static void validate(Flyway flyway, DatabaseTarget target) {
        ValidateResult result = flyway.validateWithResult();
        if (result.validationSuccessful) {
            return;
        }
        Set<String> released;
        try (Connection owner = connectAsOwner(target)) {
            released = RewrittenMigrations.appliedFromReleasedText(owner);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the migration history of " + where(target) + ": " + e.getMessage(), e);
        }
        List<String> errors = result.invalidMigrations.stream()
                .filter(m ->
                        !(m.errorDetails.errorCode == CoreErrorCode.CHECKSUM_MISMATCH && released.contains(m.version)))
                .map(m -> m.errorDetails.errorMessage)
                .toList();
        if (!errors.isEmpty() || result.invalidMigrations.isEmpty()) {
            String all = errors.isEmpty() ? result.getAllErrorMessages() : String.join("\n", errors);
            throw failed(target, "Validate failed: " + all, null);
        }
        log.info(
                "migrations V{} were applied from the texts a release shipped; their rewritten texts are "
                        + "accepted (docs/adr/0007-migrations.md, \"Folding\")",
                String.join(", V", released));
    }

    private static IllegalStateException failed(DatabaseTarget target, String message, @Nullable Exception cause) {
        String stripped = message.strip();
        return new IllegalStateException(
                "migrating " + where(target) + " failed: "
                        + stripped.lines()
                                .filter(l -> !l.isBlank())
                                .limit(6)
                                .reduce((a, b) -> a + " | " + b)
                                .orElse(stripped),
                cause);
    }

    /** An owner connection, or one line saying why there is none: unknown host, refused, timed out, wrong password… */
    static Connection connectAsOwner(DatabaseTarget target) {
        Properties props = new Properties();
        props.setProperty("user", target.ownerUser());
        if (target.ownerPassword() != null) {
            props.setProperty("password", target.ownerPassword());
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("ApplicationName", "atelier-setup");
        try {
            return DriverManager.getConnection(target.jdbcUrl(), props);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot connect to the database " + where(target) + " as " + target.ownerUser() + ": " + reason(e),
                    e);
        }
    }

    private static @Nullable String reason(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return "connection refused (is PostgreSQL running and listening there?)";
            }
            if (t instanceof SocketTimeoutException) {
                return "no answer within " + CONNECT_TIMEOUT_SECONDS + " s";
            }
        }
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return switch (state) {
            case "28P01" -> "password authentication failed (check the password in DATABASE_URL)";
            case "28000" -> "the server refused this login: " + e.getMessage();
            case "3D000" -> "the database does not exist (create it first: createdb)";
            default -> e.getMessage();
        };
    }

    private static void requirePrivileges(Connection owner, DatabaseTarget target) throws SQLException {
        try (PreparedStatement ps = owner.prepareStatement("""
                select r.rolsuper, r.rolcreaterole, has_database_privilege(current_database(), 'CREATE'),
                       to_regnamespace('platform') is not null
                  from pg_roles r where r.rolname = current_user""");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            boolean superuser = rs.getBoolean(1);
            if (!superuser && !rs.getBoolean(2)) {
                throw new IllegalStateException("the database user " + target.ownerUser() + " lacks CREATEROLE, which "
                        + "Atelier needs to create its request roles; as a superuser run: ALTER ROLE "
                        + target.ownerUser() + " CREATEROLE");
            }
            if (!superuser && !rs.getBoolean(4) && !rs.getBoolean(3)) {
                throw new IllegalStateException("the database user " + target.ownerUser()
                        + " may not create schemas in "
                        + target.database() + "; as a superuser run: GRANT CREATE ON DATABASE " + target.database()
                        + " TO " + target.ownerUser());
            }
        }
    }

    static String where(DatabaseTarget target) {
        return target.host() + ":" + target.port() + "/" + target.database();
    }
}
