package dev.atelier.apps.moodscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.atelier.testing.LiveCatalog;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The live moodscale schema against seeds/moodscale.md: every table, column and type family,
 * unique, check, foreign key, index, function and trigger the document names, and the designed
 * columns of docs/apps/moodscale.md, pinned.
 */
class MoodScaleSchemaConformanceTest {

    private static final DataSource owner = TestServer.get().ownerPool();
    private static final LiveCatalog catalog = new LiveCatalog(owner, "moodscale");

    @Test
    void hasExactlyTheDocumentsTables() {
        assertThat(catalog.tables())
                .containsExactlyInAnyOrder(
                        "users", "mood_entries", "music_analysis", "recommendations", "personality_insights");
    }

    @Test
    void usersHasTheDocumentsColumnsWithTokensOnlyEncrypted() {
        // spotify_access_token / spotify_refresh_token are replaced by sealed bytea (designed), never plaintext.
        assertThat(catalog.columns("users"))
                .containsExactly(
                        entry("id", "integer"),
                        entry("auth_user_id", "uuid"),
                        entry("username", "text"),
                        entry("spotify_id", "text"),
                        entry("spotify_access_token_encrypted", "bytea"),
                        entry("spotify_refresh_token_encrypted", "bytea"),
                        entry("encryption_key_id", "text"),
                        entry("spotify_token_expires_at", "timestamptz"),
                        entry("role", "text"),
                        entry("created_at", "timestamptz"));
        assertThat(catalog.columns("users")).doesNotContainKeys("spotify_access_token", "spotify_refresh_token");
        assertThat(catalog.notNullColumns("users"))
                .containsExactlyInAnyOrder("id", "auth_user_id", "username", "role", "created_at");
        assertThat(catalog.defaults("users"))
                .containsEntry("role", "'user'::text")
                .containsEntry("created_at", "now()")
                .hasEntrySatisfying("id", d -> assertThat(d).startsWith("nextval('moodscale.users_id_seq'"));
        assertThat(catalog.uniqueColumnSets("users")).containsExactlyInAnyOrder("id", "auth_user_id", "username");
        assertThat(catalog.foreignKeys("users"))
                .containsExactly("FOREIGN KEY (auth_user_id) REFERENCES auth.users(id) ON DELETE CASCADE");
    }

    @Test
    void moodEntriesHasTheDocumentsColumnsAndDefaultsToTheCallersUserId() {
        assertThat(catalog.columns("mood_entries"))
                .containsExactly(
                        entry("id", "integer"),
                        entry("user_id", "integer"),
                        entry("mood_score", "integer"),
                        entry("emotions", "text[]"),
                        entry("notes", "text"),
                        entry("created_at", "timestamptz"));
        assertThat(catalog.notNullColumns("mood_entries"))
                .containsExactlyInAnyOrder("id", "user_id", "mood_score", "created_at");
        assertThat(catalog.defaults("mood_entries"))
                .containsEntry("user_id", "moodscale.current_user_id()")
                .containsEntry("created_at", "now()");
        assertThat(catalog.foreignKeys("mood_entries"))
                .containsExactly("FOREIGN KEY (user_id) REFERENCES moodscale.users(id) ON DELETE CASCADE");
    }

    @Test
    void musicAnalysisHasTheDocumentsColumnsAndTheAudioFeaturesAsGeneratedColumns() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("id", "integer");
        expected.put("user_id", "integer");
        expected.put("spotify_track_id", "text");
        expected.put("track_name", "text");
        expected.put("artist_name", "text");
        expected.put("album_image", "text");
        expected.put("audio_features", "jsonb");
        expected.put("predicted_mood", "text");
        expected.put("mood_confidence", "real");
        expected.put("created_at", "timestamptz");
        // Designed: Spotify's numeric audio features, generated from audio_features.
        expected.put("danceability", "real");
        expected.put("energy", "real");
        expected.put("key", "integer");
        expected.put("loudness", "real");
        expected.put("mode", "integer");
        expected.put("speechiness", "real");
        expected.put("acousticness", "real");
        expected.put("instrumentalness", "real");
        expected.put("liveness", "real");
        expected.put("valence", "real");
        expected.put("tempo", "real");
        expected.put("duration_ms", "integer");
        expected.put("time_signature", "integer");
        assertThat(catalog.columns("music_analysis")).containsExactlyEntriesOf(expected);
        assertThat(catalog.notNullColumns("music_analysis"))
                .containsExactlyInAnyOrder(
                        "id", "user_id", "spotify_track_id", "track_name", "artist_name", "created_at");
        assertThat(generatedColumns("music_analysis"))
                .containsExactlyInAnyOrder(
                        "danceability",
                        "energy",
                        "key",
                        "loudness",
                        "mode",
                        "speechiness",
                        "acousticness",
                        "instrumentalness",
                        "liveness",
                        "valence",
                        "tempo",
                        "duration_ms",
                        "time_signature");
        assertThat(catalog.foreignKeys("music_analysis"))
                .containsExactly("FOREIGN KEY (user_id) REFERENCES moodscale.users(id) ON DELETE CASCADE");
        // Per user, not shared by track: no unique on the track id.
        assertThat(catalog.uniqueColumnSets("music_analysis")).containsExactly("id");
    }

    @Test
    void recommendationsHasTheDocumentsColumns() {
        assertThat(catalog.columns("recommendations"))
                .containsExactly(
                        entry("id", "integer"),
                        entry("user_id", "integer"),
                        entry("mood_entry_id", "integer"),
                        entry("spotify_track_id", "text"),
                        entry("track_name", "text"),
                        entry("artist_name", "text"),
                        entry("album_image", "text"),
                        entry("reason", "text"),
                        entry("match_score", "real"),
                        entry("created_at", "timestamptz"));
        assertThat(catalog.notNullColumns("recommendations"))
                .containsExactlyInAnyOrder(
                        "id", "user_id", "spotify_track_id", "track_name", "artist_name", "created_at");
        assertThat(catalog.foreignKeys("recommendations"))
                .containsExactlyInAnyOrder(
                        "FOREIGN KEY (user_id) REFERENCES moodscale.users(id) ON DELETE CASCADE",
                        "FOREIGN KEY (mood_entry_id) REFERENCES moodscale.mood_entries(id) ON DELETE SET NULL");
    }

    @Test
    void personalityInsightsHasTheDocumentsColumns() {
        assertThat(catalog.columns("personality_insights"))
                .containsExactly(
                        entry("id", "integer"),
                        entry("user_id", "integer"),
                        entry("music_dna", "text"),
                        entry("energy_level", "real"),
                        entry("positivity_level", "real"),
                        entry("ai_suggestion", "text"),
                        entry("generated_at", "timestamptz"));
        assertThat(catalog.notNullColumns("personality_insights"))
                .containsExactlyInAnyOrder("id", "user_id", "generated_at");
        assertThat(catalog.defaults("personality_insights")).containsEntry("generated_at", "now()");
        assertThat(catalog.foreignKeys("personality_insights"))
                .containsExactly("FOREIGN KEY (user_id) REFERENCES moodscale.users(id) ON DELETE CASCADE");
    }

    @Test
    void everyCheckExistsByName() {
        assertThat(catalog.checks("users").keySet())
                .containsExactlyInAnyOrder(
                        "users_role_check",
                        "users_username_length",
                        "users_encrypted_tokens_have_key_id",
                        "users_encryption_key_id_not_blank");
        assertThat(catalog.checks("users").get("users_role_check"))
                .contains("'user'::text")
                .contains("'admin'::text");
        assertThat(catalog.checks("mood_entries")).containsOnlyKeys("mood_entries_mood_score_check");
        assertThat(catalog.checks("mood_entries").get("mood_entries_mood_score_check"))
                .isEqualTo("CHECK (((mood_score >= 1) AND (mood_score <= 10)))");
        assertThat(catalog.checks("music_analysis").keySet())
                .containsExactlyInAnyOrder(
                        "music_analysis_mood_confidence_check",
                        "music_analysis_audio_features_object",
                        "music_analysis_danceability_check",
                        "music_analysis_energy_check",
                        "music_analysis_key_check",
                        "music_analysis_mode_check",
                        "music_analysis_speechiness_check",
                        "music_analysis_acousticness_check",
                        "music_analysis_instrumentalness_check",
                        "music_analysis_liveness_check",
                        "music_analysis_valence_check",
                        "music_analysis_tempo_check",
                        "music_analysis_duration_ms_check",
                        "music_analysis_time_signature_check");
        assertThat(catalog.checks("recommendations")).containsOnlyKeys("recommendations_match_score_check");
        assertThat(catalog.checks("personality_insights"))
                .containsOnlyKeys(
                        "personality_insights_energy_level_check", "personality_insights_positivity_level_check");
    }

    @Test
    void everyIndexOfTheDocumentExistsWithItsDefinition() {
        Map<String, String> definitions = catalog.indexDefinitions();
        assertThat(definitions)
                .containsEntry(
                        "idx_mood_entries_user_created",
                        "CREATE INDEX idx_mood_entries_user_created ON moodscale.mood_entries USING btree (user_id, created_at DESC)");
        assertThat(definitions)
                .containsEntry(
                        "idx_music_analysis_user_created",
                        "CREATE INDEX idx_music_analysis_user_created ON moodscale.music_analysis USING btree (user_id, created_at DESC)");
        assertThat(definitions)
                .containsEntry(
                        "idx_recommendations_user_created",
                        "CREATE INDEX idx_recommendations_user_created ON moodscale.recommendations USING btree (user_id, created_at DESC)");
        assertThat(definitions)
                .containsEntry(
                        "idx_personality_insights_user_generated",
                        "CREATE INDEX idx_personality_insights_user_generated ON moodscale.personality_insights USING btree (user_id, generated_at DESC)");
        assertThat(definitions)
                .containsEntry(
                        "idx_users_username",
                        "CREATE INDEX idx_users_username ON moodscale.users USING btree (username)");
        assertThat(definitions)
                .containsEntry(
                        "idx_music_analysis_track",
                        "CREATE INDEX idx_music_analysis_track ON moodscale.music_analysis USING btree (spotify_track_id)");
        // Not in the document: the foreign key SET NULL on mood entry deletion looks up.
        assertThat(definitions)
                .containsEntry(
                        "idx_recommendations_mood_entry",
                        "CREATE INDEX idx_recommendations_mood_entry ON moodscale.recommendations USING btree (mood_entry_id)");
        assertThat(catalog.indexes())
                .containsExactlyInAnyOrder(
                        "idx_mood_entries_user_created",
                        "idx_music_analysis_user_created",
                        "idx_recommendations_user_created",
                        "idx_personality_insights_user_generated",
                        "idx_users_username",
                        "idx_music_analysis_track",
                        "idx_recommendations_mood_entry",
                        "users_pkey",
                        "users_auth_user_id_key",
                        "users_username_key",
                        "mood_entries_pkey",
                        "music_analysis_pkey",
                        "recommendations_pkey",
                        "personality_insights_pkey");
    }

    @Test
    void theDocumentNamesNoEnumAndThereIsNone() {
        assertThat(catalog.enums()).isEmpty();
    }

    @Test
    void functionsAreDefinerRightsWithAnEmptySearchPath() throws SQLException {
        assertThat(catalog.functions())
                .containsExactlyInAnyOrder("current_user_id", "is_admin", "create_user_for_identity");
        // name -> volatility, security definer, config
        assertThat(functionTraits())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "current_user_id", "s|true|search_path=\"\"",
                        "is_admin", "s|true|search_path=\"\"",
                        "create_user_for_identity", "v|false|search_path=\"\""));
    }

    @Test
    void signUpsProvisionMoodScaleThroughThePlatformsIdentityHookAndNoTriggerOfItsOwn() {
        assertThat(catalog.identityProvisioner()).isEqualTo("moodscale.create_user_for_identity");
        for (String table : catalog.tables()) {
            assertThat(catalog.triggers(table)).as(table).isEmpty();
        }
    }

    @Test
    void onlyTheServiceRoleReachesTheTokenColumnsAndTheRoleColumn() throws SQLException {
        for (String column :
                Set.of("spotify_access_token_encrypted", "spotify_refresh_token_encrypted", "encryption_key_id")) {
            for (String privilege : Set.of("SELECT", "INSERT", "UPDATE")) {
                assertThat(columnPrivilege("authenticated", column, privilege))
                        .as("authenticated %s %s", privilege, column)
                        .isFalse();
                assertThat(columnPrivilege("anon", column, privilege))
                        .as("anon %s %s", privilege, column)
                        .isFalse();
                assertThat(columnPrivilege("service_role", column, privilege))
                        .as("service_role %s %s", privilege, column)
                        .isTrue();
            }
        }
        assertThat(columnPrivilege("authenticated", "role", "UPDATE")).isFalse();
        assertThat(columnPrivilege("authenticated", "role", "SELECT")).isTrue();
        assertThat(columnPrivilege("authenticated", "username", "UPDATE")).isTrue();
    }

    private static Set<String> generatedColumns(String table) {
        Set<String> out = new java.util.LinkedHashSet<>();
        query(
                "select a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid "
                        + "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'moodscale' and c.relname = ? "
                        + "and a.attgenerated = 's' and not a.attisdropped",
                rs -> out.add(rs.getString(1)),
                table);
        return out;
    }

    private static Map<String, String> functionTraits() {
        Map<String, String> out = new LinkedHashMap<>();
        query(
                "select p.proname, p.provolatile::text || '|' || p.prosecdef::text || '|' || array_to_string(p.proconfig, ',') "
                        + "from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = ?",
                rs -> out.put(rs.getString(1), rs.getString(2)),
                "moodscale");
        return out;
    }

    private static boolean columnPrivilege(String role, String column, String privilege) throws SQLException {
        try (Connection c = owner.getConnection();
                PreparedStatement ps = c.prepareStatement("select has_column_privilege(?, 'moodscale.users', ?, ?)")) {
            ps.setString(1, role);
            ps.setString(2, column);
            ps.setString(3, privilege);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void query(String sql, RowHandler handler, String... params) {
        try (Connection c = owner.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    handler.handle(rs);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface RowHandler {
        void handle(ResultSet rs) throws SQLException;
    }
}
