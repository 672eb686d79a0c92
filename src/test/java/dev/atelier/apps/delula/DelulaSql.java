package dev.atelier.apps.delula;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SQL underneath the API for the Delula tests: as the owner, or inside one transaction as a
 * request role with the claims a request would carry (what the data API does per request).
 */
final class DelulaSql {

    private DelulaSql() {
    }

    static Connection owner() throws SQLException {
        return TestServer.get().ownerDataSource().getConnection();
    }

    /** Runs statements as {@code authenticated} with {@code user}'s claims, committing at the end. */
    static void asUser(UUID user, String... statements) throws SQLException {
        asRole("authenticated", user, statements);
    }

    /** Runs statements as a request role (claims only when {@code user} is given), committing at the end. */
    static void asRole(String role, UUID user, String... statements) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, user);
                for (String sql : statements) {
                    st.execute(sql);
                }
                conn.commit();
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    /** First column of every row of a query run as a request role (rolled back afterwards). */
    static List<String> queryAs(String role, UUID user, String sql) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, user);
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
                return rows;
            } finally {
                conn.rollback();
            }
        }
    }

    /** Row count of an UPDATE or DELETE run as a request role (committed, so triggers' effects stay). */
    static int updateAs(String role, UUID user, String sql) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, user);
                int count = st.executeUpdate(sql);
                conn.commit();
                return count;
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    private static void enter(Statement st, String role, UUID user) throws SQLException {
        st.execute("set local role " + role);
        if (user != null) {
            st.execute("select set_config('request.jwt.claims', '{\"sub\":\"" + user + "\",\"role\":\"" + role + "\"}', true)");
        }
    }

    static void exec(String sql) throws SQLException {
        try (Connection conn = owner(); Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    /** First column of the first row, as the owner; null when there is no row. */
    static String query(String sql) throws SQLException {
        try (Connection conn = owner(); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
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
        String columns = String.join(", ", row.keySet());
        String placeholders = String.join(", ", row.keySet().stream().map(k -> "?").toList());
        try (PreparedStatement ps = conn.prepareStatement("insert into delula." + table + " (" + columns
                + ") values (" + placeholders + ") returning " + returning + "::text")) {
            int i = 1;
            for (String value : row.values()) {
                ps.setObject(i++, value, Types.OTHER);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
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
