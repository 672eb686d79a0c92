package dev.atelier.apps.moodscale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    /** Who acts on a row owned by somebody. */
    enum Actor { ANON, OWNER, OTHER_USER, ADMIN, SERVICE_ROLE }

    enum Verb { SELECT, INSERT, UPDATE, DELETE }

    /**
     * DENIED: a missing grant, 401 (anon) / 403 (a user) with 42501. REFUSED: RLS refuses an
     * insert, also 42501. ALLOWED: the verb took effect. HIDDEN: RLS lets 0 rows through (200/204),
     * and the row is unchanged.
     */
    enum Outcome { DENIED, REFUSED, ALLOWED, HIDDEN }

    private static TestUser otherUser;
    private static TestUser admin;

    @BeforeAll
    static void users() throws SQLException {
        otherUser = server.newUser();
        admin = server.newUser();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            exec(owner, "update moodscale.users set role = 'admin' where auth_user_id = '" + admin.id() + "'");
        }
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cells = new ArrayList<>();
        // table, verb, anon, owner, other user, admin, service_role
        row(cells, "users", Verb.SELECT, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.ALLOWED, Outcome.ALLOWED);
        row(cells, "users", Verb.INSERT, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.ALLOWED);
        row(cells, "users", Verb.UPDATE, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.HIDDEN, Outcome.ALLOWED);
        row(cells, "users", Verb.DELETE, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.ALLOWED);

        row(cells, "mood_entries", Verb.SELECT, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.HIDDEN, Outcome.ALLOWED);
        row(cells, "mood_entries", Verb.INSERT, Outcome.DENIED, Outcome.ALLOWED, Outcome.REFUSED, Outcome.REFUSED, Outcome.ALLOWED);
        row(cells, "mood_entries", Verb.UPDATE, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.HIDDEN, Outcome.ALLOWED);
        row(cells, "mood_entries", Verb.DELETE, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.HIDDEN, Outcome.ALLOWED);

        for (String aiTable : List.of("music_analysis", "recommendations", "personality_insights")) {
            row(cells, aiTable, Verb.SELECT, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.ALLOWED, Outcome.ALLOWED);
            row(cells, aiTable, Verb.INSERT, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.ALLOWED);
            row(cells, aiTable, Verb.UPDATE, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.DENIED, Outcome.ALLOWED);
            row(cells, aiTable, Verb.DELETE, Outcome.DENIED, Outcome.ALLOWED, Outcome.HIDDEN, Outcome.ALLOWED, Outcome.ALLOWED);
        }
        return cells.stream();
    }

    private static void row(List<Arguments> cells, String table, Verb verb, Outcome... byActor) {
        for (Actor actor : Actor.values()) {
            cells.add(Arguments.of(table, verb, actor, byActor[actor.ordinal()]));
        }
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @MethodSource("matrix")
    void accessHoldsThroughTheDataApi(String table, Verb verb, Actor actor, Outcome expected) throws Exception {
        // A fresh owner per cell: updates and deletes of users rows must not disturb other cells.
        TestUser rowOwner = server.newUser();
        int ownerAppId;
        try (Connection owner = server.ownerDataSource().getConnection()) {
            ownerAppId = Integer.parseInt(query(owner, "select id from moodscale.users where auth_user_id = '" + rowOwner.id() + "'"));
        }
        String token = switch (actor) {
            case ANON -> server.anonKey();
            case OWNER -> rowOwner.accessToken();
            case OTHER_USER -> otherUser.accessToken();
            case ADMIN -> admin.accessToken();
            case SERVICE_ROLE -> server.serviceKey();
        };
        switch (verb) {
            case SELECT -> checkSelect(table, actor, expected, token, seed(table, ownerAppId));
            case INSERT -> checkInsert(table, actor, expected, token, ownerAppId);
            case UPDATE -> checkUpdate(table, actor, expected, token, seed(table, ownerAppId));
            case DELETE -> checkDelete(table, actor, expected, token, seed(table, ownerAppId));
        }
    }

    private static void checkSelect(String table, Actor actor, Outcome expected, String token, int rowId) throws Exception {
        String columns = "users".equals(table) ? "id,username" : "id,user_id";
        HttpResponse<String> response = send("GET", table + "?select=" + columns + "&id=eq." + rowId, token, null);
        if (expected == Outcome.DENIED) {
            assertDenied(response, actor);
            return;
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode rows = server.json().readTree(response.body());
        assertThat(rows.size()).as(response.body()).isEqualTo(expected == Outcome.ALLOWED ? 1 : 0);
        if (expected == Outcome.ALLOWED) {
            assertThat(rows.get(0).path("id").asInt()).isEqualTo(rowId);
        }
    }

    private static void checkInsert(String table, Actor actor, Outcome expected, String token, int ownerAppId) throws Exception {
        String marker = "ins-" + UUID.randomUUID();
        String body;
        String countSql;
        if ("users".equals(table)) {
            // A new identity whose app user is not there yet: what a service-side insert would create.
            UUID identity = UUID.randomUUID();
            try (Connection owner = server.ownerDataSource().getConnection()) {
                exec(owner, "insert into auth.users (id, email) values ('" + identity + "', '" + marker + "@example.test')");
                exec(owner, "delete from moodscale.users where auth_user_id = '" + identity + "'");
            }
            body = "{\"auth_user_id\":\"" + identity + "\",\"username\":\"" + marker + "\"}";
            countSql = "select count(*) from moodscale.users where username = '" + marker + "'";
        } else {
            // The owner of a mood entry leaves user_id out (the column default names them); every
            // other insert names the owner.
            String userId = actor == Actor.OWNER && "mood_entries".equals(table) ? "" : "\"user_id\":" + ownerAppId + ",";
            body = switch (table) {
                case "mood_entries" -> "{" + userId + "\"mood_score\":7,\"notes\":\"" + marker + "\"}";
                case "music_analysis" -> "{" + userId + "\"spotify_track_id\":\"t\",\"track_name\":\"" + marker
                        + "\",\"artist_name\":\"a\",\"audio_features\":{\"valence\":0.4,\"energy\":0.9}}";
                case "recommendations" -> "{" + userId + "\"spotify_track_id\":\"t\",\"track_name\":\"" + marker
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
        HttpResponse<String> response = send("POST", table, token, body);
        switch (expected) {
            case DENIED, REFUSED -> assertDenied(response, actor);
            case ALLOWED -> assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
            default -> throw new IllegalArgumentException(expected.name());
        }
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(query(owner, countSql)).isEqualTo(expected == Outcome.ALLOWED ? "1" : "0");
        }
    }

    private static void checkUpdate(String table, Actor actor, Outcome expected, String token, int rowId) throws Exception {
        String column = switch (table) {
            case "users" -> "username";
            case "mood_entries" -> "notes";
            case "music_analysis", "recommendations" -> "track_name";
            default -> "music_dna";
        };
        String marker = "upd-" + UUID.randomUUID();
        String before;
        try (Connection owner = server.ownerDataSource().getConnection()) {
            before = query(owner, "select " + column + " from moodscale." + table + " where id = " + rowId);
        }
        HttpResponse<String> response = send("PATCH", table + "?id=eq." + rowId, token, "{\"" + column + "\":\"" + marker + "\"}");
        if (expected == Outcome.DENIED) {
            assertDenied(response, actor);
        } else {
            assertThat(response.statusCode()).as(response.body()).isIn(200, 204);
        }
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(query(owner, "select " + column + " from moodscale." + table + " where id = " + rowId))
                    .isEqualTo(expected == Outcome.ALLOWED ? marker : before);
        }
    }

    private static void checkDelete(String table, Actor actor, Outcome expected, String token, int rowId) throws Exception {
        HttpResponse<String> response = send("DELETE", table + "?id=eq." + rowId, token, null);
        if (expected == Outcome.DENIED) {
            assertDenied(response, actor);
        } else {
            assertThat(response.statusCode()).as(response.body()).isIn(200, 204);
        }
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(query(owner, "select count(*) from moodscale." + table + " where id = " + rowId))
                    .isEqualTo(expected == Outcome.ALLOWED ? "0" : "1");
        }
    }

    private static void assertDenied(HttpResponse<String> response, Actor actor) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(actor == Actor.ANON ? 401 : 403);
        assertThat(server.json().readTree(response.body()).path("code").asText()).as(response.body()).isEqualTo("42501");
    }

    @Test
    void signUpLogThreeMoodsAndReadThemNewestFirstWithOnlyTheUsersToken() throws Exception {
        TestUser user = server.newUser();
        for (int score : new int[] {3, 9, 6}) {
            HttpResponse<String> created = send("POST", "mood_entries", user.accessToken(),
                    "{\"mood_score\":" + score + ",\"emotions\":[\"calm\"],\"notes\":\"score " + score + "\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            Thread.sleep(5); // distinct created_at
        }
        HttpResponse<String> read = send("GET", "mood_entries?select=mood_score,notes,emotions&order=created_at.desc",
                user.accessToken(), null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        JsonNode rows = server.json().readTree(read.body());
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).path("mood_score").asInt()).isEqualTo(6);
        assertThat(rows.get(1).path("mood_score").asInt()).isEqualTo(9);
        assertThat(rows.get(2).path("mood_score").asInt()).isEqualTo(3);
        assertThat(rows.get(0).path("emotions").get(0).asText()).isEqualTo("calm");
    }

    @Test
    void aUserLearnsTheirAppUserIdThroughRpc() throws Exception {
        TestUser user = server.newUser();
        HttpResponse<String> response = send("POST", "rpc/current_user_id", user.accessToken(), "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(response.body().trim()).isEqualTo(
                    query(owner, "select id from moodscale.users where auth_user_id = '" + user.id() + "'"));
        }
    }

    @Test
    void selectStarOnUsersIsRefusedToUsersBecauseOfTheTokenColumns() throws Exception {
        TestUser user = server.newUser();
        HttpResponse<String> star = send("GET", "users?select=*", user.accessToken(), null);
        assertDenied(star, Actor.OWNER);
        HttpResponse<String> tokens = send("GET", "users?select=spotify_access_token_encrypted", user.accessToken(), null);
        assertDenied(tokens, Actor.OWNER);
        HttpResponse<String> service = send("GET", "users?select=*&auth_user_id=eq." + user.id(), server.serviceKey(), null);
        assertThat(service.statusCode()).as(service.body()).isEqualTo(200);
        assertThat(server.json().readTree(service.body()).get(0).has("spotify_access_token_encrypted")).isTrue();
    }

    @Test
    void aUserCannotMakeThemselvesAdminThroughTheDataApi() throws Exception {
        TestUser user = server.newUser();
        HttpResponse<String> response = send("PATCH", "users?auth_user_id=eq." + user.id(), user.accessToken(), "{\"role\":\"admin\"}");
        assertDenied(response, Actor.OWNER);
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(query(owner, "select role from moodscale.users where auth_user_id = '" + user.id() + "'")).isEqualTo("user");
        }
    }

    /** A row of {@code table} owned by the app user, written as the database owner; its id. */
    private static int seed(String table, int appUserId) throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            String sql = switch (table) {
                case "users" -> "select " + appUserId;
                case "mood_entries" -> "insert into moodscale.mood_entries (user_id, mood_score, notes) values ("
                        + appUserId + ", 5, 'seed') returning id";
                case "music_analysis" -> "insert into moodscale.music_analysis (user_id, spotify_track_id, track_name, artist_name, "
                        + "audio_features) values (" + appUserId + ", 't', 'seed', 'a', '{\"valence\": 0.3}') returning id";
                case "recommendations" -> "insert into moodscale.recommendations (user_id, spotify_track_id, track_name, artist_name) "
                        + "values (" + appUserId + ", 't', 'seed', 'a') returning id";
                case "personality_insights" -> "insert into moodscale.personality_insights (user_id, music_dna) values ("
                        + appUserId + ", 'seed') returning id";
                default -> throw new IllegalArgumentException(table);
            };
            return Integer.parseInt(query(owner, sql));
        }
    }

    private static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/rest/v1/" + path))
                .header("apikey", server.anonKey())
                .header("Authorization", "Bearer " + token)
                .header("Accept-Profile", SCHEMA)
                .header("Content-Profile", SCHEMA)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return server.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void exec(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    private static String query(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
