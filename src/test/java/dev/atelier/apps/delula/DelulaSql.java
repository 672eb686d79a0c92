package dev.atelier.apps.delula;

import dev.atelier.testing.OwnerSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SQL underneath the API for the Delula tests, in the names they use: the delula schema's rows and
 * identities, with the plumbing (as the owner, or as a request role with claims) in {@link OwnerSql}.
 */
final class DelulaSql {

    private DelulaSql() {}

    static Connection owner() throws SQLException {
        return OwnerSql.owner();
    }

    /** Runs statements as {@code authenticated} with {@code user}'s claims, committing at the end. */
    static void asUser(UUID user, String... statements) throws SQLException {
        asRole("authenticated", user, statements);
    }

    /** Runs statements as a request role (claims only when {@code user} is given), committing at the end. */
    static void asRole(String role, UUID user, String... statements) throws SQLException {
        OwnerSql.asRole(role, claims(role, user), statements);
    }

    /** First column of every row of a query run as a request role (rolled back afterwards). */
    static List<String> queryAs(String role, UUID user, String sql) throws SQLException {
        return OwnerSql.rowsAs(role, claims(role, user), sql);
    }

    /** Row count of an UPDATE or DELETE run as a request role (committed, so triggers' effects stay). */
    static int updateAs(String role, UUID user, String sql) throws SQLException {
        return OwnerSql.updateAs(role, claims(role, user), sql);
    }

    private static String claims(String role, UUID user) {
        return user == null ? null : OwnerSql.claims(user, role);
    }

    static void exec(String sql) throws SQLException {
        OwnerSql.exec(sql);
    }

    /** First column of the first row, as the owner; null when there is no row. */
    static String query(String sql) throws SQLException {
        return OwnerSql.queryString(sql);
    }

    static int queryInt(String sql) throws SQLException {
        return Integer.parseInt(query(sql));
    }

    /** Inserts as the owner with every value an untyped literal (converted as a client's text would be); returns id. */
    static String insert(String table, Map<String, String> row) throws SQLException {
        try (Connection conn = owner()) {
            return insert(conn, table, row, "id");
        }
    }

    static String insert(Connection conn, String table, Map<String, String> row, String returning) throws SQLException {
        return OwnerSql.insert(conn, "delula." + table, row, returning);
    }

    /** A new platform identity (through SQL, as the auth endpoints insert it); the sign-up trigger makes the Delula user. */
    static UUID newIdentity() throws SQLException {
        return UUID.fromString(query("insert into auth.users (email) values ('delula-" + UUID.randomUUID()
                + "@example.test') returning id::text"));
    }

    /** Makes an existing Delula user the app's admin (access role 3), as the owner. */
    static void makeAdmin(UUID user) throws SQLException {
        exec("update delula.users set access_role = 3 where id = '" + user + "'");
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
