package dev.atelier.testing;

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
 * Raw SQL underneath the API for the apps' schema tests, so they share one copy of it: as the
 * database owner, or inside one transaction switched to a request role with the JWT claims a
 * request would carry (what the data API does per request).
 *
 * <p>The {@code claims} arguments are the JSON put into {@code request.jwt.claims}, or null to set
 * none; {@link #claims(UUID, String)} writes them as the data API would.
 */
public final class OwnerSql {

    private OwnerSql() {}

    /**
     * A connection as the database owner (RLS does not apply), from {@link TestServer#ownerPool()}:
     * close it to give it back. Leave no session-level setting on it; transaction-local ones go.
     */
    public static Connection owner() throws SQLException {
        return TestServer.get().ownerPool().getConnection();
    }

    /** {@code {"sub":…,"role":…}}, or {@code {"role":…}} when {@code sub} is null. */
    public static String claims(UUID sub, String role) {
        return sub == null ? "{\"role\":\"" + role + "\"}" : "{\"sub\":\"" + sub + "\",\"role\":\"" + role + "\"}";
    }

    // ---------------------------------------------------------------------------------------------
    // On a connection the caller holds
    // ---------------------------------------------------------------------------------------------

    public static void exec(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    /** First column of the first row; null when there is no row. */
    public static String queryString(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** First column of every row. */
    public static List<String> rows(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            return firstColumn(rs);
        }
    }

    /**
     * Inserts with every value an untyped literal (so PostgreSQL converts it as a client's text
     * would be); returns {@code returning} as text, or runs it without a RETURNING clause when null.
     */
    public static String insert(Connection conn, String table, Map<String, String> row, String returning)
            throws SQLException {
        String columns = String.join(", ", row.keySet());
        String placeholders =
                String.join(", ", row.keySet().stream().map(k -> "?").toList());
        String sql = "insert into " + table + " (" + columns + ") values (" + placeholders + ")"
                + (returning == null ? "" : " returning " + returning + "::text");
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int i = 1;
            for (String value : row.values()) {
                ps.setObject(i++, value, Types.OTHER);
            }
            if (returning == null) {
                ps.executeUpdate();
                return null;
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Runs statements as {@code role} with {@code claims} in one transaction, committed at the end. */
    public static void asRole(Connection conn, String role, String claims, String... statements) throws SQLException {
        inTransaction(conn, role, claims, true, st -> {
            for (String sql : statements) {
                st.execute(sql);
            }
            return null;
        });
    }

    /** First column of every row of a query run as {@code role} with {@code claims}, rolled back afterwards. */
    public static List<String> rowsAs(Connection conn, String role, String claims, String sql) throws SQLException {
        return inTransaction(conn, role, claims, false, st -> {
            try (ResultSet rs = st.executeQuery(sql)) {
                return firstColumn(rs);
            }
        });
    }

    /** First column of the first row (null when none) of a statement run as {@code role}, committed (for functions that write). */
    public static String callAs(Connection conn, String role, String claims, String sql) throws SQLException {
        return inTransaction(conn, role, claims, true, st -> {
            try (ResultSet rs = st.executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    /** Row count of a DML statement run as {@code role} with {@code claims}, committed. */
    public static int updateAs(Connection conn, String role, String claims, String sql) throws SQLException {
        return inTransaction(conn, role, claims, true, st -> st.executeUpdate(sql));
    }

    // ---------------------------------------------------------------------------------------------
    // On an owner connection of the pool each
    // ---------------------------------------------------------------------------------------------

    public static void exec(String... statements) throws SQLException {
        try (Connection conn = owner()) {
            for (String sql : statements) {
                exec(conn, sql);
            }
        }
    }

    public static String queryString(String sql) throws SQLException {
        try (Connection conn = owner()) {
            return queryString(conn, sql);
        }
    }

    public static List<String> rows(String sql) throws SQLException {
        try (Connection conn = owner()) {
            return rows(conn, sql);
        }
    }

    public static void asRole(String role, String claims, String... statements) throws SQLException {
        try (Connection conn = owner()) {
            asRole(conn, role, claims, statements);
        }
    }

    public static List<String> rowsAs(String role, String claims, String sql) throws SQLException {
        try (Connection conn = owner()) {
            return rowsAs(conn, role, claims, sql);
        }
    }

    public static String callAs(String role, String claims, String sql) throws SQLException {
        try (Connection conn = owner()) {
            return callAs(conn, role, claims, sql);
        }
    }

    public static int updateAs(String role, String claims, String sql) throws SQLException {
        try (Connection conn = owner()) {
            return updateAs(conn, role, claims, sql);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private interface Work<T> {
        T run(Statement st) throws SQLException;
    }

    /** {@code set local role}, the claims, the work; then commit (or roll back on failure), or always roll back. */
    private static <T> T inTransaction(Connection conn, String role, String claims, boolean commit, Work<T> work)
            throws SQLException {
        boolean autoCommit = conn.getAutoCommit();
        conn.setAutoCommit(false);
        boolean done = false;
        try (Statement st = conn.createStatement()) {
            st.execute("set local role " + role);
            if (claims != null) {
                st.execute("select set_config('request.jwt.claims', '" + claims + "', true)");
            }
            T result = work.run(st);
            if (commit) {
                conn.commit();
                done = true;
            }
            return result;
        } finally {
            if (!done) {
                conn.rollback();
            }
            conn.setAutoCommit(autoCommit);
        }
    }

    private static List<String> firstColumn(ResultSet rs) throws SQLException {
        List<String> rows = new ArrayList<>();
        while (rs.next()) {
            rows.add(rs.getString(1));
        }
        return rows;
    }
}
