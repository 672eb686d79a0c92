package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET and HEAD on tables and views over real HTTP, as one user whose rows RLS keeps apart. */
class ReadTest {

    private static TestUser user;
    private static Rest rest;
    private static String ayla;
    private static String dragon;

    @BeforeAll
    static void seed() {
        user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken()).with("Prefer", "return=representation");
        JsonNode characters = created(rest.post(
                "/characters",
                Rest.json(List.of(
                        Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                        Fixtures.character(user.id(), "Bram", "brave", "wise"),
                        Fixtures.character(user.id(), "Cato", "clever", "kind"),
                        Fixtures.character(user.id(), "Dara", "gentle", "curious")))));
        for (JsonNode c : characters) {
            if (c.get("name").asText().equals("Ayla")) {
                ayla = c.get("id").asText();
            }
        }
        rest.patch("/characters?name=in.(Ayla,Cato)", "{\"appearance\":\"red cloak\"}");
        rest.patch(
                "/characters?name=eq.Cato",
                "{\"visual_profile\":{\"hair_color\":\"black\",\"eyes\":[\"green\",\"grey\"]}}");
        rest.patch("/characters?name=eq.Ayla", "{\"visual_profile\":{\"hair_color\":\"red\",\"eyes\":[\"blue\"]}}");
        JsonNode tales = created(rest.post(
                "/tales",
                Rest.json(List.of(
                        Fixtures.tale(user.id(), ayla, "Dragon", "The sleepy dragon guarded a golden egg"),
                        Fixtures.tale(user.id(), ayla, "Moon", "A picnic on the moon with friends"),
                        Fixtures.tale(user.id(), null, "Lonesome", "Nobody was there at all")))));
        for (JsonNode s : tales) {
            if (s.get("title").asText().equals("Dragon")) {
                dragon = s.get("id").asText();
            }
        }
        created(rest.post(
                "/scenes",
                Rest.json(List.of(
                        Map.of(
                                "tale_id",
                                dragon,
                                "scene_number",
                                1,
                                "text_segment",
                                "It began.",
                                "illustration_prompt",
                                "a cave",
                                "timestamp_seconds",
                                0),
                        Map.of(
                                "tale_id",
                                dragon,
                                "scene_number",
                                2,
                                "text_segment",
                                "It ended.",
                                "illustration_prompt",
                                "a sunrise",
                                "timestamp_seconds",
                                12.5)))));
        created(rest.post(
                "/events",
                Rest.json(List.of(
                        Map.of(
                                "user_id",
                                user.id().toString(),
                                "title",
                                "Moon picnic",
                                "prompt_seed",
                                "moon",
                                "keywords",
                                List.of("moon", "picnic")),
                        Map.of(
                                "user_id",
                                user.id().toString(),
                                "title",
                                "Sea voyage",
                                "prompt_seed",
                                "sea",
                                "keywords",
                                List.of("sea", "boat"))))));
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
        assertThat(names(rest.get("/characters?select=name&name=eq.Bram"), "name"))
                .containsExactly("Bram");
        assertThat(names(rest.get("/characters?select=name&name=neq.Bram&order=name"), "name"))
                .containsExactly("Ayla", "Cato", "Dara");
        assertThat(names(rest.get("/characters?select=name&name=gt.Bram&name=lte.Cato"), "name"))
                .containsExactly("Cato");
        assertThat(names(rest.get("/characters?select=name&name=gte.Cato&order=name"), "name"))
                .containsExactly("Cato", "Dara");
        assertThat(names(rest.get("/characters?select=name&name=lt.Bram"), "name"))
                .containsExactly("Ayla");
        assertThat(names(rest.get("/characters?select=name&name=like.*ra*&order=name"), "name"))
                .containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/characters?select=name&name=ilike.A*"), "name"))
                .containsExactly("Ayla");
        assertThat(names(rest.get("/characters?select=name&name=like.a*"), "name"))
                .isEmpty();
        assertThat(names(rest.get("/characters?select=name&name=match.^[AB]&order=name"), "name"))
                .containsExactly("Ayla", "Bram");
        assertThat(names(rest.get("/characters?select=name&name=imatch.^d"), "name"))
                .containsExactly("Dara");
        assertThat(names(rest.get("/characters?select=name&name=in.(Ayla,Dara,Nobody)&order=name"), "name"))
                .containsExactly("Ayla", "Dara");
        assertThat(names(rest.get("/characters?select=name&name=not.in.(Ayla,Dara)&order=name"), "name"))
                .containsExactly("Bram", "Cato");
        assertThat(names(rest.get("/characters?select=name&appearance=is.null&order=name"), "name"))
                .containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/characters?select=name&appearance=not.is.null&order=name"), "name"))
                .containsExactly("Ayla", "Cato");
        assertThat(names(rest.get("/characters?select=name&is_active=is.true"), "name"))
                .hasSize(4);
        assertThat(names(rest.get("/characters?select=name&name=in.()"), "name"))
                .isEmpty();
        assertThat(names(rest.get("/characters?select=name&name=isdistinct.Ayla&order=name"), "name"))
                .containsExactly("Bram", "Cato", "Dara");
    }

    @Test
    void quantifiedOperatorsCompareWithAnyOrAllArrayElements() {
        assertThat(names(rest.get("/characters?select=name&name=like(any).{A*,*ra*}&order=name"), "name"))
                .containsExactly("Ayla", "Bram", "Dara");
        assertThat(names(rest.get("/characters?select=name&name=ilike(all).{*A*,*R*}&order=name"), "name"))
                .containsExactly("Bram", "Dara");
        assertThat(names(rest.get("/characters?select=name&name=eq(any).{Cato,Dara}&order=name"), "name"))
                .containsExactly("Cato", "Dara");
        assertThat(names(
                        rest.get(
                                "/characters?select=name&or=(name.lt(all).{Bram,Cato},name.eq(any).{Dara})&order=name"),
                        "name"))
                .containsExactly("Ayla", "Dara");
    }

    @Test
    void combinesOrAndAndAsDeepAsAsked() {
        assertThat(names(
                        rest.get("/characters?select=name&order=name&or="
                                + enc("(name.eq.Ayla,primary_trait.eq.clever)")),
                        "name"))
                .containsExactly("Ayla", "Cato");
        assertThat(names(
                        rest.get("/characters?select=name&order=name&or="
                                + enc("(name.eq.Dara,and(primary_trait.eq.brave,secondary_trait.eq.wise))")),
                        "name"))
                .containsExactly("Bram", "Dara");
        assertThat(names(
                        rest.get("/characters?select=name&order=name&not.or=" + enc("(name.eq.Ayla,name.eq.Bram)")),
                        "name"))
                .containsExactly("Cato", "Dara");
        assertThat(names(
                        rest.get("/characters?select=name&order=name&and="
                                + enc("(primary_trait.eq.brave,not.or(name.eq.Ayla,name.in.(\"Cato\")))")),
                        "name"))
                .containsExactly("Bram");
    }

    @Test
    void ordersByColumnsDirectionsAndNullPlacement() {
        assertThat(names(rest.get("/characters?select=name&order=name.desc"), "name"))
                .containsExactly("Dara", "Cato", "Bram", "Ayla");
        assertThat(names(rest.get("/characters?select=name&order=primary_trait,name.desc"), "name"))
                .containsExactly("Bram", "Ayla", "Cato", "Dara");
        assertThat(names(rest.get("/characters?select=name&order=appearance.nullsfirst,name"), "name"))
                .containsExactly("Bram", "Dara", "Ayla", "Cato");
        assertThat(names(rest.get("/characters?select=name&order=appearance.desc.nullslast,name"), "name"))
                .containsExactly("Ayla", "Cato", "Bram", "Dara");
    }

    @Test
    void pagesWithLimitOffsetAndReportsTheExactCount() {
        Rest.Response r = rest.with("Prefer", "count=exact").get("/characters?select=name&order=name&limit=2&offset=1");
        assertThat(names(r, "name")).containsExactly("Bram", "Cato");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("1-2/4");
        assertThat(r.header("Preference-Applied")).isEqualTo("count=exact");

        Rest.Response all = rest.with("Prefer", "count=exact").get("/characters?select=name");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.header("Content-Range")).isEqualTo("0-3/4");

        Rest.Response uncounted = rest.get("/characters?select=name&limit=2");
        assertThat(uncounted.status()).isEqualTo(200);
        assertThat(uncounted.header("Content-Range")).isEqualTo("0-1/*");

        Rest.Response none = rest.with("Prefer", "count=exact").get("/characters?name=eq.Nobody");
        assertThat(none.json()).isEmpty();
        assertThat(none.header("Content-Range")).isEqualTo("*/0");
    }

    @Test
    void selectsTheRangeHeadersRows() {
        Rest.Response r = rest.with("Range", "1-2")
                .with("Range-Unit", "items")
                .with("Prefer", "count=exact")
                .get("/characters?select=name&order=name");
        assertThat(names(r, "name")).containsExactly("Bram", "Cato");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("1-2/4");
    }

    @Test
    void anOffsetPastTheCountIs416() {
        Rest.Response r = rest.with("Prefer", "count=exact").get("/characters?offset=10");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST103");
        assertThat(r.json().get("details").asText())
                .isEqualTo("An offset of 10 was requested, but there are only 4 rows.");
    }

    @Test
    void plannedAndEstimatedCountsAreNumbers() {
        for (String count : List.of("planned", "estimated")) {
            Rest.Response r = rest.with("Prefer", "count=" + count).get("/characters?select=name");
            assertThat(r.status()).as(r.toString()).isIn(200, 206);
            assertThat(r.header("Content-Range")).matches("0-3/\\d+");
        }
    }

    @Test
    void headAnswersHeadersWithoutABody() {
        Rest.Response r = rest.with("Prefer", "count=exact").head("/characters?select=*");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("Content-Range")).isEqualTo("0-3/4");
    }

    @Test
    void singleObjectAcceptGivesOneObjectOr406() {
        Rest single = rest.with("Accept", "application/vnd.pgrst.object+json");
        Rest.Response one = single.get("/characters?select=name&name=eq.Bram");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().isObject()).isTrue();
        assertThat(one.json().get("name").asText()).isEqualTo("Bram");
        assertThat(one.header("Content-Type")).startsWith("application/vnd.pgrst.object+json");

        Rest.Response many = single.get("/characters?select=name&primary_trait=eq.brave");
        assertThat(many.status()).isEqualTo(406);
        assertThat(many.json().get("code").asText()).isEqualTo("PGRST116");
        assertThat(many.json().get("details").asText()).isEqualTo("The result contains 2 rows");

        Rest.Response none = single.get("/characters?name=eq.Nobody");
        assertThat(none.status()).isEqualTo(406);
        assertThat(none.json().get("details").asText()).isEqualTo("The result contains 0 rows");
    }

    @Test
    void embedsAToOneRelationAsAnObjectOrNull() {
        Rest.Response r = rest.get("/tales?select=title,character_id,characters(name)&order=title");
        JsonNode rows = r.json();
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).get("title").asText()).isEqualTo("Dragon");
        assertThat(rows.get(0).get("characters").get("name").asText()).isEqualTo("Ayla");
        assertThat(rows.get(1).get("characters").isNull())
                .as("Lonesome has no character")
                .isTrue();
        assertThat(rows.get(0).get("characters").size()).isEqualTo(1);
    }

    @Test
    void embedsAToManyRelationAsAnArrayEmptyWhenThereIsNone() {
        JsonNode rows =
                rest.get("/characters?select=name,tales(title)&order=name").json();
        assertThat(rows.get(0).get("tales").findValuesAsText("title")).containsExactlyInAnyOrder("Dragon", "Moon");
        assertThat(rows.get(1).get("tales").isArray()).isTrue();
        assertThat(rows.get(1).get("tales")).isEmpty();
        List<String> keys = new ArrayList<>();
        rows.get(0).fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("name", "tales");
    }

    @Test
    void nestsAliasesAndShapesEmbeddings() {
        JsonNode ayla = rest.get("/characters?select=name,works:tales(title,scenes(scene_number))"
                        + "&name=eq.Ayla&works.order=title&works.scenes.order=scene_number.desc")
                .json()
                .get(0);
        JsonNode tales = ayla.get("works");
        assertThat(tales.get(0).get("title").asText()).isEqualTo("Dragon");
        assertThat(tales.get(0).get("scenes").findValuesAsText("scene_number")).containsExactly("2", "1");
        assertThat(tales.get(1).get("scenes")).isEmpty();
    }

    @Test
    void filtersOrdersAndLimitsInsideAnEmbedding() {
        JsonNode ayla = rest.get("/characters?select=name,tales(title)&name=eq.Ayla&tales.title=eq.Moon")
                .json()
                .get(0);
        assertThat(ayla.get("tales").findValuesAsText("title")).containsExactly("Moon");
        JsonNode limited = rest.get(
                        "/characters?select=name,tales(title)&name=eq.Ayla&tales.order=title.desc&tales.limit=1")
                .json()
                .get(0);
        assertThat(limited.get("tales").findValuesAsText("title")).containsExactly("Moon");
    }

    @Test
    void innerEmbeddingDropsParentsWithoutMatchingChildren() {
        assertThat(names(rest.get("/characters?select=name,tales!inner(title)"), "name"))
                .containsExactly("Ayla");
        assertThat(names(rest.get("/characters?select=name,tales!inner(title)&tales.title=eq.Nothing"), "name"))
                .isEmpty();
        assertThat(names(rest.get("/tales?select=title,characters!inner(name)&order=title"), "title"))
                .containsExactly("Dragon", "Moon");
        Rest.Response counted = rest.with("Prefer", "count=exact").get("/characters?select=name,tales!inner(title)");
        assertThat(counted.header("Content-Range")).isEqualTo("0-0/1");
    }

    @Test
    void nullFiltersOnAnEmbeddingKeepOrDropParents() {
        assertThat(names(rest.get("/characters?select=name,tales(title)&tales=not.is.null"), "name"))
                .containsExactly("Ayla");
        assertThat(names(rest.get("/characters?select=name,tales(title)&tales=is.null&order=name"), "name"))
                .containsExactly("Bram", "Cato", "Dara");
        assertThat(names(rest.get("/tales?select=title,characters(name)&characters=is.null"), "title"))
                .containsExactly("Lonesome");
    }

    @Test
    void ordersByAToOneEmbeddingsColumn() {
        assertThat(names(
                        rest.get("/tales?select=title,characters(name)&order=characters(name).desc.nullsfirst,title"),
                        "title"))
                .containsExactly("Lonesome", "Dragon", "Moon");
    }

    @Test
    void spreadsAToOneEmbeddingIntoTheParent() {
        JsonNode row = rest.get("/tales?select=title,...characters(character_name:name,primary_trait)&title=eq.Moon")
                .json()
                .get(0);
        List<String> keys = new ArrayList<>();
        row.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("title", "character_name", "primary_trait");
        assertThat(row.get("character_name").asText()).isEqualTo("Ayla");
        JsonNode characterless = rest.get("/tales?select=title,...characters(name)&title=eq.Lonesome")
                .json()
                .get(0);
        assertThat(characterless.get("name").isNull()).isTrue();
        // PostgREST 13 spreads a to-many embedding too: arrays of its values (AggregatesTest).
        Rest.Response toMany = rest.get("/characters?select=name,...tales(title)&name=eq.Ayla");
        assertThat(toMany.status()).isEqualTo(200);
        assertThat(toMany.json().get(0).get("title").isArray()).isTrue();
    }

    @Test
    void embedsByForeignKeyColumnAndConstraintHints() {
        JsonNode byColumn = rest.get("/tales?select=title,character:character_id(name)&title=eq.Moon")
                .json()
                .get(0);
        assertThat(byColumn.get("character").get("name").asText()).isEqualTo("Ayla");
        JsonNode byHint = rest.get("/tales?select=title,characters!tales_character_id_fkey(name)&title=eq.Moon")
                .json()
                .get(0);
        assertThat(byHint.get("characters").get("name").asText()).isEqualTo("Ayla");
    }

    @Test
    void embedsManyToManyThroughAJunctionTable() {
        Rest service = Fixtures.service().with("Prefer", "return=representation");
        JsonNode label = service.post("/labels", "{\"name\":\"fearless-" + user.id() + "\"}")
                .json()
                .get(0);
        assertThat(service.post(
                                "/character_labels",
                                "{\"character_id\":\"" + ayla + "\",\"label_id\":"
                                        + label.get("id").asInt() + "}")
                        .status())
                .isEqualTo(201);
        JsonNode row = rest.get("/characters?select=name,labels(name)&id=eq." + ayla)
                .json()
                .get(0);
        assertThat(row.get("labels").findValuesAsText("name")).containsExactly("fearless-" + user.id());
    }

    @Test
    void embedsASelfReferenceThroughItsForeignKeyColumn() {
        Rest service = Fixtures.service().with("Prefer", "return=representation");
        int parent = service.post("/labels", "{\"name\":\"parent-" + user.id() + "\"}")
                .json()
                .get(0)
                .get("id")
                .asInt();
        assertThat(service.post("/labels", "{\"name\":\"child-" + user.id() + "\",\"parent_id\":" + parent + "}")
                        .status())
                .isEqualTo(201);
        JsonNode child = rest.get("/labels?select=name,parent:parent_id(name)&name=eq.child-" + user.id())
                .json()
                .get(0);
        assertThat(child.get("parent").get("name").asText()).isEqualTo("parent-" + user.id());
        JsonNode root = rest.get("/labels?select=name,parent:parent_id(name)&id=eq." + parent)
                .json()
                .get(0);
        assertThat(root.get("parent").isNull()).isTrue();
    }

    @Test
    void selectsFiltersAndOrdersByJsonPaths() {
        JsonNode rows = rest.get(
                        "/tales?select=title,kind:event_data->>kind,event_data->level&order=event_data->level.desc")
                .json();
        assertThat(rows.get(0).get("title").asText()).isEqualTo("Lonesome");
        assertThat(rows.get(0).get("kind").asText()).isEqualTo("lonesome");
        assertThat(rows.get(0).get("level").isInt()).as("-> keeps JSON types").isTrue();
        assertThat(names(rest.get("/tales?select=title&event_data->>kind=eq.moon"), "title"))
                .containsExactly("Moon");
        assertThat(names(rest.get("/tales?select=title&event_data->level=gt.4&order=title"), "title"))
                .containsExactly("Dragon", "Lonesome");
        assertThat(names(rest.get("/characters?select=name&visual_profile->eyes->>0=eq.green"), "name"))
                .containsExactly("Cato");
    }

    @Test
    void castsSelectedColumns() {
        JsonNode row = rest.get("/scenes?select=scene_number::text,timestamp_seconds::int&tale_id=eq." + dragon
                        + "&scene_number=eq.2")
                .json()
                .get(0);
        assertThat(row.get("scene_number").isTextual()).isTrue();
        assertThat(row.get("scene_number").asText()).isEqualTo("2");
        assertThat(row.get("timestamp_seconds").asInt()).isEqualTo(13);
    }

    @Test
    void containsContainedAndOverlapsOnArraysAndJsonb() {
        String mine = "&user_id=eq." + user.id();
        assertThat(names(rest.get("/events?select=title&keywords=cs.{moon}" + mine), "title"))
                .containsExactly("Moon picnic");
        assertThat(names(rest.get("/events?select=title&keywords=cd.{sea,boat,ship}" + mine), "title"))
                .containsExactly("Sea voyage");
        assertThat(names(rest.get("/events?select=title&order=title&keywords=ov.{boat,picnic}" + mine), "title"))
                .containsExactly("Moon picnic", "Sea voyage");
        assertThat(names(
                        rest.get("/characters?select=name&visual_profile=cs." + enc("{\"hair_color\":\"red\"}")),
                        "name"))
                .containsExactly("Ayla");
    }

    @Test
    void searchesFullText() {
        assertThat(names(rest.get("/tales?select=title&content=fts.dragon"), "title"))
                .containsExactly("Dragon");
        assertThat(names(rest.get("/tales?select=title&content=plfts(english)." + enc("golden eggs")), "title"))
                .containsExactly("Dragon");
        assertThat(names(rest.get("/tales?select=title&content=phfts." + enc("the moon")), "title"))
                .containsExactly("Moon");
        assertThat(names(rest.get("/tales?select=title&content=wfts(english)." + enc("picnic -dragon")), "title"))
                .containsExactly("Moon");
        assertThat(names(rest.get("/tales?select=title&content=not.fts.dragon&order=title"), "title"))
                .containsExactly("Lonesome", "Moon");
    }

    @Test
    void readsViews() {
        assertThat(names(rest.get("/tale_titles?select=title&order=title"), "title"))
                .containsExactly("Dragon", "Lonesome", "Moon");
    }

    @Test
    void answersCsvWhenAsked() {
        Rest.Response r = rest.with("Accept", "text/csv").get("/characters?select=name,appearance&order=name&limit=2");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/csv");
        // PostgREST's CSV (ADR 0028): unquoted header, values quoted only where PostgreSQL quotes them.
        assertThat(r.body()).isEqualTo("name,appearance\nAyla,\"red cloak\"\nBram,");
    }

    @Test
    void rowLevelSecurityDecidesWhatEachCallerSees() {
        TestUser other = TestServer.get().newUser();
        assertThat(Fixtures.as(other.accessToken()).get("/characters").json()).isEmpty();
        assertThat(Fixtures.as(other.accessToken())
                        .get("/characters?select=name,tales(title)")
                        .json())
                .isEmpty();
        assertThat(Fixtures.anon().get("/events?user_id=eq." + user.id()).json())
                .as("private events")
                .isEmpty();
        Rest.Response anonCharacters = Fixtures.anon().get("/characters");
        assertThat(anonCharacters.status()).isEqualTo(401);
        assertThat(anonCharacters.json().get("code").asText()).isEqualTo("42501");
    }

    @Test
    void answersJsonWithUtf8AndCorsHeaders() {
        Rest.Response r = rest.with("Origin", "https://app.example").get("/characters?select=name&limit=1");
        assertThat(r.header("Content-Type")).matches("application/json; ?charset=utf-8");
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Expose-Headers")).contains("Content-Range");
    }
}
