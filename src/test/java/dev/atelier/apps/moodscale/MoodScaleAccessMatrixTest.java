package dev.atelier.apps.moodscale;

import static dev.atelier.testing.AccessMatrix.assertChangeAnswer;
import static dev.atelier.testing.AccessMatrix.assertDenied;
import static dev.atelier.testing.AccessMatrix.assertInsertAnswer;
import static dev.atelier.testing.AccessMatrix.assertSelectAnswer;
import static dev.atelier.testing.AccessMatrix.client;
import static dev.atelier.testing.AccessMatrix.row;
import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.AccessMatrix;
import dev.atelier.testing.AccessMatrix.Actor;
import dev.atelier.testing.AccessMatrix.Outcome;
import dev.atelier.testing.AccessMatrix.Verb;
import dev.atelier.testing.Rest.Response;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/apps/moodscale.md's access table, cell by cell, through /rest/v1 as clients reach it: for
 * every table, every role (anon, the row's owner, another user, the app's admin, service_role) and
 * every verb, the allow or deny PostgREST would answer, checked afterwards as the database owner.
 */
class MoodScaleAccessMatrixTest {

    private static final TestServer server = TestServer.get();
    private static final String SCHEMA = "moodscale";

    private static TestUser otherUser;
    private static TestUser admin;

    @BeforeAll
    static void users() throws SQLException {
        otherUser = server.newUser();
        admin = server.newUser();
        exec("update moodscale.users set role = 'admin' where auth_user_id = '" + admin.id() + "'");
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cells = new ArrayList<>();
        // table, verb, anon, owner, other user, admin, service_role
        row(
                cells,
                "users",
                Verb.SELECT,
                Outcome.DENIED,
                Outcome.ALLOWED,
                Outcome.HIDDEN,
                Outcome.ALLOWED,
                Outcome.ALLOWED);
        row(
                cells,
                "users",
                Verb.INSERT,
                Outcome.DENIED,
                Outcome.DENIED,
                Outcome.DENIED,
                Outcome.DENIED,
                Outcome.ALLOWED);
        row(
                cells,
                "users",
                Verb.UPDATE,
                Outcome.DENIED,
                Outcome.ALLOWED,
                Outcome.HIDDEN,
                Outcome.HIDDEN,
                Outcome.ALLOWED);
        row(
                cells,
                "users",
                Verb.DELETE,
                Outcome.DENIED,
                Outcome.DENIED,
                Outcome.DENIED,
                Outcome.DENIED,
                Outcome.ALLOWED);

        row(
                cells,
                "mood_entries",
                Verb.SELECT,
                Outcome.DENIED,
                Outcome.ALLOWED,
                Outcome.HIDDEN,
                Outcome.HIDDEN,
                Outcome.ALLOWED);
        row(
                cells,
                "mood_entries",
                Verb.INSERT,
                Outcome.DENIED,
                Outcome.ALLOWED,
                Outcome.REFUSED,
                Outcome.REFUSED,
                Outcome.ALLOWED);
        row(
                cells,
                "mood_entries",
                Verb.UPDATE,
                Outcome.DENIED,
                Outcome.ALLOWED,
                Outcome.HIDDEN,
                Outcome.HIDDEN,
                Outcome.ALLOWED);
        row(
                cells,
                "mood_entries",
                Verb.DELETE,
                Outcome.DENIED,
                Outcome.ALLOWED,
                Outcome.HIDDEN,
                Outcome.HIDDEN,
                Outcome.ALLOWED);

        for (String aiTable : List.of("music_analysis", "recommendations", "personality_insights")) {
            row(
                    cells,
                    aiTable,
                    Verb.SELECT,
                    Outcome.DENIED,
                    Outcome.ALLOWED,
                    Outcome.HIDDEN,
                    Outcome.ALLOWED,
                    Outcome.ALLOWED);
            row(
                    cells,
                    aiTable,
                    Verb.INSERT,
                    Outcome.DENIED,
                    Outcome.DENIED,
                    Outcome.DENIED,
                    Outcome.DENIED,
                    Outcome.ALLOWED);
            row(
                    cells,
                    aiTable,
                    Verb.UPDATE,
                    Outcome.DENIED,
                    Outcome.DENIED,
                    Outcome.DENIED,
                    Outcome.DENIED,
                    Outcome.ALLOWED);
            row(
                    cells,
                    aiTable,
                    Verb.DELETE,
                    Outcome.DENIED,
                    Outcome.ALLOWED,
                    Outcome.HIDDEN,
                    Outcome.ALLOWED,
                    Outcome.ALLOWED);
        }
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @MethodSource("matrix")
    void accessHoldsThroughTheDataApi(String table, Verb verb, Actor actor, Outcome expected) throws Exception {
        // A fresh owner per cell: updates and deletes of users rows must not disturb other cells.
        TestUser rowOwner = server.newUser();
        int ownerAppId;
        ownerAppId = Integer.parseInt(
                queryString("select id from moodscale.users where auth_user_id = '" + rowOwner.id() + "'"));
        String token = AccessMatrix.token(actor, rowOwner.accessToken(), otherUser.accessToken(), admin.accessToken());
        switch (verb) {
            case SELECT -> checkSelect(table, actor, expected, token, seed(table, ownerAppId));
            case INSERT -> checkInsert(table, actor, expected, token, ownerAppId);
            case UPDATE -> checkUpdate(table, actor, expected, token, seed(table, ownerAppId));
            case DELETE -> checkDelete(table, actor, expected, token, seed(table, ownerAppId));
        }
    }

    private static void checkSelect(String table, Actor actor, Outcome expected, String token, int rowId)
            throws Exception {
        String columns = "users".equals(table) ? "id,username" : "id,user_id";
        Response response = send("GET", table + "?select=" + columns + "&id=eq." + rowId, token, null);
        JsonNode rows = assertSelectAnswer(response, actor, expected);
        if (expected == Outcome.ALLOWED) {
            assertThat(rows.get(0).path("id").asInt()).isEqualTo(rowId);
        }
    }

    private static void checkInsert(String table, Actor actor, Outcome expected, String token, int ownerAppId)
            throws Exception {
        String marker = "ins-" + UUID.randomUUID();
        String body;
        String countSql;
        if ("users".equals(table)) {
            // A new identity whose app user is not there yet: what a service-side insert would create.
            UUID identity = UUID.randomUUID();
            exec("insert into auth.users (id, email) values ('" + identity + "', '" + marker + "@example.test')");
            exec("delete from moodscale.users where auth_user_id = '" + identity + "'");
            body = "{\"auth_user_id\":\"" + identity + "\",\"username\":\"" + marker + "\"}";
            countSql = "select count(*) from moodscale.users where username = '" + marker + "'";
        } else {
            // The owner of a mood entry leaves user_id out (the column default names them); every
            // other insert names the owner.
            String userId =
                    actor == Actor.OWNER && "mood_entries".equals(table) ? "" : "\"user_id\":" + ownerAppId + ",";
            body = switch (table) {
                case "mood_entries" -> "{" + userId + "\"mood_score\":7,\"notes\":\"" + marker + "\"}";
                case "music_analysis" ->
                    "{" + userId + "\"spotify_track_id\":\"t\",\"track_name\":\"" + marker
                            + "\",\"artist_name\":\"a\",\"audio_features\":{\"valence\":0.4,\"energy\":0.9}}";
                case "recommendations" ->
                    "{" + userId + "\"spotify_track_id\":\"t\",\"track_name\":\"" + marker
                            + "\",\"artist_name\":\"a\",\"match_score\":0.7}";
                case "personality_insights" -> "{" + userId + "\"music_dna\":\"" + marker + "\",\"energy_level\":0.5}";
                default -> throw new IllegalArgumentException(table);
            };
            String markerColumn = switch (table) {
                case "mood_entries" -> "notes";
                case "music_analysis", "recommendations" -> "track_name";
                default -> "music_dna";
            };
            countSql = "select count(*) from moodscale." + table + " where " + markerColumn + " = '" + marker
                    + "' and user_id = " + ownerAppId;
        }
        Response response = send("POST", table, token, body);
        assertInsertAnswer(response, actor, expected);
        assertThat(queryString(countSql)).isEqualTo(expected == Outcome.ALLOWED ? "1" : "0");
    }

    private static void checkUpdate(String table, Actor actor, Outcome expected, String token, int rowId)
            throws Exception {
        String column = switch (table) {
            case "users" -> "username";
            case "mood_entries" -> "notes";
            case "music_analysis", "recommendations" -> "track_name";
            default -> "music_dna";
        };
        String marker = "upd-" + UUID.randomUUID();
        String before;
        before = queryString("select " + column + " from moodscale." + table + " where id = " + rowId);
        Response response = send("PATCH", table + "?id=eq." + rowId, token, "{\"" + column + "\":\"" + marker + "\"}");
        assertChangeAnswer(response, actor, expected);
        assertThat(queryString("select " + column + " from moodscale." + table + " where id = " + rowId))
                .isEqualTo(expected == Outcome.ALLOWED ? marker : before);
    }

    private static void checkDelete(String table, Actor actor, Outcome expected, String token, int rowId)
            throws Exception {
        Response response = send("DELETE", table + "?id=eq." + rowId, token, null);
        assertChangeAnswer(response, actor, expected);
        assertThat(queryString("select count(*) from moodscale." + table + " where id = " + rowId))
                .isEqualTo(expected == Outcome.ALLOWED ? "0" : "1");
    }

    @Test
    void signUpLogThreeMoodsAndReadThemNewestFirstWithOnlyTheUsersToken() throws Exception {
        TestUser user = server.newUser();
        for (int score : new int[] {3, 9, 6}) {
            Response created = send(
                    "POST",
                    "mood_entries",
                    user.accessToken(),
                    "{\"mood_score\":" + score + ",\"emotions\":[\"calm\"],\"notes\":\"score " + score + "\"}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            // Distinct created_at without waiting: each request is its own transaction, and now()
            // (microseconds) of one that starts after the previous answered is later.
        }
        Response read = send(
                "GET", "mood_entries?select=mood_score,notes,emotions&order=created_at.desc", user.accessToken(), null);
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        JsonNode rows = read.json();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).path("mood_score").asInt()).isEqualTo(6);
        assertThat(rows.get(1).path("mood_score").asInt()).isEqualTo(9);
        assertThat(rows.get(2).path("mood_score").asInt()).isEqualTo(3);
        assertThat(rows.get(0).path("emotions").get(0).asText()).isEqualTo("calm");
    }

    @Test
    void aUserLearnsTheirAppUserIdThroughRpc() throws Exception {
        TestUser user = server.newUser();
        Response response = send("POST", "rpc/current_user_id", user.accessToken(), "{}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body().trim())
                .isEqualTo(queryString("select id from moodscale.users where auth_user_id = '" + user.id() + "'"));
    }

    /**
     * {@code select=*} stands for the columns the caller's role may read (issue 6, finding 9): a user
     * reads their own row with {@code *} and gets exactly the granted columns, while the sealed token
     * columns stay unreadable, named or not. The service role's {@code *} still has every column.
     */
    @Test
    void selectStarOnUsersGivesAUserTheirReadableColumnsAndKeepsTheTokenColumnsSealed() throws Exception {
        TestUser user = server.newUser();
        Response star = send("GET", "users?select=*", user.accessToken(), null);
        assertThat(star.status()).as(star.body()).isEqualTo(200);
        assertThat(star.json()).hasSize(1);
        List<String> keys = new ArrayList<>();
        star.json().get(0).fieldNames().forEachRemaining(keys::add);
        String granted = queryString("select string_agg(attname, ',' order by attnum) from pg_attribute"
                + " where attrelid = 'moodscale.users'::regclass and attnum > 0 and not attisdropped"
                + " and has_column_privilege('authenticated', attrelid, attnum, 'SELECT')");
        assertThat(keys).containsExactly(granted.split(","));
        assertThat(keys)
                .contains("id", "username")
                .doesNotContain(
                        "spotify_access_token_encrypted", "spotify_refresh_token_encrypted", "encryption_key_id");
        assertThat(star.json().get(0).path("auth_user_id").asText())
                .isEqualTo(user.id().toString());

        Response tokens = send("GET", "users?select=spotify_access_token_encrypted", user.accessToken(), null);
        assertDenied(tokens, Actor.OWNER);
        Response starAndToken = send("GET", "users?select=*,encryption_key_id", user.accessToken(), null);
        assertDenied(starAndToken, Actor.OWNER);

        // A write's representation is the same row: renaming oneself with return=representation works.
        Response renamed = send(
                "PATCH",
                "users?select=*&auth_user_id=eq." + user.id(),
                user.accessToken(),
                "{\"username\": \"renamed\"}",
                "return=representation");
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(renamed.json().get(0).path("username").asText()).isEqualTo("renamed");
        assertThat(renamed.json().get(0).has("spotify_access_token_encrypted")).isFalse();

        Response service = send("GET", "users?select=*&auth_user_id=eq." + user.id(), server.serviceKey(), null);
        assertThat(service.status()).as(service.body()).isEqualTo(200);
        assertThat(service.json().get(0).has("spotify_access_token_encrypted")).isTrue();
    }

    @Test
    void aUserCannotMakeThemselvesAdminThroughTheDataApi() throws Exception {
        TestUser user = server.newUser();
        Response response =
                send("PATCH", "users?auth_user_id=eq." + user.id(), user.accessToken(), "{\"role\":\"admin\"}");
        assertDenied(response, Actor.OWNER);
        assertThat(queryString("select role from moodscale.users where auth_user_id = '" + user.id() + "'"))
                .isEqualTo("user");
    }

    /** A row of {@code table} owned by the app user, written as the database owner; its id. */
    private static int seed(String table, int appUserId) throws SQLException {
        String sql = switch (table) {
            case "users" -> "select " + appUserId;
            case "mood_entries" ->
                "insert into moodscale.mood_entries (user_id, mood_score, notes) values (" + appUserId
                        + ", 5, 'seed') returning id";
            case "music_analysis" ->
                "insert into moodscale.music_analysis (user_id, spotify_track_id, track_name, artist_name, "
                        + "audio_features) values (" + appUserId
                        + ", 't', 'seed', 'a', '{\"valence\": 0.3}') returning id";
            case "recommendations" ->
                "insert into moodscale.recommendations (user_id, spotify_track_id, track_name, artist_name) "
                        + "values (" + appUserId + ", 't', 'seed', 'a') returning id";
            case "personality_insights" ->
                "insert into moodscale.personality_insights (user_id, music_dna) values (" + appUserId
                        + ", 'seed') returning id";
            default -> throw new IllegalArgumentException(table);
        };
        return Integer.parseInt(queryString(sql));
    }

    private static Response send(String method, String path, String token, String body) {
        return client(SCHEMA, token).send(method, "/" + path, body);
    }

    private static Response send(String method, String path, String token, String body, String prefer) {
        return client(SCHEMA, token).with("Prefer", prefer).send(method, "/" + path, body);
    }
}
