package dev.atelier.apps.rotation;

import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * SQL underneath the API for the Rotation tests, and their object mother: as the owner, or inside
 * one transaction as a request role with the claims a request would carry (what the data API does
 * per request).
 */
final class RotationSql {

    /** A signed-up identity and its rotation.users row. */
    record AppUser(UUID authId, int id, String accessToken) {
    }

    private RotationSql() {
    }

    static Connection owner() throws SQLException {
        return TestServer.get().ownerDataSource().getConnection();
    }

    /** Signs somebody up through /auth/v1 and returns their app user (created by the sign-up trigger). */
    static AppUser newUser() throws SQLException {
        TestUser user = TestServer.get().newUser();
        return new AppUser(user.id(), Integer.parseInt(ownerQuery(
                "select id from rotation.users where auth_user_id = '" + user.id() + "'")), user.accessToken());
    }

    static AppUser newUserWithRole(String role) throws SQLException {
        AppUser user = newUser();
        ownerExec("update rotation.users set role = '" + role + "' where id = " + user.id());
        return user;
    }

    /** An active (or other status) store; returns its id. */
    static int newStore(String status) throws SQLException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        return Integer.parseInt(ownerQuery("insert into rotation.stores (name, slug, discogs_username, status) values ('Store "
                + tag + "', 'store-" + tag + "', 'store_" + tag + "', '" + status + "') returning id"));
    }

    static void linkManager(int storeId, int userId) throws SQLException {
        ownerExec("insert into rotation.store_managers (store_id, user_id) values (" + storeId + ", " + userId + ")");
    }

    /** A record with {@code trackDurations.length} tracks; returns the record id. */
    static int newRecord(int... trackDurations) throws SQLException {
        long releaseId = 2_000_000_000L + (long) (Math.random() * 1_000_000_000L);
        int record = Integer.parseInt(ownerQuery("insert into rotation.records (discogs_release_id, title, artist, genres) "
                + "values (" + releaseId + ", 'Record " + releaseId + "', 'Artist', '{Electronic}') returning id"));
        for (int i = 0; i < trackDurations.length; i++) {
            ownerExec("insert into rotation.tracks (record_id, position, title, duration_seconds, track_index) values ("
                    + record + ", 'A" + (i + 1) + "', 'Track " + (i + 1) + "', " + trackDurations[i] + ", " + i + ")");
        }
        return record;
    }

    static int trackOf(int record, int index) throws SQLException {
        return Integer.parseInt(ownerQuery("select id from rotation.tracks where record_id = " + record
                + " and track_index = " + index));
    }

    static int newInventory(int store, int record, String status) throws SQLException {
        return Integer.parseInt(ownerQuery("insert into rotation.store_inventory (store_id, record_id, status, price) values ("
                + store + ", " + record + ", '" + status + "', 10) returning id"));
    }

    static void ownerExec(String... statements) throws SQLException {
        try (Connection conn = owner(); Statement st = conn.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    static String ownerQuery(String sql) throws SQLException {
        try (Connection conn = owner()) {
            return query(conn, sql);
        }
    }

    static List<String> ownerRows(String sql) throws SQLException {
        try (Connection conn = owner(); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }

    /** Runs statements as {@code authenticated} with the user's claims, committing at the end. */
    static void asUser(AppUser user, String... statements) throws SQLException {
        asRole("authenticated", user.authId(), statements);
    }

    /** Runs statements as a request role (claims only when {@code authId} is given), committing at the end. */
    static void asRole(String role, UUID authId, String... statements) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, authId);
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
    static List<String> rowsAs(String role, UUID authId, String sql) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, authId);
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

    static List<String> rowsAs(AppUser user, String sql) throws SQLException {
        return rowsAs("authenticated", user.authId(), sql);
    }

    /** The first column of the first row of a statement run as a request role, committed (for functions that write). */
    static String callAs(String role, UUID authId, String sql) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, authId);
                String value;
                try (ResultSet rs = st.executeQuery(sql)) {
                    value = rs.next() ? rs.getString(1) : null;
                }
                conn.commit();
                return value;
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    /** Row count of a DML statement run as a request role, committed. */
    static int updateAs(String role, UUID authId, String sql) throws SQLException {
        try (Connection conn = owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                enter(st, role, authId);
                int count = st.executeUpdate(sql);
                conn.commit();
                return count;
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    static int updateAs(AppUser user, String sql) throws SQLException {
        return updateAs("authenticated", user.authId(), sql);
    }

    private static void enter(Statement st, String role, UUID authId) throws SQLException {
        st.execute("set local role " + role);
        if (authId != null) {
            st.execute("select set_config('request.jwt.claims', '{\"sub\":\"" + authId + "\",\"role\":\"" + role + "\"}', true)");
        } else if (!"anon".equals(role)) {
            st.execute("select set_config('request.jwt.claims', '{\"role\":\"" + role + "\"}', true)");
        }
    }

    static String query(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
