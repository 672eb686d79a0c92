package dev.atelier.apps.infinitestories;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.LiveCatalog;
import dev.atelier.testing.TestServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The live infinitestories schema against seeds/infinitestories.md: tables, columns, indexes, uniques, functions, triggers, RLS. */
class InfiniteStoriesSchemaConformanceTest {

    private static final LiveCatalog catalog = new LiveCatalog(TestServer.get().ownerPool(), "infinitestories");

    /** Every column of the document with its type family; play_events is ours (the document's "could be a separate table"). */
    static Stream<Arguments> tables() {
        return Stream.of(
                table(
                        "heroes",
                        "id uuid, user_id uuid, name text, primary_trait text, secondary_trait text, appearance text, "
                                + "special_ability text, avatar_prompt text, avatar_url text, avatar_generation_id text, visual_profile jsonb, "
                                + "created_at timestamptz, updated_at timestamptz, is_active boolean"),
                table(
                        "stories",
                        "id uuid, user_id uuid, hero_id uuid, custom_event_id uuid, title text, content text, event_type text, "
                                + "event_data jsonb, audio_url text, audio_duration interval, audio_voice text, language text, "
                                + "estimated_duration interval, word_count integer, generation_metadata jsonb, created_at timestamptz, "
                                + "updated_at timestamptz, is_favorite boolean, play_count integer, last_played_at timestamptz, "
                                // V80, not in the document: the generation's status (docs/apps/infinitestories.md)
                                + "status text"),
                table(
                        "story_scenes",
                        "id uuid, story_id uuid, scene_number integer, text_segment text, illustration_prompt text, "
                                + "sanitized_prompt text, timestamp_seconds numeric, emotion text, importance text, created_at timestamptz"),
                table(
                        "story_illustrations",
                        "id uuid, scene_id uuid, story_id uuid, image_url text, thumbnail_url text, "
                                + "generation_id text, previous_generation_id text, revised_prompt text, status text, error_message text, "
                                + "retry_count integer, generation_metadata jsonb, created_at timestamptz, updated_at timestamptz"),
                table(
                        "custom_events",
                        "id uuid, user_id uuid, title text, description text, prompt_seed text, category text, "
                                + "age_range text, tone text, keywords text[], pictogram_url text, usage_count integer, is_favorite boolean, "
                                + "is_public boolean, created_at timestamptz, updated_at timestamptz"),
                table(
                        "hero_gallery",
                        "id uuid, hero_id uuid, image_url text, thumbnail_url text, generation_id text, "
                                + "prompt_used text, is_primary boolean, created_at timestamptz"),
                table(
                        "api_usage",
                        "id uuid, user_id uuid, function_name text, request_id text, status text, response_time_ms integer, "
                                + "tokens_used integer, cost_estimate numeric, error_message text, error_code text, metadata jsonb, "
                                + "created_at timestamptz"),
                table(
                        "rate_limits",
                        "id uuid, user_id uuid, function_name text, request_count integer, window_start timestamptz, "
                                + "window_end timestamptz"),
                table(
                        "cache_entries",
                        "key text, value jsonb, expires_at timestamptz, created_at timestamptz, access_count integer, "
                                + "last_accessed_at timestamptz, size_bytes integer"),
                table(
                        "content_flags",
                        "id uuid, content_type text, content_id uuid, flag_type text, severity text, action_taken text, "
                                + "original_content text, modified_content text, ai_confidence numeric, created_at timestamptz, "
                                + "reviewed_at timestamptz, reviewed_by uuid"),
                table(
                        "audit_log",
                        "id uuid, table_name text, operation text, user_id uuid, changed_data jsonb, created_at timestamptz"),
                table(
                        "play_events",
                        "id uuid, story_id uuid, user_id uuid, played_at timestamptz, duration_seconds integer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void everyColumnOfTheDocumentExistsWithItsType(String table, Map<String, String> columns) {
        assertThat(catalog.columns(table)).containsExactlyInAnyOrderEntriesOf(columns);
    }

    @Test
    void theSchemaHoldsExactlyTheDocumentsTablesAndPlayEvents() {
        assertThat(catalog.tables())
                .containsExactlyInAnyOrderElementsOf(
                        tables().map(a -> (String) a.get()[0]).toList());
    }

    @Test
    void everyIndexTheDocumentNamesExists() {
        assertThat(catalog.indexes())
                .contains(
                        "idx_heroes_user_id",
                        "idx_heroes_user_active",
                        "idx_stories_user_created",
                        "idx_stories_hero",
                        "idx_stories_favorite",
                        "idx_stories_language",
                        "idx_scenes_story",
                        "idx_scenes_importance",
                        "idx_illustrations_story",
                        "idx_illustrations_status",
                        "idx_illustrations_scene",
                        "idx_events_user",
                        "idx_events_public",
                        "idx_events_favorite",
                        "idx_gallery_hero",
                        "idx_gallery_primary",
                        "idx_usage_user_created",
                        "idx_usage_function_created",
                        "idx_usage_status",
                        "idx_usage_request",
                        "idx_limits_user_function",
                        "idx_limits_window",
                        "idx_cache_expires",
                        "idx_cache_accessed",
                        "idx_flags_content",
                        "idx_flags_severity",
                        "idx_flags_unreviewed",
                        "idx_stories_user_recent",
                        "idx_stories_favorites",
                        "idx_usage_recent",
                        "idx_cache_expiry",
                        "idx_usage_user_function_time",
                        "idx_stories_user_hero_created",
                        "idx_flags_type_severity_time");
    }

    @Test
    void thePartialIndexesOfTheStrategySectionArePartial() {
        Map<String, String> definitions = catalog.indexDefinitions();
        assertThat(definitions.get("idx_stories_favorites")).contains("WHERE (is_favorite = true)");
        assertThat(definitions.get("idx_events_public")).contains("WHERE (is_public = true)");
        assertThat(definitions.get("idx_flags_unreviewed")).contains("reviewed_at NULLS FIRST");
        assertThat(definitions.get("idx_stories_user_created")).contains("created_at DESC");
    }

    @Test
    void theDocumentsUniquesExist() {
        assertThat(catalog.uniqueColumnSets("story_scenes")).contains("scene_number,story_id");
        assertThat(catalog.uniqueColumnSets("rate_limits")).contains("function_name,user_id,window_start");
        assertThat(catalog.uniqueColumnSets("api_usage")).contains("request_id");
        assertThat(catalog.uniqueColumnSets("cache_entries")).contains("key");
    }

    @Test
    void theNamedConstraintsExist() {
        assertThat(catalog.checks("heroes")).containsKeys("hero_name_length", "valid_traits");
        assertThat(catalog.checks("rate_limits")).containsKey("valid_window");
    }

    @Test
    void foreignKeysFollowTheDocument() {
        assertThat(catalog.foreignKeys("stories"))
                .contains(
                        "FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE",
                        "FOREIGN KEY (hero_id) REFERENCES infinitestories.heroes(id) ON DELETE SET NULL",
                        "FOREIGN KEY (custom_event_id) REFERENCES infinitestories.custom_events(id) ON DELETE SET NULL");
        assertThat(catalog.foreignKeys("story_illustrations"))
                .contains("FOREIGN KEY (scene_id) REFERENCES infinitestories.story_scenes(id) ON DELETE CASCADE");
        assertThat(catalog.foreignKeys("content_flags"))
                .contains("FOREIGN KEY (reviewed_by) REFERENCES auth.users(id) ON DELETE SET NULL");
    }

    @Test
    void theDocumentsFunctionsAndTriggersExist() {
        assertThat(catalog.functions())
                .contains("update_updated_at_column", "increment_play_count", "cleanup_expired_cache", "audit_trigger");
        for (String table : new String[] {"heroes", "stories", "story_illustrations", "custom_events"}) {
            assertThat(catalog.triggers(table)).as(table).contains("update_" + table + "_updated_at", "audit_" + table);
        }
        assertThat(catalog.triggers("play_events")).contains("increment_play_count_on_play");
    }

    @Test
    void theDocumentsPoliciesExist() {
        assertThat(catalog.policies("heroes"))
                .contains(
                        "Users can view own heroes",
                        "Users can insert own heroes",
                        "Users can update own heroes",
                        "Users can delete own heroes",
                        "Service role has full access");
        assertThat(catalog.policies("stories")).contains("Users can view own stories", "Users can insert own stories");
        assertThat(catalog.policies("custom_events")).contains("Users can view events", "Users can manage own events");
    }

    private static Arguments table(String name, String columns) {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String column : columns.split(",\\s*")) {
            String[] parts = column.trim().split(" ");
            expected.put(parts[0], parts[1]);
        }
        return Arguments.of(name, expected);
    }
}
