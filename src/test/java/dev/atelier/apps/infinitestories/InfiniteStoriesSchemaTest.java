package dev.atelier.apps.infinitestories;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The InfiniteStories schema as the database enforces it, checked with SQL underneath the API:
 * every CHECK of the document, the triggers, the audit log, and what the pool's login role can
 * reach with raw SQL.
 */
class InfiniteStoriesSchemaTest {

    private static final TestServer server = TestServer.get();
    private static UUID userA;
    private static UUID userB;
    private static UUID heroA;
    private static UUID storyA;
    private static UUID sceneA;

    @BeforeAll
    static void fixtures() throws SQLException {
        userA = server.newUser().id();
        userB = server.newUser().id();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            heroA = insertReturningId(
                    owner,
                    "infinitestories.heroes",
                    Map.of(
                            "user_id",
                            userA.toString(),
                            "name",
                            "Mira",
                            "primary_trait",
                            "brave",
                            "secondary_trait",
                            "kind"));
            storyA = insertReturningId(
                    owner,
                    "infinitestories.stories",
                    Map.of(
                            "user_id",
                            userA.toString(),
                            "hero_id",
                            heroA.toString(),
                            "title",
                            "The Moon",
                            "content",
                            "Once...",
                            "event_type",
                            "built_in",
                            "event_data",
                            "{}"));
            sceneA = insertReturningId(
                    owner,
                    "infinitestories.story_scenes",
                    Map.of(
                            "story_id",
                            storyA.toString(),
                            "scene_number",
                            "1",
                            "text_segment",
                            "Once",
                            "illustration_prompt",
                            "a moon",
                            "timestamp_seconds",
                            "0"));
        }
    }

    /** Each case: a row that inserts fine, and one column value that must break a CHECK of the document. */
    static Stream<Arguments> checkViolations() {
        Map<String, String> hero =
                Map.of("user_id", "$A", "name", "Ada", "primary_trait", "curious", "secondary_trait", "calm");
        Map<String, String> story =
                Map.of("user_id", "$A", "title", "T", "content", "C", "event_type", "custom", "event_data", "{}");
        Map<String, String> scene = Map.of(
                "story_id",
                "$STORY",
                "scene_number",
                "7",
                "text_segment",
                "x",
                "illustration_prompt",
                "p",
                "timestamp_seconds",
                "1.5");
        Map<String, String> illustration = Map.of("scene_id", "$SCENE", "story_id", "$STORY");
        Map<String, String> event = Map.of("user_id", "$A", "title", "Camp", "prompt_seed", "tent");
        Map<String, String> usage = Map.of("user_id", "$A", "function_name", "generate-story");
        Map<String, String> limit = Map.of(
                "user_id",
                "$A",
                "function_name",
                "f",
                "window_start",
                "2026-01-01T00:00:00Z",
                "window_end",
                "2026-01-01T00:01:00Z");
        Map<String, String> cache = Map.of("key", "$UNIQUE", "value", "{}", "expires_at", "2030-01-01T00:00:00Z");
        Map<String, String> flag = Map.of("content_id", "$STORY");
        return Stream.of(
                Arguments.of("heroes", hero, "name", "", "hero_name_length"),
                Arguments.of("heroes", hero, "name", "x".repeat(51), "hero_name_length"),
                Arguments.of("heroes", hero, "secondary_trait", "curious", "valid_traits"),
                Arguments.of("stories", story, "event_type", "other", "stories_event_type_check"),
                Arguments.of("stories", story, "language", "pt", "stories_language_check"),
                Arguments.of("stories", story, "word_count", "0", "stories_word_count_check"),
                Arguments.of("stories", story, "play_count", "-1", "stories_play_count_check"),
                Arguments.of("story_scenes", scene, "scene_number", "0", "story_scenes_scene_number_check"),
                Arguments.of(
                        "story_scenes", scene, "timestamp_seconds", "-0.5", "story_scenes_timestamp_seconds_check"),
                Arguments.of("story_scenes", scene, "emotion", "angry", "story_scenes_emotion_check"),
                Arguments.of("story_scenes", scene, "importance", "huge", "story_scenes_importance_check"),
                Arguments.of("story_illustrations", illustration, "status", "done", "story_illustrations_status_check"),
                Arguments.of(
                        "story_illustrations",
                        illustration,
                        "retry_count",
                        "6",
                        "story_illustrations_retry_count_check"),
                Arguments.of(
                        "story_illustrations",
                        illustration,
                        "retry_count",
                        "-1",
                        "story_illustrations_retry_count_check"),
                Arguments.of("custom_events", event, "category", "horror", "custom_events_category_check"),
                Arguments.of("custom_events", event, "age_range", "10-12", "custom_events_age_range_check"),
                Arguments.of("custom_events", event, "tone", "scary", "custom_events_tone_check"),
                Arguments.of("custom_events", event, "usage_count", "-1", "custom_events_usage_count_check"),
                Arguments.of("api_usage", usage, "status", "ok", "api_usage_status_check"),
                Arguments.of("api_usage", usage, "response_time_ms", "-1", "api_usage_response_time_ms_check"),
                Arguments.of("api_usage", usage, "tokens_used", "-1", "api_usage_tokens_used_check"),
                Arguments.of("api_usage", usage, "cost_estimate", "-0.000001", "api_usage_cost_estimate_check"),
                Arguments.of("rate_limits", limit, "request_count", "0", "rate_limits_request_count_check"),
                Arguments.of("rate_limits", limit, "window_end", "2026-01-01T00:00:00Z", "valid_window"),
                Arguments.of("cache_entries", cache, "access_count", "-1", "cache_entries_access_count_check"),
                Arguments.of("cache_entries", cache, "size_bytes", "0", "cache_entries_size_bytes_check"),
                Arguments.of("content_flags", flag, "content_type", "video", "content_flags_content_type_check"),
                Arguments.of("content_flags", flag, "flag_type", "spam", "content_flags_flag_type_check"),
                Arguments.of("content_flags", flag, "severity", "extreme", "content_flags_severity_check"),
                Arguments.of("content_flags", flag, "action_taken", "deleted", "content_flags_action_taken_check"),
                Arguments.of("content_flags", flag, "ai_confidence", "1.01", "content_flags_ai_confidence_check"),
                Arguments.of("content_flags", flag, "ai_confidence", "-0.01", "content_flags_ai_confidence_check"));
    }

    @ParameterizedTest(name = "{0}.{2} = ''{3}'' breaks {4}")
    @MethodSource("checkViolations")
    void everyCheckOfTheDocumentRejectsABadRow(
            String table, Map<String, String> validRow, String column, String badValue, String constraint)
            throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            insert(owner, "infinitestories." + table, validRow); // the row is valid without the bad value
            Map<String, String> bad = new LinkedHashMap<>(validRow);
            bad.put(column, badValue);
            assertThatThrownBy(() -> insert(owner, "infinitestories." + table, bad))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23514");
                        assertThat(e.getMessage()).contains(constraint);
                    });
            owner.rollback();
        }
    }

    @Test
    void aPlayEventRaisesPlayCountAndLastPlayedAt() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            int before = Integer.parseInt(
                    queryString(conn, "select play_count from infinitestories.stories where id = '" + storyA + "'"));
            asUser(userA, "insert into infinitestories.play_events (story_id) values ('" + storyA + "')");
            asUser(userA, "insert into infinitestories.play_events (story_id) values ('" + storyA + "')");
            assertThat(Integer.parseInt(queryString(
                            conn, "select play_count from infinitestories.stories where id = '" + storyA + "'")))
                    .isEqualTo(before + 2);
            assertThat(queryString(
                            conn,
                            "select last_played_at is not null from infinitestories.stories where id = '" + storyA
                                    + "'"))
                    .isEqualTo("t");
        }
    }

    @Test
    void aUserCannotRecordAPlayOfAnotherUsersStory() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            assertThatThrownBy(() -> asUser(
                            userB, "insert into infinitestories.play_events (story_id) values ('" + storyA + "')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    @Test
    void auditLogRecordsWhoChangedWhat() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            String name = "Audited-" + UUID.randomUUID().toString().substring(0, 8);
            asUser(
                    userA,
                    "insert into infinitestories.heroes (user_id, name, primary_trait, secondary_trait) values ('"
                            + userA + "', '" + name + "', 'bold', 'shy')");
            asUser(userA, "update infinitestories.heroes set special_ability = 'flight' where name = '" + name + "'");
            asUser(userA, "delete from infinitestories.heroes where name = '" + name + "'");
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(
                            "select operation, user_id, changed_data->>'special_ability' from infinitestories.audit_log "
                                    + "where table_name = 'heroes' and changed_data->>'name' = '" + name
                                    + "' order by created_at, operation desc")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("INSERT");
                assertThat(rs.getString(2)).isEqualTo(userA.toString());
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("UPDATE");
                assertThat(rs.getString(3)).isEqualTo("flight");
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("DELETE");
                assertThat(rs.getString(2)).isEqualTo(userA.toString());
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void theLoginRoleCanReadNoAppTableWithoutSwitchingRole() throws SQLException {
        try (Connection conn = server.loginRoleDataSource().getConnection()) {
            assertThatThrownBy(() -> queryString(conn, "select count(*) from infinitestories.heroes"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> exec(conn, "set role postgres"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThat(queryString(
                            conn,
                            "select rolbypassrls::text || rolsuper::text from pg_roles where rolname = current_user"))
                    .isEqualTo("falsefalse");
            assertThat(queryString(
                            conn,
                            "select count(*) from pg_class c join pg_roles r on r.oid = c.relowner "
                                    + "where r.rolname = current_user"))
                    .isEqualTo("0");
        }
    }

    @Test
    void asAnotherUserTheLoginRoleSeesNoneOfAUsersRowsEvenWithRawSql() throws SQLException {
        try (Connection conn = server.loginRoleDataSource().getConnection()) {
            conn.setAutoCommit(false);
            exec(conn, "set local role authenticated");
            exec(
                    conn,
                    "select set_config('request.jwt.claims', '{\"sub\":\"" + userB
                            + "\",\"role\":\"authenticated\"}', true)");
            assertThat(queryString(conn, "select count(*) from infinitestories.heroes where user_id = '" + userA + "'"))
                    .isEqualTo("0");
            assertThat(queryString(
                            conn, "select count(*) from infinitestories.stories where user_id = '" + userA + "'"))
                    .isEqualTo("0");
            assertThat(queryString(
                            conn, "select count(*) from infinitestories.story_scenes where id = '" + sceneA + "'"))
                    .isEqualTo("0");
            try (Statement st = conn.createStatement()) {
                assertThat(st.executeUpdate(
                                "update infinitestories.heroes set name = 'stolen' where id = '" + heroA + "'"))
                        .isZero();
                assertThat(st.executeUpdate("delete from infinitestories.stories where id = '" + storyA + "'"))
                        .isZero();
            }
            conn.rollback();
        }
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(queryString(owner, "select name from infinitestories.heroes where id = '" + heroA + "'"))
                    .isEqualTo("Mira");
        }
    }

    /** Runs one statement as a request for {@code user} would: logged in as the pool's role, switched to authenticated. */
    private static void asUser(UUID user, String sql) throws SQLException {
        try (Connection conn = server.loginRoleDataSource().getConnection()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.execute("set local role authenticated");
                st.execute("select set_config('request.jwt.claims', '{\"sub\":\"" + user
                        + "\",\"role\":\"authenticated\"}', true)");
                st.execute(sql);
                conn.commit();
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    private static UUID insertReturningId(Connection conn, String table, Map<String, String> row) throws SQLException {
        return UUID.fromString(insert(conn, table, row));
    }

    /** Inserts with every value as an untyped literal, so PostgreSQL converts it as a client's text would be. */
    private static String insert(Connection conn, String table, Map<String, String> row) throws SQLException {
        Map<String, String> resolved = new LinkedHashMap<>();
        row.forEach((k, v) -> resolved.put(
                k,
                switch (v) {
                    case "$A" -> userA.toString();
                    case "$STORY" -> storyA.toString();
                    case "$SCENE" -> sceneA.toString();
                    case "$UNIQUE" -> UUID.randomUUID().toString();
                    default -> v;
                }));
        String columns = String.join(", ", resolved.keySet());
        String placeholders =
                String.join(", ", resolved.keySet().stream().map(k -> "?").toList());
        String returning = table.endsWith("cache_entries") ? "key" : "id";
        try (PreparedStatement ps = conn.prepareStatement("insert into " + table + " (" + columns + ") values ("
                + placeholders + ") returning " + returning + "::text")) {
            int i = 1;
            for (String value : resolved.values()) {
                ps.setObject(i++, value, java.sql.Types.OTHER);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void exec(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    private static String queryString(Connection conn, String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
