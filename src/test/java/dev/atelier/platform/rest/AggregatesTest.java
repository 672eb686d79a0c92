package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: aggregate functions, spread on to-many embeddings, empty embeddings that only filter,
 * and one table embedded twice, over real HTTP as PostgREST 12/13 answers them (the test server
 * enables aggregates; the planner test below checks the default, off).
 */
class AggregatesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Rest rest;

    @BeforeAll
    static void seed() {
        TestUser user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken()).with("Prefer", "return=representation");
        Map<String, String> ids = new LinkedHashMap<>();
        for (JsonNode c : rest.post(
                        "/characters",
                        Rest.json(List.of(
                                Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                                Fixtures.character(user.id(), "Bram", "brave", "wise"),
                                Fixtures.character(user.id(), "Cato", "clever", "kind"))))
                .json()) {
            ids.put(c.get("name").asText(), c.get("id").asText());
        }
        List<Map<String, Object>> tales = new ArrayList<>();
        tales.add(tale(user, ids.get("Ayla"), "Dragon", 3));
        tales.add(tale(user, ids.get("Ayla"), "Moon", 5));
        tales.add(tale(user, ids.get("Bram"), "Quiet", 2));
        Rest.Response posted = rest.post("/tales", Rest.json(tales));
        assertThat(posted.status()).isEqualTo(201);
        String dragon = null;
        for (JsonNode t : posted.json()) {
            if (t.get("title").asText().equals("Dragon")) {
                dragon = t.get("id").asText();
            }
        }
        List<Map<String, Object>> scenes = new ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            scenes.add(Map.of(
                    "tale_id",
                    String.valueOf(dragon),
                    "scene_number",
                    n,
                    "text_segment",
                    "scene " + n,
                    "illustration_prompt",
                    "p",
                    "timestamp_seconds",
                    n));
        }
        assertThat(rest.post("/scenes", Rest.json(scenes)).status()).isEqualTo(201);
        assertThat(rest.post(
                                "/duels",
                                Rest.json(List.of(Map.of(
                                        "user_id", user.id().toString(),
                                        "challenger_id", ids.get("Ayla"),
                                        "opponent_id", ids.get("Bram")))))
                        .status())
                .isEqualTo(201);
        // Another user's rows: RLS keeps them out of every aggregate.
        TestUser other = TestServer.get().newUser();
        Rest theirs = Fixtures.as(other.accessToken()).with("Prefer", "return=representation");
        String zed = theirs.post("/characters", Rest.json(Fixtures.character(other.id(), "Zed", "sly", "odd")))
                .json()
                .get(0)
                .get("id")
                .asText();
        assertThat(theirs.post("/tales", Rest.json(List.of(tale(other, zed, "Theirs", 100))))
                        .status())
                .isEqualTo(201);
    }

    private static Map<String, Object> tale(TestUser user, String character, String title, int plays) {
        Map<String, Object> tale = Fixtures.tale(user.id(), character, title, "content of " + title);
        tale.put("play_count", plays);
        return tale;
    }

    private static JsonNode ok(String path) {
        Rest.Response r = rest.get(path);
        assertThat(r.status()).as(path + " -> " + r.raw().body()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        return r.json();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void countOnItsOwnWithAliasAndCastUnderRls() {
        assertThat(ok("/tales?select=count()")).isEqualTo(json("[{\"count\":3}]"));
        assertThat(ok("/tales?select=cnt:count()")).isEqualTo(json("[{\"cnt\":3}]"));
        assertThat(ok("/tales?select=count()::text")).isEqualTo(json("[{\"count\":\"3\"}]"));
        // The legacy form: count as a column of a table that has none.
        assertThat(ok("/tales?select=count")).isEqualTo(json("[{\"count\":3}]"));
        assertThat(ok("/tales?select=count()&title=eq.Moon")).isEqualTo(json("[{\"count\":1}]"));
    }

    @Test
    void sumAvgMinMaxGroupedByTheOtherSelectedColumns() {
        assertThat(ok("/tales?select=play_count.sum(),play_count.avg(),play_count.min(),play_count.max()"))
                .isEqualTo(json("[{\"sum\":10,\"avg\":3.3333333333333333,\"min\":2,\"max\":5}]"));
        assertThat(ok("/tales?select=total:play_count.sum()::text,title::text.max()"))
                .isEqualTo(json("[{\"total\":\"10\",\"max\":\"Quiet\"}]"));
        // Grouped by a to-one embedding (as jsonb, as PostgREST) and ordered by its field.
        assertThat(ok("/tales?select=total:play_count.sum(),n:count(),characters(name)&order=characters(name).desc"))
                .isEqualTo(json("[{\"total\":2,\"n\":1,\"characters\":{\"name\":\"Bram\"}},"
                        + "{\"total\":8,\"n\":2,\"characters\":{\"name\":\"Ayla\"}}]"));
        assertThat(ok("/tales?select=character_id,play_count.sum()&order=character_id")
                        .size())
                .isEqualTo(2);
        // PostgREST does not order by an aggregate: PostgreSQL's answer, as there.
        Rest.Response byAggregate = rest.get("/tales?select=total:play_count.sum()&order=total");
        assertThat(byAggregate.status()).isEqualTo(400);
        assertThat(byAggregate.json().get("code").asText()).isEqualTo("42703");
    }

    @Test
    void aggregatesOverAFunctionsRows() {
        assertThat(ok("/rpc/pairs?n=4&select=x.max(),x.sum(),n:count()"))
                .isEqualTo(json("[{\"max\":4,\"sum\":10,\"n\":4}]"));
        // A set-returning function of a table: the caller's rows only (RLS inside the function's query).
        assertThat(ok("/rpc/characters_named?prefix=A&select=count()")).isEqualTo(json("[{\"count\":1}]"));
    }

    @Test
    void aggregatesInsideToManyEmbeddingsAndHoistedFromToOneSpreads() {
        assertThat(ok("/characters?select=name,tales(count)&order=name"))
                .isEqualTo(json("[{\"name\":\"Ayla\",\"tales\":[{\"count\":2}]},"
                        + "{\"name\":\"Bram\",\"tales\":[{\"count\":1}]},"
                        + "{\"name\":\"Cato\",\"tales\":[{\"count\":0}]}]"));
        assertThat(ok("/characters?select=name,tales(play_count.sum(),play_count.max())&order=name"))
                .isEqualTo(json("[{\"name\":\"Ayla\",\"tales\":[{\"sum\":8,\"max\":5}]},"
                        + "{\"name\":\"Bram\",\"tales\":[{\"sum\":2,\"max\":2}]},"
                        + "{\"name\":\"Cato\",\"tales\":[{\"sum\":null,\"max\":null}]}]"));
        // A to-one spread's aggregate is done by its parent, grouped by the parent's other outputs.
        assertThat(ok("/tales?select=...characters(name,tales:count())&order=characters(name)"))
                .isEqualTo(json("[{\"name\":\"Ayla\",\"tales\":2},{\"name\":\"Bram\",\"tales\":1}]"));
        // Hoisted through a spread that also hands up a regular embedding, which groups the count.
        assertThat(ok("/scenes?select=...tales(characters(name),n:count())"))
                .isEqualTo(json("[{\"characters\":{\"name\":\"Ayla\"},\"n\":2}]"));
        Rest.Response toManySpread = rest.get("/characters?select=name,...tales(play_count.sum())");
        assertThat(toManySpread.status()).isEqualTo(400);
        assertThat(toManySpread.json())
                .isEqualTo(json("{\"code\":\"PGRST127\",\"message\":\"Feature not implemented\","
                        + "\"details\":\"Aggregates are not implemented for one-to-many or many-to-many spreads.\","
                        + "\"hint\":null}"));
    }

    @Test
    void aggregatesAreRefusedWithPgrst123UnlessEnabled() {
        Column amount = new Column("amount", "integer", "int4", 'N', true, null, null, false, List.of());
        Column name = new Column("name", "text", "text", 'S', true, null, null, false, List.of());
        Map<String, Column> columns = new LinkedHashMap<>();
        columns.put("amount", amount);
        columns.put("name", name);
        Table orders = new Table("s", "orders", 'r', true, true, true, null, columns, List.of("name"), List.of());
        Catalog catalog = new Catalog(List.of("s"), List.of(orders), List.of(), List.of());
        for (String select : List.of("amount.sum()", "count()", "name,amount.max()::text")) {
            QueryParams q = QueryParams.parse("select=" + select, Set.of());
            assertThatThrownBy(() -> new ReadPlanner(catalog, "s").plan(orders, columns, "orders", q))
                    .isInstanceOfSatisfying(ApiError.class, e -> {
                        assertThat(e.status).isEqualTo(400);
                        assertThat(e.code).isEqualTo("PGRST123");
                        assertThat(e.getMessage()).isEqualTo("Use of aggregate functions is not allowed");
                    });
            ReadPlan enabled = new ReadPlanner(catalog, "s", RestLimits.DEFAULTS.withAggregates(true), null)
                    .plan(orders, columns, "orders", q);
            assertThat(enabled.grouped).isTrue();
        }
        // The legacy count needs no setting, as in PostgREST.
        QueryParams legacy = QueryParams.parse("select=count", Set.of());
        assertThat(new ReadPlanner(catalog, "s").plan(orders, columns, "orders", legacy).grouped)
                .isTrue();
    }

    @Test
    void spreadOnAToManyEmbeddingGivesArraysOfItsValues() {
        assertThat(ok("/characters?select=name,...tales(title,plays:play_count)&order=name&tales.order=title"))
                .isEqualTo(json("[{\"name\":\"Ayla\",\"title\":[\"Dragon\",\"Moon\"],\"plays\":[3,5]},"
                        + "{\"name\":\"Bram\",\"title\":[\"Quiet\"],\"plays\":[2]},"
                        + "{\"name\":\"Cato\",\"title\":[],\"plays\":[]}]"));
        assertThat(ok("/characters?select=name,...tales!inner(title)&tales.title=eq.Moon"))
                .isEqualTo(json("[{\"name\":\"Ayla\",\"title\":[\"Moon\"]}]"));
    }

    @Test
    void anEmptyEmbeddingFiltersWithoutAppearing() {
        assertThat(ok("/characters?select=name,tales!inner()&tales.title=eq.Moon"))
                .isEqualTo(json("[{\"name\":\"Ayla\"}]"));
        assertThat(ok("/tales?select=title,characters!inner()&characters.name=eq.Bram"))
                .isEqualTo(json("[{\"title\":\"Quiet\"}]"));
        // Without !inner it filters nothing, and still adds no key.
        assertThat(ok("/characters?select=name,tales()&tales.title=eq.Moon&order=name"))
                .isEqualTo(json("[{\"name\":\"Ayla\"},{\"name\":\"Bram\"},{\"name\":\"Cato\"}]"));
    }

    @Test
    void oneTableEmbeddedTwiceNeedsDistinctKeys() {
        assertThat(ok("/duels?select=a:characters!challenger_id(name),b:characters!opponent_id(name)"))
                .isEqualTo(json("[{\"a\":{\"name\":\"Ayla\"},\"b\":{\"name\":\"Bram\"}}]"));
        Rest.Response twice = rest.get("/duels?select=id,characters!challenger_id(name),characters!opponent_id(name)");
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.json())
                .isEqualTo(json("{\"code\":\"42712\",\"message\":"
                        + "\"table name \\\"duels_characters_1\\\" specified more than once\","
                        + "\"details\":null,\"hint\":null}"));
        Rest.Response sameHint = rest.get("/characters?select=tales(title),tales(title)");
        assertThat(sameHint.status()).isEqualTo(400);
        assertThat(sameHint.json().get("code").asText()).isEqualTo("42712");
    }
}
