package dev.atelier.platform.rest;

import dev.atelier.testing.Rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET and HEAD on tables and views over real HTTP, as one user whose rows RLS keeps apart. */
class ReadTest {

    private static TestUser user;
    private static Rest rest;
    private static String ayla;
    private static String dragon;

    @AfterAll
    static void dropFixtures() {
        Fixtures.dropObjects();
    }

    @BeforeAll
    static void seed() {
        Fixtures.ensureObjects();
        user = TestServer.get().newUser();
        rest = Rest.as(user.accessToken()).with("Prefer", "return=representation");
        JsonNode heroes = created(rest.post("/heroes", Rest.json(List.of(
                Fixtures.hero(user.id(), "Ayla", "brave", "kind"),
                Fixtures.hero(user.id(), "Bram", "brave", "wise"),
                Fixtures.hero(user.id(), "Cato", "clever", "kind"),
                Fixtures.hero(user.id(), "Dara", "gentle", "curious")))));
        for (JsonNode h : heroes) {
            if (h.get("name").asText().equals("Ayla")) {
                ayla = h.get("id").asText();
            }
        }
        rest.patch("/heroes?name=in.(Ayla,Cato)", "{\"appearance\":\"red cloak\"}");
        rest.patch("/heroes?name=eq.Cato", "{\"visual_profile\":{\"hair_color\":\"black\",\"eyes\":[\"green\",\"grey\"]}}");
        rest.patch("/heroes?name=eq.Ayla", "{\"visual_profile\":{\"hair_color\":\"red\",\"eyes\":[\"blue\"]}}");
        JsonNode stories = created(rest.post("/stories", Rest.json(List.of(
                Fixtures.story(user.id(), ayla, "Dragon", "The sleepy dragon guarded a golden egg"),
                Fixtures.story(user.id(), ayla, "Moon", "A picnic on the moon with friends"),
                Fixtures.story(user.id(), null, "Heroless", "Nobody was there at all")))));
        for (JsonNode s : stories) {
            if (s.get("title").asText().equals("Dragon")) {
                dragon = s.get("id").asText();
            }
        }
        created(rest.post("/story_scenes", Rest.json(List.of(
                Map.of("story_id", dragon, "scene_number", 1, "text_segment", "It began.", "illustration_prompt", "a cave",
                        "timestamp_seconds", 0),
                Map.of("story_id", dragon, "scene_number", 2, "text_segment", "It ended.", "illustration_prompt", "a sunrise",
                        "timestamp_seconds", 12.5)))));
        created(rest.post("/custom_events", Rest.json(List.of(
                Map.of("user_id", user.id().toString(), "title", "Moon picnic", "prompt_seed", "moon",
                        "keywords", List.of("moon", "picnic")),
                Map.of("user_id", user.id().toString(), "title", "Sea voyage", "prompt_seed", "sea",
                        "keywords", List.of("sea", "boat"))))));
    }

    private static JsonNode created(Rest.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    private static List<String> names(Rest.Response r, String key) {
        assertThat(r.status()).as(r.toString()).isBetween(200, 206);
        List<String> out = new ArrayList<>();
        r.json().forEach(n -> out.add(n.get(key).asText()));
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void filtersWithEachComparisonOperator() {
        assertThat(names(rest.get("/heroes?select=name&name=eq.Bram"), "name")).containsExactly("Bram");
        assertThat(names(rest.get("/heroes?select=name&name=neq.Bram&order=name"), "name")).containsExactly("Ayla", "Cato", "Dara");
        assertThat(names(rest.get("/heroes?select=name&name=gt.Bram&name=lte.Cato"), "name")).containsExactly("Cato");
        assertThat(names(rest.get("/heroes?select=name&name=gte.Cato&order=name"), "name")).containsExactly("Cato", "Dara");
        assertThat(names(rest.get("/heroes?select=name&name=lt.Bram"), "name")).containsExactly("Ayla");
        assertThat(names(rest.get("/heroes?select=name&name=like.*ra*&order=name"), "name")).containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/heroes?select=name&name=ilike.A*"), "name")).containsExactly("Ayla");
        assertThat(names(rest.get("/heroes?select=name&name=like.a*"), "name")).isEmpty();
        assertThat(names(rest.get("/heroes?select=name&name=match.^[AB]&order=name"), "name")).containsExactly("Ayla", "Bram");
        assertThat(names(rest.get("/heroes?select=name&name=imatch.^d"), "name")).containsExactly("Dara");
        assertThat(names(rest.get("/heroes?select=name&name=in.(Ayla,Dara,Nobody)&order=name"), "name")).containsExactly("Ayla", "Dara");
        assertThat(names(rest.get("/heroes?select=name&name=not.in.(Ayla,Dara)&order=name"), "name")).containsExactly("Bram", "Cato");
        assertThat(names(rest.get("/heroes?select=name&appearance=is.null&order=name"), "name")).containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/heroes?select=name&appearance=not.is.null&order=name"), "name")).containsExactly("Ayla", "Cato");
        assertThat(names(rest.get("/heroes?select=name&is_active=is.true"), "name")).hasSize(4);
        assertThat(names(rest.get("/heroes?select=name&name=in.()"), "name")).isEmpty();
        assertThat(names(rest.get("/heroes?select=name&name=isdistinct.Ayla&order=name"), "name")).containsExactly("Bram", "Cato", "Dara");
    }

    @Test
    void quantifiedOperatorsCompareWithAnyOrAllArrayElements() {
        assertThat(names(rest.get("/heroes?select=name&name=like(any).{A*,*ra*}&order=name"), "name"))
                .containsExactly("Ayla", "Bram", "Dara");
        assertThat(names(rest.get("/heroes?select=name&name=ilike(all).{*A*,*R*}&order=name"), "name"))
                .containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/heroes?select=name&name=eq(any).{Cato,Dara}&order=name"), "name")).containsExactly("Cato", "Dara");
        assertThat(names(rest.get("/heroes?select=name&or=(name.lt(all).{Bram,Cato},name.eq(any).{Dara})&order=name"), "name"))
                .containsExactly("Ayla", "Dara");
    }

    @Test
    void combinesOrAndAndAsDeepAsAsked() {
        assertThat(names(rest.get("/heroes?select=name&order=name&or=" + enc("(name.eq.Ayla,primary_trait.eq.clever)")), "name"))
                .containsExactly("Ayla", "Cato");
        assertThat(names(rest.get("/heroes?select=name&order=name&or="
                + enc("(name.eq.Dara,and(primary_trait.eq.brave,secondary_trait.eq.wise))")), "name"))
                .containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/heroes?select=name&order=name&not.or=" + enc("(name.eq.Ayla,name.eq.Bram)")), "name"))
                .containsExactly("Cato", "Dara");
        assertThat(names(rest.get("/heroes?select=name&order=name&and=" + enc("(primary_trait.eq.brave,not.or(name.eq.Ayla,name.in.(\"Cato\")))")), "name"))
                .containsExactly("Bram");
    }

    @Test
    void ordersByColumnsDirectionsAndNullPlacement() {
        assertThat(names(rest.get("/heroes?select=name&order=name.desc"), "name")).containsExactly("Dara", "Cato", "Bram", "Ayla");
        assertThat(names(rest.get("/heroes?select=name&order=primary_trait,name.desc"), "name"))
                .containsExactly("Bram", "Ayla", "Cato", "Dara");
        assertThat(names(rest.get("/heroes?select=name&order=appearance.nullsfirst,name"), "name"))
                .containsExactly("Bram", "Dara", "Ayla", "Cato");
        assertThat(names(rest.get("/heroes?select=name&order=appearance.desc.nullslast,name"), "name"))
                .containsExactly("Ayla", "Cato", "Bram", "Dara");
    }

    @Test
    void pagesWithLimitOffsetAndReportsTheExactCount() {
        Rest.Response r = rest.with("Prefer", "count=exact").get("/heroes?select=name&order=name&limit=2&offset=1");
        assertThat(names(r, "name")).containsExactly("Bram", "Cato");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("1-2/4");
        assertThat(r.header("Preference-Applied")).isEqualTo("count=exact");

        Rest.Response all = rest.with("Prefer", "count=exact").get("/heroes?select=name");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.header("Content-Range")).isEqualTo("0-3/4");

        Rest.Response uncounted = rest.get("/heroes?select=name&limit=2");
        assertThat(uncounted.status()).isEqualTo(200);
        assertThat(uncounted.header("Content-Range")).isEqualTo("0-1/*");

        Rest.Response none = rest.with("Prefer", "count=exact").get("/heroes?name=eq.Nobody");
        assertThat(none.json()).isEmpty();
        assertThat(none.header("Content-Range")).isEqualTo("*/0");
    }

    @Test
    void selectsTheRangeHeadersRows() {
        Rest.Response r = rest.with("Range", "1-2").with("Range-Unit", "items").with("Prefer", "count=exact")
                .get("/heroes?select=name&order=name");
        assertThat(names(r, "name")).containsExactly("Bram", "Cato");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("1-2/4");
    }

    @Test
    void anOffsetPastTheCountIs416() {
        Rest.Response r = rest.with("Prefer", "count=exact").get("/heroes?offset=10");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST103");
        assertThat(r.json().get("details").asText()).isEqualTo("An offset of 10 was requested, but there are only 4 rows.");
    }

    @Test
    void plannedAndEstimatedCountsAreNumbers() {
        for (String count : List.of("planned", "estimated")) {
            Rest.Response r = rest.with("Prefer", "count=" + count).get("/heroes?select=name");
            assertThat(r.status()).as(r.toString()).isIn(200, 206);
            assertThat(r.header("Content-Range")).matches("0-3/\\d+");
        }
    }

    @Test
    void headAnswersHeadersWithoutABody() {
        Rest.Response r = rest.with("Prefer", "count=exact").head("/heroes?select=*");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("Content-Range")).isEqualTo("0-3/4");
    }

    @Test
    void singleObjectAcceptGivesOneObjectOr406() {
        Rest single = rest.with("Accept", "application/vnd.pgrst.object+json");
        Rest.Response one = single.get("/heroes?select=name&name=eq.Bram");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().isObject()).isTrue();
        assertThat(one.json().get("name").asText()).isEqualTo("Bram");
        assertThat(one.header("Content-Type")).startsWith("application/vnd.pgrst.object+json");

        Rest.Response many = single.get("/heroes?select=name&primary_trait=eq.brave");
        assertThat(many.status()).isEqualTo(406);
        assertThat(many.json().get("code").asText()).isEqualTo("PGRST116");
        assertThat(many.json().get("details").asText()).isEqualTo("The result contains 2 rows");

        Rest.Response none = single.get("/heroes?name=eq.Nobody");
        assertThat(none.status()).isEqualTo(406);
        assertThat(none.json().get("details").asText()).isEqualTo("The result contains 0 rows");
    }

    @Test
    void embedsAToOneRelationAsAnObjectOrNull() {
        Rest.Response r = rest.get("/stories?select=title,hero_id,heroes(name)&order=title");
        JsonNode rows = r.json();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).get("title").asText()).isEqualTo("Dragon");
        assertThat(rows.get(0).get("heroes").get("name").asText()).isEqualTo("Ayla");
        assertThat(rows.get(1).get("heroes").isNull()).as("Heroless has no hero").isTrue();
        assertThat(rows.get(0).get("heroes").size()).isEqualTo(1);
    }

    @Test
    void embedsAToManyRelationAsAnArrayEmptyWhenThereIsNone() {
        JsonNode rows = rest.get("/heroes?select=name,stories(title)&order=name").json();
        assertThat(rows.get(0).get("stories").findValuesAsText("title")).containsExactlyInAnyOrder("Dragon", "Moon");
        assertThat(rows.get(1).get("stories").isArray()).isTrue();
        assertThat(rows.get(1).get("stories")).isEmpty();
        List<String> keys = new ArrayList<>();
        rows.get(0).fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("name", "stories");
    }

    @Test
    void nestsAliasesAndShapesEmbeddings() {
        JsonNode ayla = rest.get("/heroes?select=name,tales:stories(title,story_scenes(scene_number))"
                + "&name=eq.Ayla&tales.order=title&tales.story_scenes.order=scene_number.desc").json().get(0);
        JsonNode tales = ayla.get("tales");
        assertThat(tales.get(0).get("title").asText()).isEqualTo("Dragon");
        assertThat(tales.get(0).get("story_scenes").findValuesAsText("scene_number")).containsExactly("2", "1");
        assertThat(tales.get(1).get("story_scenes")).isEmpty();
    }

    @Test
    void filtersOrdersAndLimitsInsideAnEmbedding() {
        JsonNode ayla = rest.get("/heroes?select=name,stories(title)&name=eq.Ayla&stories.title=eq.Moon").json().get(0);
        assertThat(ayla.get("stories").findValuesAsText("title")).containsExactly("Moon");
        JsonNode limited = rest.get("/heroes?select=name,stories(title)&name=eq.Ayla&stories.order=title.desc&stories.limit=1")
                .json().get(0);
        assertThat(limited.get("stories").findValuesAsText("title")).containsExactly("Moon");
    }

    @Test
    void innerEmbeddingDropsParentsWithoutMatchingChildren() {
        assertThat(names(rest.get("/heroes?select=name,stories!inner(title)"), "name")).containsExactly("Ayla");
        assertThat(names(rest.get("/heroes?select=name,stories!inner(title)&stories.title=eq.Nothing"), "name")).isEmpty();
        assertThat(names(rest.get("/stories?select=title,heroes!inner(name)&order=title"), "title")).containsExactly("Dragon", "Moon");
        Rest.Response counted = rest.with("Prefer", "count=exact").get("/heroes?select=name,stories!inner(title)");
        assertThat(counted.header("Content-Range")).isEqualTo("0-0/1");
    }

    @Test
    void nullFiltersOnAnEmbeddingKeepOrDropParents() {
        assertThat(names(rest.get("/heroes?select=name,stories(title)&stories=not.is.null"), "name")).containsExactly("Ayla");
        assertThat(names(rest.get("/heroes?select=name,stories(title)&stories=is.null&order=name"), "name"))
                .containsExactly("Bram", "Cato", "Dara");
        assertThat(names(rest.get("/stories?select=title,heroes(name)&heroes=is.null"), "title")).containsExactly("Heroless");
    }

    @Test
    void ordersByAToOneEmbeddingsColumn() {
        assertThat(names(rest.get("/stories?select=title,heroes(name)&order=heroes(name).desc.nullsfirst,title"), "title"))
                .containsExactly("Heroless", "Dragon", "Moon");
    }

    @Test
    void spreadsAToOneEmbeddingIntoTheParent() {
        JsonNode row = rest.get("/stories?select=title,...heroes(hero_name:name,primary_trait)&title=eq.Moon").json().get(0);
        List<String> keys = new ArrayList<>();
        row.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("title", "hero_name", "primary_trait");
        assertThat(row.get("hero_name").asText()).isEqualTo("Ayla");
        JsonNode heroless = rest.get("/stories?select=title,...heroes(name)&title=eq.Heroless").json().get(0);
        assertThat(heroless.get("name").isNull()).isTrue();
        Rest.Response toMany = rest.get("/heroes?select=name,...stories(title)");
        assertThat(toMany.status()).isEqualTo(400);
        assertThat(toMany.json().get("code").asText()).isEqualTo("PGRST119");
    }

    @Test
    void embedsByForeignKeyColumnAndConstraintHints() {
        JsonNode byColumn = rest.get("/stories?select=title,hero:hero_id(name)&title=eq.Moon").json().get(0);
        assertThat(byColumn.get("hero").get("name").asText()).isEqualTo("Ayla");
        JsonNode byHint = rest.get("/stories?select=title,heroes!stories_hero_id_fkey(name)&title=eq.Moon").json().get(0);
        assertThat(byHint.get("heroes").get("name").asText()).isEqualTo("Ayla");
    }

    @Test
    void embedsManyToManyThroughAJunctionTable() {
        Rest service = Rest.service().with("Prefer", "return=representation");
        JsonNode tag = service.post("/rest_fixture_tags", "{\"name\":\"fearless-" + user.id() + "\"}").json().get(0);
        assertThat(service.post("/rest_fixture_hero_tags",
                "{\"hero_id\":\"" + ayla + "\",\"tag_id\":" + tag.get("id").asInt() + "}").status()).isEqualTo(201);
        JsonNode row = rest.get("/heroes?select=name,rest_fixture_tags(name)&id=eq." + ayla).json().get(0);
        assertThat(row.get("rest_fixture_tags").findValuesAsText("name")).containsExactly("fearless-" + user.id());
    }

    @Test
    void selectsFiltersAndOrdersByJsonPaths() {
        JsonNode rows = rest.get("/stories?select=title,kind:event_data->>kind,event_data->level&order=event_data->level.desc")
                .json();
        assertThat(rows.get(0).get("title").asText()).isEqualTo("Heroless");
        assertThat(rows.get(0).get("kind").asText()).isEqualTo("heroless");
        assertThat(rows.get(0).get("level").isInt()).as("-> keeps JSON types").isTrue();
        assertThat(names(rest.get("/stories?select=title&event_data->>kind=eq.moon"), "title")).containsExactly("Moon");
        assertThat(names(rest.get("/stories?select=title&event_data->level=gt.4&order=title"), "title"))
                .containsExactly("Dragon", "Heroless");
        assertThat(names(rest.get("/heroes?select=name&visual_profile->eyes->>0=eq.green"), "name")).containsExactly("Cato");
    }

    @Test
    void castsSelectedColumns() {
        JsonNode row = rest.get("/story_scenes?select=scene_number::text,timestamp_seconds::int&story_id=eq." + dragon
                + "&scene_number=eq.2").json().get(0);
        assertThat(row.get("scene_number").isTextual()).isTrue();
        assertThat(row.get("scene_number").asText()).isEqualTo("2");
        assertThat(row.get("timestamp_seconds").asInt()).isEqualTo(13);
    }

    @Test
    void containsContainedAndOverlapsOnArraysAndJsonb() {
        String mine = "&user_id=eq." + user.id();
        assertThat(names(rest.get("/custom_events?select=title&keywords=cs.{moon}" + mine), "title")).containsExactly("Moon picnic");
        assertThat(names(rest.get("/custom_events?select=title&keywords=cd.{sea,boat,ship}" + mine), "title"))
                .containsExactly("Sea voyage");
        assertThat(names(rest.get("/custom_events?select=title&order=title&keywords=ov.{boat,picnic}" + mine), "title"))
                .containsExactly("Moon picnic", "Sea voyage");
        assertThat(names(rest.get("/heroes?select=name&visual_profile=cs." + enc("{\"hair_color\":\"red\"}")), "name"))
                .containsExactly("Ayla");
    }

    @Test
    void searchesFullText() {
        assertThat(names(rest.get("/stories?select=title&content=fts.dragon"), "title")).containsExactly("Dragon");
        assertThat(names(rest.get("/stories?select=title&content=plfts(english)." + enc("golden eggs")), "title"))
                .containsExactly("Dragon");
        assertThat(names(rest.get("/stories?select=title&content=phfts." + enc("the moon")), "title")).containsExactly("Moon");
        assertThat(names(rest.get("/stories?select=title&content=wfts(english)." + enc("picnic -dragon")), "title"))
                .containsExactly("Moon");
        assertThat(names(rest.get("/stories?select=title&content=not.fts.dragon&order=title"), "title"))
                .containsExactly("Heroless", "Moon");
    }

    @Test
    void readsViews() {
        assertThat(names(rest.get("/rest_fixture_story_titles?select=title&order=title"), "title"))
                .containsExactly("Dragon", "Heroless", "Moon");
    }

    @Test
    void answersCsvWhenAsked() {
        Rest.Response r = rest.with("Accept", "text/csv").get("/heroes?select=name,appearance&order=name&limit=2");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/csv");
        assertThat(r.body()).isEqualTo("\"name\",\"appearance\"\n\"Ayla\",\"red cloak\"\n\"Bram\",");
    }

    @Test
    void rowLevelSecurityDecidesWhatEachCallerSees() {
        TestUser other = TestServer.get().newUser();
        assertThat(Rest.as(other.accessToken()).get("/heroes").json()).isEmpty();
        assertThat(Rest.as(other.accessToken()).get("/heroes?select=name,stories(title)").json()).isEmpty();
        assertThat(Rest.anon().get("/custom_events?user_id=eq." + user.id()).json()).as("private events").isEmpty();
        Rest.Response anonHeroes = Rest.anon().get("/heroes");
        assertThat(anonHeroes.status()).isEqualTo(401);
        assertThat(anonHeroes.json().get("code").asText()).isEqualTo("42501");
    }

    @Test
    void answersJsonWithUtf8AndCorsHeaders() {
        Rest.Response r = rest.with("Origin", "https://app.example").get("/heroes?select=name&limit=1");
        assertThat(r.header("Content-Type")).matches("application/json; ?charset=utf-8");
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Expose-Headers")).contains("Content-Range");
    }
}
