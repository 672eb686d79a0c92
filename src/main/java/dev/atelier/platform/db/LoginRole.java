package dev.atelier.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The role a database's servers log in as, and the JWT secret they share. Roles belong to the
 * whole PostgreSQL cluster while Atelier's data belongs to one database in it, so each Atelier
 * database gets a login role of its own ({@code atelier_authenticator} for the first, then
 * {@code atelier_authenticator_<database>}), named in the role's comment: a second Atelier
 * database in the cluster (staging beside production) never resets the first one's password.
 * Servers of one database must share its JWT secret (its tokens are signed with it, and the
 * login password derives from it); {@code platform.instance} keeps a fingerprint of the secret
 * the database was set up with, and a server with another one refuses to start before it
 * changes anything.
 */
final class LoginRole {

    private static final Logger log = LoggerFactory.getLogger(LoginRole.class);
    static final String DEFAULT_NAME = "atelier_authenticator";
    private static final String COMMENT_PREFIX = "Atelier login role of database ";

    private LoginRole() {}

    /** Refuses a server whose secret differs from the one the database was set up with (when it was). */
    static void requireSameSecret(Connection owner, String fingerprint) throws SQLException {
        String stored = storedFingerprint(owner);
        if (stored != null && !stored.equals(fingerprint)) {
            throw new IllegalStateException("this database was set up with a different JWT secret (fingerprint "
                    + stored.substring(0, 12) + ", this server's is " + fingerprint.substring(0, 12)
                    + "); give every server of one database the same ATELIER_JWT_SECRET");
        }
    }

    /** Records the secret on first use and makes sure the login role exists, may log in with {@code password} and holds the request roles. */
    static String claim(Connection owner, DatabaseTarget target, String fingerprint, String password)
            throws SQLException {
        if (!password.matches("[0-9a-f]{32,128}")) {
            // The password is spliced into DDL (ALTER ROLE takes no parameters): hex only.
            throw new IllegalArgumentException("the login password must be hex");
        }
        owner.setAutoCommit(false);
        try (Statement st = owner.createStatement()) {
            // Servers starting together on one database take turns here.
            st.execute("select pg_advisory_xact_lock(hashtext('atelier login role'))");
            requireSameSecret(owner, fingerprint);
            String role = storedRole(owner);
            if (role == null) {
                role = chooseName(owner, target.database());
                try (PreparedStatement insert = owner.prepareStatement(
                        "insert into platform.instance (jwt_secret_fingerprint, login_role) values (?, ?)")) {
                    insert.setString(1, fingerprint);
                    insert.setString(2, role);
                    insert.executeUpdate();
                }
            }
            if (!exists(owner, role)) {
                st.execute("create role " + role + " login noinherit nocreatedb nocreaterole nobypassrls");
            }
            st.execute("comment on role " + role + " is '" + COMMENT_PREFIX
                    + target.database().replace("'", "''") + "'");
            st.execute("grant anon, authenticated, service_role, atelier_auth to " + role);
            limitTemporaryFiles(owner, role);
            owner.commit();
            if (!canLogIn(target, role, password)) {
                // Only this database's servers use the role, and they all derive the same password.
                st.execute("alter role " + role + " with login password '" + password + "'");
                owner.commit();
            }
            return role;
        } catch (SQLException | RuntimeException e) {
            owner.rollback();
            throw e;
        }
    }

    /** A login role not yet claimed by another database: the default name, else one with this database's name. */
    private static String chooseName(Connection owner, String database) throws SQLException {
        String suffix = database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String[] candidates = {
            DEFAULT_NAME, DEFAULT_NAME + "_" + suffix, DEFAULT_NAME + "_" + Integer.toHexString(database.hashCode())
        };
        for (String candidate : candidates) {
            if (candidate.length() > 63) {
                continue;
            }
            String claimedBy = comment(owner, candidate);
            if (!exists(owner, candidate) || claimedBy == null || claimedBy.equals(COMMENT_PREFIX + database)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free login role name for database " + database);
    }

    /**
     * Sorts and hashes that spill past this go to an error rather than filling the disk. It is a
     * superuser setting: an owner that is not one leaves PostgreSQL's default (no limit).
     */
    private static void limitTemporaryFiles(Connection owner, String role) throws SQLException {
        try (Statement st = owner.createStatement()) {
            st.execute("savepoint temp_file_limit");
            st.execute("alter role " + role + " set temp_file_limit = '1GB'");
            st.execute("release savepoint temp_file_limit");
        } catch (SQLException e) {
            try (Statement st = owner.createStatement()) {
                st.execute("rollback to savepoint temp_file_limit");
            }
            log.info("temp_file_limit for {} left unset: {}", role, e.getMessage());
        }
    }

    private static boolean canLogIn(DatabaseTarget target, String role, String password) {
        Properties props = new Properties();
        props.setProperty("user", role);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", "5");
        try (Connection ignored = DriverManager.getConnection(target.jdbcUrl(), props)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static @Nullable String storedFingerprint(Connection owner) throws SQLException {
        return instanceColumn(owner, "jwt_secret_fingerprint");
    }

    private static @Nullable String storedRole(Connection owner) throws SQLException {
        return instanceColumn(owner, "login_role");
    }

    private static @Nullable String instanceColumn(Connection owner, String column) throws SQLException {
        try (PreparedStatement ps = owner.prepareStatement("select to_regclass('platform.instance') is not null");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return null; // not migrated yet
            }
        }
        try (PreparedStatement ps = owner.prepareStatement("select " + column + " from platform.instance");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static boolean exists(Connection owner, String role) throws SQLException {
        try (PreparedStatement ps = owner.prepareStatement("select 1 from pg_roles where rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static @Nullable String comment(Connection owner, String role) throws SQLException {
        try (PreparedStatement ps =
                owner.prepareStatement("select shobj_description(oid, 'pg_authid') from pg_roles where rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
