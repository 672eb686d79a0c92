package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgREST's media types and message texts (ADR 0028): execution plans
 * ({@code Accept: application/vnd.pgrst.plan}), CSV as PostgreSQL quotes it, GeoJSON's answer
 * without PostGIS, and PostgREST 12's error texts.
 */
class MediaTypesTest {

    private static final String PLAN_JSON = "application/vnd.pgrst.plan+json";

    private static TestUser user;
    private static Rest rest;
    private static String bram;

    @BeforeAll
    static void seed() {
        user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken());
        Rest.Response made = rest.with("Prefer", "return=representation")
                .post(
                        "/characters",
                        Rest.json(List.of(
                                Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                                Fixtures.character(user.id(), "Bram", "brave", "wise"))));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        for (JsonNode c : made.json()) {
            if (c.get("name").asText().equals("Bram")) {
                bram = c.get("id").asText();
            }
        }
        // Another user's rows, which RLS hides from this one even in a plan with ANALYZE.
        TestUser other = TestServer.get().newUser();
        Rest.Response theirs = Fixtures.as(other.accessToken())
                .post("/characters", Rest.json(List.of(Fixtures.character(other.id(), "Zed", "sly", "odd"))));
        assertThat(theirs.status()).as(theirs.toString()).isEqualTo(201);
    }

    // ---- Execution plans ----

    @Test
    void aReadsPlanIsPostgresqlsExplainTypedAsPostgrestTypesIt() {
        Rest.Response r = rest.with("Accept", PLAN_JSON).get("/characters?name=eq.Ayla");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type"))
                .isEqualTo("application/vnd.pgrst.plan+json; for=\"application/json\"; charset=utf-8");
        assertThat(r.header("Content-Range")).isNull();
        JsonNode plan = r.json().get(0).get("Plan");
        assertThat(plan.get("Node Type").asText()).isEqualTo("Aggregate");
        assertThat(plan.get("Total Cost").isNumber()).isTrue();
        assertThat(r.body()).endsWith("\n");
    }

    @Test
    void textIsTheDefaultFormat() {
        for (String accept : List.of("application/vnd.pgrst.plan", "application/vnd.pgrst.plan+text")) {
            Rest.Response r = rest.with("Accept", accept).get("/characters?select=name");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.header("Content-Type"))
                    .isEqualTo("application/vnd.pgrst.plan+text; for=\"application/json\"; charset=utf-8");
            assertThat(r.body()).startsWith("Aggregate").contains("characters").endsWith("\n");
        }
    }

    @Test
    void optionsComeBackInPostgrestsOrderAndAnalyzeSeesOnlyTheCallersRows() {
        Rest.Response r = rest.with("Accept", PLAN_JSON + "; options=verbose|analyze|buffers")
                .get("/characters?select=name");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type"))
                .isEqualTo("application/vnd.pgrst.plan+json; for=\"application/json\"; "
                        + "options=analyze|verbose|buffers; charset=utf-8");
        JsonNode root = r.json().get(0);
        assertThat(root.has("Execution Time")).isTrue();
        assertThat(root.get("Plan").has("Output")).isTrue(); // verbose
        JsonNode scan = scanOf(root.get("Plan"), "characters");
        assertThat(scan).as(r.body()).isNotNull();
        // RLS applies: the scan returned exactly the rows this user can read.
        int visible = rest.get("/characters?select=id").json().size();
        assertThat(scan.get("Actual Rows").asInt()).isEqualTo(visible).isEqualTo(2);
    }

    @Test
    void aPlanForAnotherMediaTypePlansThatStatement() {
        Rest.Response object = rest.with(
                        "Accept", PLAN_JSON + "; for=\"application/vnd.pgrst.object\"; options=verbose")
                .get("/characters");
        // Several rows: no PGRST116 for a plan, only the plan.
        assertThat(object.status()).as(object.toString()).isEqualTo(200);
        assertThat(object.header("Content-Type"))
                .isEqualTo("application/vnd.pgrst.plan+json; for=\"application/vnd.pgrst.object+json\"; "
                        + "options=verbose; charset=utf-8");
        Rest.Response csv = rest.with("Accept", "application/vnd.pgrst.plan; for=\"text/csv\"")
                .get("/characters");
        assertThat(csv.status()).as(csv.toString()).isEqualTo(200);
        assertThat(csv.header("Content-Type"))
                .isEqualTo("application/vnd.pgrst.plan+text; for=\"text/csv\"; charset=utf-8");
        assertThat(csv.body()).startsWith("Aggregate");
    }

    @Test
    void aPlanForATypeNotProducedIs406() {
        Rest.Response r = rest.with("Accept", PLAN_JSON + "; for=\"text/xml\"").get("/characters");
        assertThat(r.status()).as(r.toString()).isEqualTo(406);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST107");
        assertThat(r.json().get("message").asText())
                .isEqualTo("None of these media types are available: "
                        + "application/vnd.pgrst.plan+json; for=\"text/xml\"");
    }

    @Test
    void writesArePlannedAndAnalyzedWritesAreRolledBack() {
        Rest.Response delete =
                rest.with("Accept", PLAN_JSON + "; options=analyze").delete("/characters?id=eq." + bram);
        assertThat(delete.status()).as(delete.toString()).isEqualTo(200);
        assertThat(delete.header("Content-Type"))
                .isEqualTo("application/vnd.pgrst.plan+json; for=\"application/json\"; options=analyze; charset=utf-8");
        assertThat(delete.body()).contains("\"Operation\": \"Delete\"");
        assertThat(rest.get("/characters?select=id&id=eq." + bram).json().size())
                .isEqualTo(1);

        Rest.Response insert = rest.with("Accept", PLAN_JSON + "; options=analyze")
                .with("Prefer", "return=representation")
                .post("/characters", Rest.json(Fixtures.character(user.id(), "Ghost", "pale", "quiet")));
        assertThat(insert.status()).as(insert.toString()).isEqualTo(200);
        assertThat(insert.body()).contains("\"Operation\": \"Insert\"");
        assertThat(rest.get("/characters?select=id&name=eq.Ghost").json().size())
                .isZero();

        Rest.Response patch = rest.with("Accept", "application/vnd.pgrst.plan")
                .patch("/characters?id=eq." + bram, "{\"name\":\"B\"}");
        assertThat(patch.status()).as(patch.toString()).isEqualTo(200);
        assertThat(patch.body()).contains("Update on characters");
    }

    @Test
    void functionsArePlanned() {
        Rest.Response set = rest.with("Accept", PLAN_JSON).get("/rpc/characters_named?prefix=A");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().get(0).get("Plan").get("Node Type").asText()).isEqualTo("Aggregate");
        Rest.Response scalar = rest.with("Accept", "application/vnd.pgrst.plan").get("/rpc/plus?a=1&b=2");
        assertThat(scalar.status()).as(scalar.toString()).isEqualTo(200);
        assertThat(scalar.header("Content-Type"))
                .isEqualTo("application/vnd.pgrst.plan+text; for=\"application/json\"; charset=utf-8");
        Rest.Response voidCall =
                rest.with("Accept", "application/vnd.pgrst.plan").post("/rpc/nothing", "{}");
        assertThat(voidCall.status()).as(voidCall.toString()).isEqualTo(200);
        assertThat(voidCall.body()).isNotBlank();
    }

    @Test
    void withPlansDisabledAPlanIsNotAcceptable() {
        assertThatThrownBy(() -> MediaType.negotiate("application/vnd.pgrst.plan", false, false))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status).isEqualTo(406);
                    assertThat(e.code).isEqualTo("PGRST107");
                    assertThat(e.getMessage())
                            .isEqualTo("None of these media types are available: "
                                    + "application/vnd.pgrst.plan+text; for=\"application/json\"");
                });
        // Another acceptable type after it is taken instead, as PostgREST does.
        assertThat(MediaType.negotiate("application/vnd.pgrst.plan+json, text/csv", false, false))
                .isEqualTo(MediaType.CSV);
        assertThat(MediaType.negotiate("application/vnd.pgrst.plan+json; options=wal|analyze", false, true))
                .isEqualTo(MediaType.PLAN);
        MediaType.Explain explain = MediaType.Explain.of("application/vnd.pgrst.plan+json; options=wal|analyze|drop");
        assertThat(explain.explainPrefix()).isEqualTo("EXPLAIN (FORMAT JSON, ANALYZE, WAL) ");
        // A plan for a type not produced is skipped; a later plan range is the one taken.
        String two = "application/vnd.pgrst.plan; for=\"text/xml\", application/vnd.pgrst.plan+json; for=\"text/csv\"";
        assertThat(MediaType.negotiate(two, false, true)).isEqualTo(MediaType.PLAN);
        assertThat(MediaType.Explain.of(two).target()).isEqualTo(MediaType.CSV);
        assertThat(MediaType.Explain.of(two).json()).isTrue();
    }

    @Test
    void anonGetsAPlanOnlyOfWhatItMayRead() {
        Rest.Response r =
                Fixtures.anon().with("Accept", PLAN_JSON + "; options=analyze").get("/characters");
        // anon has no SELECT on characters: the same answer as the read itself.
        Rest.Response read = Fixtures.anon().get("/characters");
        assertThat(r.status()).as(r.toString()).isEqualTo(read.status());
        if (read.status() == 200) {
            JsonNode scan = scanOf(r.json().get(0).get("Plan"), "characters");
            assertThat(scan.get("Actual Rows").asInt()).isEqualTo(read.json().size());
        } else {
            assertThat(r.json().get("code").asText())
                    .isEqualTo(read.json().get("code").asText());
        }
    }

    private static JsonNode scanOf(JsonNode node, String relation) {
        if (relation.equals(node.path("Relation Name").asText())) {
            return node;
        }
        for (JsonNode child : node.path("Plans")) {
            JsonNode found = scanOf(child, relation);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    // ---- CSV ----

    @Test
    void csvQuotesOnlyWherePostgresqlDoes() {
        String[] titles = {"plain", "a,b", "say \"hi\"", " lead", "trail ", "two\nlines", "back\\slash", "", "(x)"};
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < titles.length; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("user_id", user.id().toString());
            row.put("title", titles[i]);
            row.put("prompt_seed", "csv" + i);
            row.put("keywords", i == 0 ? null : i == 1 ? List.of() : List.of("x", "y z"));
            row.put("is_public", i % 2 == 0);
            rows.add(row);
        }
        Rest.Response made = rest.post("/events", Rest.json(rows));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);

        Rest.Response r = rest.with("Accept", "text/csv")
                .get(
                        "/events?select=prompt_seed,title,keywords,is_public&prompt_seed=like.csv*&order=prompt_seed&user_id=eq."
                                + user.id());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/csv; charset=utf-8");
        assertThat(r.body())
                .isEqualTo(String.join(
                        "\n",
                        "prompt_seed,title,keywords,is_public",
                        "csv0,plain,,t",
                        "csv1,\"a,b\",{},f",
                        "csv2,\"say \"\"hi\"\"\",\"{x,\"\"y z\"\"}\",t",
                        "csv3,\" lead\",\"{x,\"\"y z\"\"}\",f",
                        "csv4,\"trail \",\"{x,\"\"y z\"\"}\",t",
                        "csv5,\"two\nlines\",\"{x,\"\"y z\"\"}\",f",
                        "csv6,\"back\\\\slash\",\"{x,\"\"y z\"\"}\",t",
                        "csv7,\"\",\"{x,\"\"y z\"\"}\",f",
                        "csv8,\"(x)\",\"{x,\"\"y z\"\"}\",t"));
    }

    @Test
    void csvWritesJsonNullsAndEmbedsAsPostgresqlWritesTheRow() {
        rest.patch("/characters?id=eq." + bram, "{\"visual_profile\":{\"eyes\":[\"green\"]},\"appearance\":null}");
        Rest.Response r = rest.with("Accept", "text/csv")
                .get("/characters?select=name,appearance,visual_profile,tales(title)&id=eq." + bram);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body())
                .isEqualTo("name,appearance,visual_profile,tales\n" + "Bram,,\"{\"\"eyes\"\": [\"\"green\"\"]}\",[]");
    }

    @Test
    void csvOfNoRowsIsANewlineAsInPostgrest() {
        Rest.Response r = rest.with("Accept", "text/csv").get("/characters?name=eq.nobody");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("\n");
    }

    // ---- GeoJSON without PostGIS ----

    @Test
    void geoJsonWithoutPostgisIsPostgresqlsUndefinedFunction() {
        Rest.Response r = rest.with("Accept", "application/geo+json").get("/characters");
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(r.json().get("code").asText()).isEqualTo("42883");
        assertThat(r.json().get("message").asText()).isEqualTo("function st_asgeojson(record) does not exist");
    }

    // ---- PostgREST's message texts ----

    @Test
    void singleObjectOverSeveralRowsHasPostgrest12sText() {
        Rest.Response r =
                rest.with("Accept", "application/vnd.pgrst.object+json").get("/characters");
        assertThat(r.status()).isEqualTo(406);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST116");
        assertThat(r.json().get("message").asText()).isEqualTo("JSON object requested, multiple (or no) rows returned");
        assertThat(r.json().get("details").asText()).isEqualTo("The result contains 2 rows");
        assertThat(r.json().get("hint").isNull()).isTrue();
    }

    @Test
    void aBodyOfAnotherContentTypeIsPgrst102() {
        Rest.Response r = rest.with("Content-Type", "text/xml").post("/characters", "<x/>");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST102");
        assertThat(r.json().get("message").asText()).isEqualTo("Content-Type not acceptable: text/xml");
        assertThat(r.json().get("details").isNull()).isTrue();
        assertThat(r.json().get("hint").isNull()).isTrue();
    }

    @Test
    void anUnacceptableMediaTypeNamesEveryTypeAsked() {
        Rest.Response r =
                rest.with("Accept", "text/xml; q=0.9, application/x-foo").get("/characters");
        assertThat(r.status()).isEqualTo(406);
        assertThat(r.json().get("message").asText())
                .isEqualTo("None of these media types are available: text/xml, application/x-foo");
    }

    @Test
    void anUnknownSchemaHasNoHintAsInPostgrest12() {
        Rest.Response r = rest.with("Accept-Profile", "nope").get("/characters");
        assertThat(r.status()).isEqualTo(406);
        assertThat(r.json().get("message").asText()).startsWith("The schema must be one of the following: ");
        assertThat(r.json().get("hint").isNull()).isTrue();
    }

    @Test
    void aBadRaisePgrstHasPostgrestsDetailsAndHint() {
        String messageHint =
                "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.";
        String detailHint =
                "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";
        assertPgrst121("message", "Invalid JSON value for MESSAGE: 'not json'", messageHint);
        assertPgrst121("no-detail", "DETAIL is missing in the RAISE statement", detailHint);
        assertPgrst121("detail", "Invalid JSON value for DETAIL: 'not json'", detailHint);
        Rest.Response ok = rest.post("/rpc/raise_pgrst", "{\"kind\":\"fine\"}");
        assertThat(ok.status()).isEqualTo(418);
        assertThat(ok.header("X-Tea")).isEqualTo("green");
        assertThat(ok.json().get("code").asText()).isEqualTo("X1");
    }

    private static void assertPgrst121(String kind, String details, String hint) {
        Rest.Response r = rest.post("/rpc/raise_pgrst", "{\"kind\":\"" + kind + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(500);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST121");
        assertThat(r.json().get("message").asText())
                .isEqualTo("Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error");
        assertThat(r.json().get("details").asText()).isEqualTo(details);
        assertThat(r.json().get("hint").asText()).isEqualTo(hint);
    }
}
