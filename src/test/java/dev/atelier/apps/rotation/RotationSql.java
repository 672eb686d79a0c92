package dev.atelier.apps.rotation;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * SQL underneath the API for the Rotation tests, and their object mother, in the names they use;
 * the plumbing (as the owner, or as a request role with claims) is {@link OwnerSql}'s.
 */
final class RotationSql {

    /** A signed-up identity and its rotation.users row. */
    record AppUser(UUID authId, int id, String accessToken) {}

    private RotationSql() {}

    static Connection owner() throws SQLException {
        return OwnerSql.owner();
    }

    /** Signs somebody up through /auth/v1 and returns their app user (created by the sign-up trigger). */
    static AppUser newUser() throws SQLException {
        TestUser user = TestServer.get().newUser();
        return new AppUser(
                user.id(),
                Integer.parseInt(ownerQuery("select id from rotation.users where auth_user_id = '" + user.id() + "'")),
                user.accessToken());
    }

    static AppUser newUserWithRole(String role) throws SQLException {
        AppUser user = newUser();
        ownerExec("update rotation.users set role = '" + role + "' where id = " + user.id());
        return user;
    }

    /** An active (or other status) store; returns its id. */
    static int newStore(String status) throws SQLException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        return Integer.parseInt(
                ownerQuery("insert into rotation.stores (name, slug, discogs_username, status) values ('Store " + tag
                        + "', 'store-" + tag + "', 'store_" + tag + "', '" + status + "') returning id"));
    }

    static void linkManager(int storeId, int userId) throws SQLException {
        ownerExec("insert into rotation.store_managers (store_id, user_id) values (" + storeId + ", " + userId + ")");
    }

    /** A record with {@code trackDurations.length} tracks; returns the record id. */
    static int newRecord(int... trackDurations) throws SQLException {
        long releaseId = 2_000_000_000L + (long) (Math.random() * 1_000_000_000L);
        int record = Integer.parseInt(
                ownerQuery("insert into rotation.records (discogs_release_id, title, artist, genres) " + "values ("
                        + releaseId + ", 'Record " + releaseId + "', 'Artist', '{Electronic}') returning id"));
        for (int i = 0; i < trackDurations.length; i++) {
            ownerExec("insert into rotation.tracks (record_id, position, title, duration_seconds, track_index) values ("
                    + record + ", 'A" + (i + 1) + "', 'Track " + (i + 1) + "', " + trackDurations[i] + ", " + i + ")");
        }
        return record;
    }

    static int trackOf(int record, int index) throws SQLException {
        return Integer.parseInt(ownerQuery(
                "select id from rotation.tracks where record_id = " + record + " and track_index = " + index));
    }

    static int newInventory(int store, int record, String status) throws SQLException {
        return Integer.parseInt(
                ownerQuery("insert into rotation.store_inventory (store_id, record_id, status, price) values (" + store
                        + ", " + record + ", '" + status + "', 10) returning id"));
    }

    static void ownerExec(String... statements) throws SQLException {
        OwnerSql.exec(statements);
    }

    static String ownerQuery(String sql) throws SQLException {
        return OwnerSql.queryString(sql);
    }

    static List<String> ownerRows(String sql) throws SQLException {
        return OwnerSql.rows(sql);
    }

    /** Runs statements as {@code authenticated} with the user's claims, committing at the end. */
    static void asUser(AppUser user, String... statements) throws SQLException {
        asRole("authenticated", user.authId(), statements);
    }

    /** Runs statements as a request role (claims only when {@code authId} is given), committing at the end. */
    static void asRole(String role, UUID authId, String... statements) throws SQLException {
        OwnerSql.asRole(role, claims(role, authId), statements);
    }

    /** First column of every row of a query run as a request role (rolled back afterwards). */
    static List<String> rowsAs(String role, UUID authId, String sql) throws SQLException {
        return OwnerSql.rowsAs(role, claims(role, authId), sql);
    }

    static List<String> rowsAs(AppUser user, String sql) throws SQLException {
        return rowsAs("authenticated", user.authId(), sql);
    }

    /** The first column of the first row of a statement run as a request role, committed (for functions that write). */
    static String callAs(String role, UUID authId, String sql) throws SQLException {
        return OwnerSql.callAs(role, claims(role, authId), sql);
    }

    /** Row count of a DML statement run as a request role, committed. */
    static int updateAs(String role, UUID authId, String sql) throws SQLException {
        return OwnerSql.updateAs(role, claims(role, authId), sql);
    }

    static int updateAs(AppUser user, String sql) throws SQLException {
        return updateAs("authenticated", user.authId(), sql);
    }

    /** The user's claims; without a user, just the role's (none at all for anon). */
    private static String claims(String role, UUID authId) {
        return authId == null && "anon".equals(role) ? null : OwnerSql.claims(authId, role);
    }
}
