package dev.atelier.apps.infinitestories;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.AccessMatrix;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Counters the triggers keep are not the users' to set, and user_id is the caller's by default
 * (issue 6, findings 5 and 9), through /rest/v1 as supabase-js would send it.
 */
class InfiniteStoriesCountersTest {

    private static final TestServer server = TestServer.get();
    private static TestUser a;
    private static TestUser b;
    private static Rest asA;
    private static Rest asB;

    @BeforeAll
    static void twoUsers() {
        a = server.newUser();
        b = server.newUser();
        asA = AccessMatrix.client("infinitestories", a.accessToken()).with("Prefer", "return=representation");
        asB = AccessMatrix.client("infinitestories", b.accessToken()).with("Prefer", "return=representation");
    }

    private static JsonNode created(Rest.Response response) {
        assertThat(response.status()).as(response.body()).isEqualTo(201);
        return response.json().get(0);
    }

    private static String event(Rest as, boolean shared) {
        return created(as.post(
                        "/custom_events",
                        Rest.json(Map.of(
                                "title", "Camp " + UUID.randomUUID(), "prompt_seed", "a tent", "is_public", shared))))
                .get("id")
                .asText();
    }

    private static String story(Rest as, String eventId) {
        Map<String, Object> body = eventId == null
                ? Map.of("title", "T", "content", "C", "event_type", "built_in", "event_data", Map.of())
                : Map.of(
                        "title",
                        "T",
                        "content",
                        "C",
                        "event_type",
                        "custom",
                        "event_data",
                        Map.of(),
                        "custom_event_id",
                        eventId);
        return created(as.post("/stories", Rest.json(body))).get("id").asText();
    }

    private static String column(String table, String column, String id) throws SQLException {
        return OwnerSql.queryString(
                "select " + column + "::text from infinitestories." + table + " where id = '" + id + "'");
    }

    @Test
    void anOwnerCannotSetTheUsageCountOfTheirSharedEventThatAnonReads() throws SQLException {
        String shared = event(asA, true);
        Rest.Response patch = asA.patch("/custom_events?id=eq." + shared, "{\"usage_count\":1000000}");
        AccessMatrix.assertDenied(patch, false);
        Rest.Response upsert = asA.with("Prefer", "resolution=merge-duplicates")
                .post(
                        "/custom_events?on_conflict=id",
                        Rest.json(Map.of("id", shared, "title", "x", "prompt_seed", "y", "usage_count", 1000000)));
        AccessMatrix.assertDenied(upsert, false);
        Rest.Response insert = asA.post(
                "/custom_events",
                Rest.json(Map.of("title", "x", "prompt_seed", "y", "is_public", true, "usage_count", 1000000)));
        AccessMatrix.assertDenied(insert, false);
        JsonNode seenByAnon = AccessMatrix.client("infinitestories", server.anonKey())
                .get("/custom_events?select=usage_count&id=eq." + shared)
                .json();
        assertThat(seenByAnon.get(0).get("usage_count").asInt()).isZero();
    }

    @Test
    void anOwnerCannotSetPlayCountOrLastPlayedAtButAPlayStillRaisesThem() throws SQLException {
        String story = story(asA, null);
        AccessMatrix.assertDenied(asA.patch("/stories?id=eq." + story, "{\"play_count\":1000000}"), false);
        AccessMatrix.assertDenied(
                asA.patch("/stories?id=eq." + story, "{\"last_played_at\":\"2030-01-01T00:00:00Z\"}"), false);
        AccessMatrix.assertDenied(
                asA.post(
                        "/stories",
                        Rest.json(Map.of(
                                "title",
                                "T",
                                "content",
                                "C",
                                "event_type",
                                "built_in",
                                "event_data",
                                Map.of(),
                                "play_count",
                                99))),
                false);
        assertThat(column("stories", "play_count", story)).isEqualTo("0");

        assertThat(asA.post("/play_events", Rest.json(Map.of("story_id", story)))
                        .status())
                .isEqualTo(201);
        assertThat(column("stories", "play_count", story)).isEqualTo("1");
        assertThat(column("stories", "last_played_at is not null", story)).isEqualTo("true");
    }

    @Test
    void everyOtherColumnStaysWritableByPatchPostAndUpsert() throws SQLException {
        String story = story(asA, null);
        Rest.Response patch = asA.patch("/stories?id=eq." + story, "{\"title\":\"Renamed\",\"is_favorite\":true}");
        assertThat(patch.status()).as(patch.body()).isEqualTo(200);
        assertThat(patch.json().get(0).get("title").asText()).isEqualTo("Renamed");
        Rest.Response upsert = asA.with("Prefer", "resolution=merge-duplicates")
                .post(
                        "/stories?on_conflict=id",
                        Rest.json(Map.of(
                                "id",
                                story,
                                "title",
                                "Upserted",
                                "content",
                                "C",
                                "event_type",
                                "built_in",
                                "event_data",
                                Map.of(),
                                "user_id",
                                a.id().toString())));
        assertThat(upsert.status()).as(upsert.body()).isIn(200, 201);
        assertThat(column("stories", "title", story)).isEqualTo("Upserted");
        String shared = event(asA, true);
        assertThat(asA.patch("/custom_events?id=eq." + shared, "{\"is_favorite\":true,\"tone\":\"calming\"}")
                        .status())
                .isEqualTo(200);
        assertThat(column("custom_events", "tone", shared)).isEqualTo("calming");
    }

    @Test
    void aStoryMadeFromAnEventCountsAsAUseOfIt() throws SQLException {
        String shared = event(asA, true);
        String privateOfA = event(asA, false);
        story(asA, shared);
        story(asB, shared); // somebody else's story from a shared event counts too
        assertThat(column("custom_events", "usage_count", shared)).isEqualTo("2");
        String moved = story(asA, null);
        assertThat(asA.patch("/stories?id=eq." + moved, "{\"custom_event_id\":\"" + privateOfA + "\"}")
                        .status())
                .isEqualTo(200);
        assertThat(asA.patch("/stories?id=eq." + moved, "{\"title\":\"no move\"}")
                        .status())
                .isEqualTo(200);
        assertThat(column("custom_events", "usage_count", privateOfA)).isEqualTo("1");
        // B knows the uuid of A's private event: the foreign key lets the story through, the count does not move.
        story(asB, privateOfA);
        assertThat(column("custom_events", "usage_count", privateOfA)).isEqualTo("1");
    }

    @Test
    void userIdDefaultsToTheCallerInEveryUserOwnedTableAndMustStillBeTheirs() throws SQLException {
        JsonNode hero = created(asA.post(
                "/heroes", Rest.json(Map.of("name", "Ayla", "primary_trait", "brave", "secondary_trait", "kind"))));
        assertThat(hero.get("user_id").asText()).isEqualTo(a.id().toString());
        assertThat(column("stories", "user_id", story(asA, null))).isEqualTo(a.id().toString());
        assertThat(column("custom_events", "user_id", event(asA, false))).isEqualTo(a.id().toString());
        for (String table :
                new String[] {"heroes", "stories", "custom_events", "api_usage", "rate_limits", "play_events"}) {
            assertThat(OwnerSql.queryString(
                            "select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a "
                                    + "on a.attrelid = d.adrelid and a.attnum = d.adnum where d.adrelid = 'infinitestories."
                                    + table
                                    + "'::regclass and a.attname = 'user_id'"))
                    .as(table)
                    .isEqualTo("auth.uid()");
        }
        Rest.Response forged = asA.post(
                "/heroes",
                Rest.json(Map.of(
                        "name",
                        "Bram",
                        "primary_trait",
                        "shy",
                        "secondary_trait",
                        "kind",
                        "user_id",
                        b.id().toString())));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.json().path("code").asText()).isEqualTo("42501");
        Rest.Response anon = AccessMatrix.client("infinitestories", server.anonKey())
                .post("/custom_events", Rest.json(Map.of("title", "x", "prompt_seed", "y")));
        AccessMatrix.assertDenied(anon, true);
    }
}
