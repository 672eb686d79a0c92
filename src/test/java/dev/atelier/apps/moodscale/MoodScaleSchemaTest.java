package dev.atelier.apps.moodscale;

import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.ReferenceData;
import dev.atelier.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The MoodScale schema as the database enforces it, checked with SQL underneath the API: every
 * CHECK, the sign-up trigger and its backfill, the identity helpers, the mood_entries default,
 * the audio features of real Spotify responses, and what users may and may not do.
 */
class MoodScaleSchemaTest {

    private static final TestServer server = TestServer.get();
    /** Read lazily, so a missing ../shared fails each test with directions instead of breaking class loading. */
    private static Path spotify() {
        return ReferenceData.path("spotify");
    }

    private static UUID identityA;
    private static UUID identityB;
    private static int userA;
    private static int userB;
    private static int moodA;

    @BeforeAll
    static void fixtures() throws SQLException {
        identityA = server.newUser().id();
        identityB = server.newUser().id();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            userA = appUserId(owner, identityA);
            userB = appUserId(owner, identityB);
            moodA = Integer.parseInt(queryString(
                    owner,
                    "insert into moodscale.mood_entries (user_id, mood_score) values (" + userA + ", 6) returning id"));
        }
    }

    /** Each case: a row that inserts fine, and one column value that must break a CHECK. */
    static Stream<Arguments> checkViolations() {
        Map<String, String> mood = Map.of("user_id", "$A", "mood_score", "5");
        Map<String, String> analysis = Map.of(
                "user_id",
                "$A",
                "spotify_track_id",
                "t1",
                "track_name",
                "Song",
                "artist_name",
                "Artist",
                "audio_features",
                "{\"valence\": 0.5}");
        Map<String, String> recommendation = Map.of(
                "user_id",
                "$A",
                "spotify_track_id",
                "t1",
                "track_name",
                "Song",
                "artist_name",
                "Artist",
                "mood_entry_id",
                "$MOOD");
        Map<String, String> insight = Map.of("user_id", "$A", "music_dna", "bright");
        return Stream.of(
                Arguments.of("mood_entries", mood, "mood_score", "0", "mood_entries_mood_score_check"),
                Arguments.of("mood_entries", mood, "mood_score", "11", "mood_entries_mood_score_check"),
                Arguments.of(
                        "music_analysis", analysis, "mood_confidence", "-0.01", "music_analysis_mood_confidence_check"),
                Arguments.of(
                        "music_analysis", analysis, "mood_confidence", "1.01", "music_analysis_mood_confidence_check"),
                Arguments.of(
                        "music_analysis", analysis, "audio_features", "[0.5]", "music_analysis_audio_features_object"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"danceability\": -0.1}",
                        "music_analysis_danceability_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"energy\": 1.1}",
                        "music_analysis_energy_check"),
                Arguments.of("music_analysis", analysis, "audio_features", "{\"key\": 12}", "music_analysis_key_check"),
                Arguments.of("music_analysis", analysis, "audio_features", "{\"key\": -2}", "music_analysis_key_check"),
                Arguments.of(
                        "music_analysis", analysis, "audio_features", "{\"mode\": 2}", "music_analysis_mode_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"speechiness\": 1.5}",
                        "music_analysis_speechiness_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"acousticness\": -1}",
                        "music_analysis_acousticness_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"instrumentalness\": 2}",
                        "music_analysis_instrumentalness_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"liveness\": 1.01}",
                        "music_analysis_liveness_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"valence\": 1.5}",
                        "music_analysis_valence_check"),
                Arguments.of(
                        "music_analysis", analysis, "audio_features", "{\"tempo\": -1}", "music_analysis_tempo_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"duration_ms\": -1}",
                        "music_analysis_duration_ms_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"time_signature\": 8}",
                        "music_analysis_time_signature_check"),
                Arguments.of(
                        "music_analysis",
                        analysis,
                        "audio_features",
                        "{\"time_signature\": 2}",
                        "music_analysis_time_signature_check"),
                Arguments.of(
                        "recommendations", recommendation, "match_score", "-0.01", "recommendations_match_score_check"),
                Arguments.of(
                        "recommendations", recommendation, "match_score", "1.01", "recommendations_match_score_check"),
                Arguments.of(
                        "personality_insights",
                        insight,
                        "energy_level",
                        "-0.01",
                        "personality_insights_energy_level_check"),
                Arguments.of(
                        "personality_insights",
                        insight,
                        "energy_level",
                        "1.01",
                        "personality_insights_energy_level_check"),
                Arguments.of(
                        "personality_insights",
                        insight,
                        "positivity_level",
                        "-0.01",
                        "personality_insights_positivity_level_check"),
                Arguments.of(
                        "personality_insights",
                        insight,
                        "positivity_level",
                        "1.01",
                        "personality_insights_positivity_level_check"));
    }

    @ParameterizedTest(name = "{0}.{2} = ''{3}'' breaks {4}")
    @MethodSource("checkViolations")
    void everyCheckRejectsABadRow(
            String table, Map<String, String> validRow, String column, String badValue, String constraint)
            throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            insert(owner, "moodscale." + table, validRow); // the row is valid without the bad value
            Map<String, String> bad = new LinkedHashMap<>(validRow);
            bad.put(column, badValue);
            assertThatThrownBy(() -> insert(owner, "moodscale." + table, bad))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23514");
                        assertThat(e.getMessage()).contains(constraint);
                    });
            owner.rollback();
        }
    }

    @Test
    void theBoundsOfEveryRangeAreAccepted() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            for (String score : List.of("1", "10")) {
                insert(owner, "moodscale.mood_entries", Map.of("user_id", "$A", "mood_score", score));
            }
            for (String bound : List.of("0", "1")) {
                insert(
                        owner,
                        "moodscale.music_analysis",
                        Map.of(
                                "user_id",
                                "$A",
                                "spotify_track_id",
                                "t",
                                "track_name",
                                "n",
                                "artist_name",
                                "a",
                                "mood_confidence",
                                bound,
                                "audio_features",
                                "{\"danceability\": " + bound + ", \"valence\": " + bound + ", \"key\": -1, \"mode\": "
                                        + bound + ", \"time_signature\": 3, \"tempo\": 0, \"loudness\": 1.2}"));
                insert(
                        owner,
                        "moodscale.recommendations",
                        Map.of(
                                "user_id",
                                "$A",
                                "spotify_track_id",
                                "t",
                                "track_name",
                                "n",
                                "artist_name",
                                "a",
                                "match_score",
                                bound));
                insert(
                        owner,
                        "moodscale.personality_insights",
                        Map.of("user_id", "$A", "energy_level", bound, "positivity_level", bound));
            }
            owner.rollback();
        }
    }

    @Test
    void usersChecksRejectBadRolesUsernamesAndTokensWithoutAKeyId() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            Map<String, String> badUpdates = Map.of(
                    "role = 'superuser'", "users_role_check",
                    "username = ''", "users_username_length",
                    "username = repeat('x', 65)", "users_username_length",
                    "spotify_access_token_encrypted = '\\x01'", "users_encrypted_tokens_have_key_id",
                    "spotify_refresh_token_encrypted = '\\x01'", "users_encrypted_tokens_have_key_id",
                    "encryption_key_id = ''", "users_encryption_key_id_not_blank");
            for (Map.Entry<String, String> bad : badUpdates.entrySet()) {
                exec(owner, "savepoint s");
                assertThatThrownBy(() ->
                                exec(owner, "update moodscale.users set " + bad.getKey() + " where id = " + userA))
                        .as(bad.getKey())
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("23514");
                            assertThat(e.getMessage()).contains(bad.getValue());
                        });
                exec(owner, "rollback to savepoint s");
            }
            exec(
                    owner,
                    "update moodscale.users set spotify_access_token_encrypted = '\\x01', "
                            + "spotify_refresh_token_encrypted = '\\x02', encryption_key_id = 'k2026', role = 'admin' where id = "
                            + userA);
            owner.rollback();
        }
    }

    @Test
    void signUpCreatesTheAppUserNamedAfterTheEmail() throws SQLException {
        String local = "mood" + UUID.randomUUID().toString().substring(0, 8);
        TestServer.TestUser user = server.signUp(local + "@example.test", "correct horse battery");
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(queryString(
                            owner,
                            "select username || '|' || role from moodscale.users where auth_user_id = '" + user.id()
                                    + "'"))
                    .isEqualTo(local + "|user");
        }
    }

    @Test
    void signUpWithAChosenUsernameUsesItTrimmed() throws Exception {
        String chosen = "Chosen " + UUID.randomUUID().toString().substring(0, 8);
        ObjectMapper json = server.json();
        HttpResponse<String> response = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/auth/v1/signup"))
                                .header("Content-Type", "application/json")
                                .header("apikey", server.anonKey())
                                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(Map.of(
                                        "email",
                                        "chosen-" + UUID.randomUUID() + "@example.test",
                                        "password",
                                        "correct horse battery",
                                        "data",
                                        Map.of("username", "  " + chosen + "  ")))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        UUID id = UUID.fromString(
                json.readTree(response.body()).path("user").path("id").asText());
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + id + "'"))
                    .isEqualTo(chosen);
        }
    }

    @Test
    void collidingUsernamesNeverFailASignUp() throws SQLException {
        String base = "clash" + UUID.randomUUID().toString().substring(0, 6);
        UUID late = UUID.randomUUID();
        String hex = late.toString().replace("-", "");
        try (Connection owner = server.ownerDataSource().getConnection()) {
            UUID first = insertIdentity(owner, UUID.randomUUID(), base + "@a.test", "{}");
            UUID second = insertIdentity(owner, UUID.randomUUID(), base + "@b.test", "{}");
            UUID third = insertIdentity(
                    owner, UUID.randomUUID(), base + "-other@c.test", "{\"username\": \"" + base + "\"}");
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + first + "'"))
                    .isEqualTo(base);
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + second + "'"))
                    .isEqualTo(base + "-" + second.toString().replace("-", "").substring(0, 8));
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + third + "'"))
                    .isEqualTo(base + "-" + third.toString().replace("-", "").substring(0, 8));
            // Every name the next identity would derive is already taken: it still gets a row.
            exec(
                    owner,
                    "update moodscale.users set username = '" + base + "-" + hex.substring(0, 8)
                            + "' where auth_user_id = '" + second + "'");
            exec(
                    owner,
                    "update moodscale.users set username = '" + base + "-" + hex + "' where auth_user_id = '" + third
                            + "'");
            insertIdentity(owner, late, base + "@d.test", "{}");
            String name =
                    queryString(owner, "select username from moodscale.users where auth_user_id = '" + late + "'");
            assertThat(name).startsWith(base + "-").isNotIn(base, base + "-" + hex.substring(0, 8), base + "-" + hex);
            assertThat(queryString(owner, "select count(*) from moodscale.users where username like '" + base + "%'"))
                    .isEqualTo("4");
        }
    }

    @Test
    void anIdentityWithoutEmailOrChosenNameIsCalledUser() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            UUID id = insertIdentity(owner, UUID.randomUUID(), null, "{\"username\": \"   \"}");
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + id + "'"))
                    .matches("user(-[0-9a-f]+)?");
        }
    }

    @Test
    void theBackfillCreatesMissingAppUsersOnceOldestFirst() throws SQLException {
        String base = "early" + UUID.randomUUID().toString().substring(0, 6);
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            exec(owner, "alter table auth.users disable trigger on_auth_user_created");
            UUID newer = insertIdentity(owner, UUID.randomUUID(), base + "@b.test", "{}");
            exec(owner, "update auth.users set created_at = now() - interval '1 day' where id = '" + newer + "'");
            UUID older = insertIdentity(owner, UUID.randomUUID(), base + "@a.test", "{}");
            exec(owner, "update auth.users set created_at = now() - interval '2 days' where id = '" + older + "'");
            exec(owner, "alter table auth.users enable trigger on_auth_user_created");
            assertThat(queryString(
                            owner,
                            "select count(*) from moodscale.users where auth_user_id in ('" + older + "', '" + newer
                                    + "')"))
                    .isEqualTo("0");
            String backfill = "select moodscale.create_user_for_identity(a.id, a.email, a.raw_user_meta_data) "
                    + "from (select id, email, raw_user_meta_data from auth.users order by created_at, id) a";
            exec(owner, backfill);
            exec(owner, backfill);
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + older + "'"))
                    .isEqualTo(base);
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + newer + "'"))
                    .startsWith(base + "-");
            assertThat(queryString(
                            owner, "select count(*) from moodscale.users u join auth.users a on a.id = u.auth_user_id"))
                    .isEqualTo(queryString(owner, "select count(*) from auth.users"));
            owner.rollback();
        }
    }

    @Test
    void currentUserIdAndIsAdminFollowTheToken() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            assertThat(asRole(
                            conn,
                            "authenticated",
                            identityA,
                            "select moodscale.current_user_id()::text || '|' || moodscale.is_admin()::text"))
                    .isEqualTo(userA + "|false");
            assertThat(
                            asRole(
                                    conn,
                                    "anon",
                                    null,
                                    "select coalesce(moodscale.current_user_id()::text, 'none') || '|' || moodscale.is_admin()::text"))
                    .isEqualTo("none|false");
            TestServer.TestUser admin = server.newUser();
            exec(conn, "update moodscale.users set role = 'admin' where auth_user_id = '" + admin.id() + "'");
            assertThat(asRole(conn, "authenticated", admin.id(), "select moodscale.is_admin()::text"))
                    .isEqualTo("true");
        }
    }

    @Test
    void aUserLogsMoodsWithoutKnowingTheirIdAndReadsThemNewestFirst() throws SQLException {
        TestServer.TestUser user = server.newUser();
        try (Connection conn = server.ownerDataSource().getConnection()) {
            int appUser = appUserId(conn, user.id());
            asRole(
                    conn,
                    "authenticated",
                    user.id(),
                    "insert into moodscale.mood_entries (mood_score, notes, created_at) "
                            + "values (4, 'first', now() - interval '2 hours'), (8, 'second', now() - interval '1 hour'), (6, 'third', now()) "
                            + "returning 1");
            assertThat(
                            asRole(
                                    conn,
                                    "authenticated",
                                    user.id(),
                                    "select string_agg(notes || ':' || user_id, ',' order by created_at desc) from moodscale.mood_entries"))
                    .isEqualTo("third:" + appUser + ",second:" + appUser + ",first:" + appUser);
        }
    }

    @Test
    void aUserCannotLogAMoodForSomeoneElse() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            assertThatThrownBy(() -> asRole(
                            conn,
                            "authenticated",
                            identityB,
                            "insert into moodscale.mood_entries (user_id, mood_score) values (" + userA
                                    + ", 3) returning 1"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> asRole(
                            conn,
                            "authenticated",
                            identityB,
                            "update moodscale.mood_entries set user_id = " + userA + " returning 1"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> asRole(
                            conn,
                            "authenticated",
                            identityB,
                            "insert into moodscale.mood_entries (id, mood_score) values (2000000000, 3) returning 1"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThat(asRole(
                            conn,
                            "authenticated",
                            identityB,
                            "select count(*) from moodscale.mood_entries where id = " + moodA))
                    .isEqualTo("0");
        }
    }

    @Test
    void aUserRenamesThemselvesButCannotBecomeAdminNorReadTheTokens() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            String name = "renamed" + UUID.randomUUID().toString().substring(0, 8);
            assertThat(asRole(
                            conn,
                            "authenticated",
                            identityB,
                            "with u as (update moodscale.users set username = '" + name
                                    + "' returning username) select username from u"))
                    .isEqualTo(name);
            assertThatThrownBy(() -> asRole(
                            conn, "authenticated", identityB, "update moodscale.users set role = 'admin' returning 1"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            for (String column :
                    List.of("spotify_access_token_encrypted", "spotify_refresh_token_encrypted", "encryption_key_id")) {
                assertThatThrownBy(() -> asRole(
                                conn, "authenticated", identityB, "select " + column + "::text from moodscale.users"))
                        .as(column)
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
                assertThatThrownBy(() -> asRole(
                                conn,
                                "authenticated",
                                identityB,
                                "update moodscale.users set " + column + " = null returning 1"))
                        .as(column)
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
            assertThat(asRole(conn, "authenticated", identityB, "select count(*) from moodscale.users"))
                    .isEqualTo("1");
            assertThat(asRole(
                            conn,
                            "service_role",
                            null,
                            "select count(spotify_access_token_encrypted) >= 0 from moodscale.users"))
                    .isEqualTo("t");
            assertThat(queryString(conn, "select role from moodscale.users where id = " + userB))
                    .isEqualTo("user");
        }
    }

    @Test
    void theAdminSeesAiOutputAndAccountsButNotOtherPeoplesMoods() throws SQLException {
        TestServer.TestUser admin = server.newUser();
        try (Connection conn = server.ownerDataSource().getConnection()) {
            exec(conn, "update moodscale.users set role = 'admin' where auth_user_id = '" + admin.id() + "'");
            int rec = Integer.parseInt(queryString(
                    conn,
                    "insert into moodscale.recommendations "
                            + "(user_id, spotify_track_id, track_name, artist_name) values (" + userA
                            + ", 't', 'n', 'a') returning id"));
            assertThat(asRole(
                            conn,
                            "authenticated",
                            admin.id(),
                            "select count(*) from moodscale.recommendations where id = " + rec))
                    .isEqualTo("1");
            assertThat(asRole(
                            conn,
                            "authenticated",
                            admin.id(),
                            "select count(*) from moodscale.users where id = " + userA))
                    .isEqualTo("1");
            assertThat(asRole(
                            conn,
                            "authenticated",
                            admin.id(),
                            "select count(*) from moodscale.mood_entries where id = " + moodA))
                    .isEqualTo("0");
            assertThat(asRole(
                            conn,
                            "authenticated",
                            identityB,
                            "select count(*) from moodscale.recommendations where id = " + rec))
                    .isEqualTo("0");
            asRole(
                    conn,
                    "authenticated",
                    admin.id(),
                    "with d as (delete from moodscale.recommendations where id = " + rec
                            + " returning 1) select count(*) from d");
            assertThat(queryString(conn, "select count(*) from moodscale.recommendations where id = " + rec))
                    .isEqualTo("0");
        }
    }

    @Test
    void theAudioFeaturesOfRealSpotifyResponsesFillTheGeneratedColumns() throws Exception {
        ObjectMapper json = server.json();
        List<JsonNode> features = new ArrayList<>();
        for (String file : List.of(
                "spotify-web-api-java_GetAudioFeaturesForTrackRequest.json",
                "spotify-web-api-java_GetSeveralAudioFeaturesRequest.json")) {
            json.readTree(spotify().resolve(file).toFile())
                    .path("audio_features")
                    .forEach(features::add);
        }
        assertThat(features).hasSizeGreaterThanOrEqualTo(2);
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            for (JsonNode f : features) {
                String id = insert(
                        owner,
                        "moodscale.music_analysis",
                        Map.of(
                                "user_id",
                                "$A",
                                "spotify_track_id",
                                f.path("id").asText(),
                                "track_name",
                                "n",
                                "artist_name",
                                "a",
                                "audio_features",
                                f.toString()));
                try (Statement st = owner.createStatement();
                        ResultSet rs = st.executeQuery("select danceability, energy, key, loudness, "
                                + "mode, speechiness, acousticness, instrumentalness, liveness, valence, tempo, duration_ms, time_signature "
                                + "from moodscale.music_analysis where id = " + id)) {
                    rs.next();
                    assertThat(rs.getFloat("danceability"))
                            .isEqualTo((float) f.path("danceability").asDouble());
                    assertThat(rs.getFloat("energy"))
                            .isEqualTo((float) f.path("energy").asDouble());
                    assertThat(rs.getInt("key")).isEqualTo(f.path("key").asInt());
                    assertThat(rs.getFloat("loudness"))
                            .isEqualTo((float) f.path("loudness").asDouble());
                    assertThat(rs.getInt("mode")).isEqualTo(f.path("mode").asInt());
                    assertThat(rs.getFloat("speechiness"))
                            .isEqualTo((float) f.path("speechiness").asDouble());
                    assertThat(rs.getFloat("acousticness"))
                            .isEqualTo((float) f.path("acousticness").asDouble());
                    assertThat(rs.getFloat("instrumentalness"))
                            .isEqualTo((float) f.path("instrumentalness").asDouble());
                    assertThat(rs.getFloat("liveness"))
                            .isEqualTo((float) f.path("liveness").asDouble());
                    assertThat(rs.getFloat("valence"))
                            .isEqualTo((float) f.path("valence").asDouble());
                    assertThat(rs.getFloat("tempo"))
                            .isEqualTo((float) f.path("tempo").asDouble());
                    assertThat(rs.getInt("duration_ms"))
                            .isEqualTo(f.path("duration_ms").asInt());
                    assertThat(rs.getInt("time_signature"))
                            .isEqualTo(f.path("time_signature").asInt());
                }
            }
            owner.rollback();
        }
    }

    @Test
    void everyTrackOfTheSpotifySongsSampleIsAccepted() throws IOException, SQLException {
        List<String> lines = Files.readAllLines(spotify().resolve("tidytuesday_spotify_songs_head25.csv"));
        String[] header = lines.get(0).split(",");
        List<String> featureNames = List.of(header).subList(header.length - 12, header.length);
        assertThat(featureNames).first().isEqualTo("danceability");
        assertThat(featureNames).last().isEqualTo("duration_ms");
        ObjectMapper json = server.json();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            int rows = 0;
            for (String line : lines.subList(1, lines.size())) {
                // Titles may hold quoted commas; the 12 numeric features are always the last fields.
                String[] fields = line.split(",");
                ObjectNode features = json.createObjectNode();
                for (int i = 0; i < 12; i++) {
                    features.put(featureNames.get(i), Double.parseDouble(fields[fields.length - 12 + i]));
                }
                features.put("key", (int) features.path("key").asDouble());
                features.put("mode", (int) features.path("mode").asDouble());
                features.put("duration_ms", (int) features.path("duration_ms").asDouble());
                String id = insert(
                        owner,
                        "moodscale.music_analysis",
                        Map.of(
                                "user_id",
                                "$A",
                                "spotify_track_id",
                                fields[0],
                                "track_name",
                                "n",
                                "artist_name",
                                "a",
                                "audio_features",
                                features.toString()));
                try (Statement st = owner.createStatement();
                        ResultSet rs = st.executeQuery(
                                "select valence, energy, tempo, key from moodscale.music_analysis where id = " + id)) {
                    rs.next();
                    assertThat(rs.getFloat(1))
                            .isEqualTo((float) features.path("valence").asDouble());
                    assertThat(rs.getFloat(2))
                            .isEqualTo((float) features.path("energy").asDouble());
                    assertThat(rs.getFloat(3))
                            .isEqualTo((float) features.path("tempo").asDouble());
                    assertThat(rs.getInt(4)).isEqualTo(features.path("key").asInt());
                }
                rows++;
            }
            assertThat(rows).isEqualTo(25);
            owner.rollback();
        }
    }

    @Test
    void aFeatureOfTheWrongTypeFailsTheInsert() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThatThrownBy(() -> insert(
                            owner,
                            "moodscale.music_analysis",
                            Map.of(
                                    "user_id",
                                    "$A",
                                    "spotify_track_id",
                                    "t",
                                    "track_name",
                                    "n",
                                    "artist_name",
                                    "a",
                                    "audio_features",
                                    "{\"tempo\": \"fast\"}")))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22P02"));
        }
    }

    @Test
    void deletingAMoodEntryKeepsItsRecommendation() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            String mood = insert(owner, "moodscale.mood_entries", Map.of("user_id", "$A", "mood_score", "2"));
            String rec = insert(
                    owner,
                    "moodscale.recommendations",
                    Map.of(
                            "user_id",
                            "$A",
                            "spotify_track_id",
                            "t",
                            "track_name",
                            "n",
                            "artist_name",
                            "a",
                            "mood_entry_id",
                            mood));
            exec(owner, "delete from moodscale.mood_entries where id = " + mood);
            assertThat(queryString(
                            owner,
                            "select coalesce(mood_entry_id::text, 'null') from moodscale.recommendations where id = "
                                    + rec))
                    .isEqualTo("null");
            owner.rollback();
        }
    }

    @Test
    void deletingTheIdentityDeletesEverythingOfItsUser() throws SQLException {
        TestServer.TestUser user = server.newUser();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            int id = appUserId(owner, user.id());
            exec(owner, "insert into moodscale.mood_entries (user_id, mood_score) values (" + id + ", 5)");
            exec(
                    owner,
                    "insert into moodscale.music_analysis (user_id, spotify_track_id, track_name, artist_name) values ("
                            + id + ", 't', 'n', 'a')");
            exec(
                    owner,
                    "insert into moodscale.recommendations (user_id, spotify_track_id, track_name, artist_name) values ("
                            + id + ", 't', 'n', 'a')");
            exec(owner, "insert into moodscale.personality_insights (user_id) values (" + id + ")");
            exec(owner, "delete from auth.users where id = '" + user.id() + "'");
            assertThat(queryString(
                            owner,
                            "select (select count(*) from moodscale.users where id = " + id + ") "
                                    + "+ (select count(*) from moodscale.mood_entries where user_id = " + id + ") "
                                    + "+ (select count(*) from moodscale.music_analysis where user_id = " + id + ") "
                                    + "+ (select count(*) from moodscale.recommendations where user_id = " + id + ") "
                                    + "+ (select count(*) from moodscale.personality_insights where user_id = " + id
                                    + ")"))
                    .isEqualTo("0");
        }
    }

    /** Runs one statement as a request role with the identity's claims (none for null) and commits; returns the first value. */
    private static String asRole(Connection conn, String role, UUID identity, String sql) throws SQLException {
        return OwnerSql.callAs(conn, role, identity == null ? null : OwnerSql.claims(identity, role), sql);
    }

    private static int appUserId(Connection conn, UUID identity) throws SQLException {
        return Integer.parseInt(
                queryString(conn, "select id from moodscale.users where auth_user_id = '" + identity + "'"));
    }

    private static UUID insertIdentity(Connection conn, UUID id, String email, String meta) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "insert into auth.users (id, email, raw_user_meta_data) values (?, ?, ?::jsonb)")) {
            ps.setObject(1, id);
            ps.setString(2, email);
            ps.setString(3, meta);
            ps.executeUpdate();
        }
        return id;
    }

    /** Inserts with every value as an untyped literal, so PostgreSQL converts it as a client's text would be. */
    private static String insert(Connection conn, String table, Map<String, String> row) throws SQLException {
        Map<String, String> resolved = new LinkedHashMap<>();
        row.forEach((k, v) -> resolved.put(
                k,
                switch (v) {
                    case "$A" -> String.valueOf(userA);
                    case "$MOOD" -> String.valueOf(moodA);
                    default -> v;
                }));
        return OwnerSql.insert(conn, table, resolved, "id");
    }
}
