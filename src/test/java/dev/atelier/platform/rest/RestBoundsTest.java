package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.rest.BackendMemory.Peaks;
import dev.atelier.testing.Rest;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bounded work per request (issue 6, finding 2): rows per level (atelier.rest.max-rows, default
 * 1000, PostgREST's db-max-rows), select-list size (max-select-items, 200) and response size
 * (max-response-bytes, 10 MiB), with the backend's memory measured for the alias attack.
 */
class RestBoundsTest {

    private static final int MEGABYTE_TEXT = 1_000_000;
    /** Rows 1..12 hold a 1 MB text each; rows 100.. are 20,000 small ones under parent 1. */
    private static final int BIG_ROWS = 12;

    private static final int SMALL_ROWS = 20_000;

    private static final Rest ANON = Fixtures.anon();

    @BeforeAll
    static void seed() {
        // The tables and the 20,000 small rows come from the test migrations (V4__rest_fixture_bounds.sql).
        // The long texts arrive as a client's would: through the Data API, as the service role.
        Rest.Response cleared = Fixtures.service().delete("/bounds_texts?id=lte." + BIG_ROWS);
        assertThat(cleared.status()).as(cleared.toString()).isEqualTo(204);
        String text = "0123456789".repeat(MEGABYTE_TEXT / 10);
        for (int id = 1; id <= BIG_ROWS; id++) {
            Rest.Response r = Fixtures.service()
                    .post("/bounds_texts", Rest.json(Map.of("id", id, "parent_id", 2, "content", text)));
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
        }
    }

    private static String aliases(int n) {
        return IntStream.range(0, n).mapToObj(i -> "a" + i + ":content").collect(Collectors.joining(","));
    }

    private static void assertError(Rest.Response r, int status, String code, String mentions) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonNode json = r.json();
        assertThat(json.path("code").asText()).isEqualTo(code);
        assertThat(json.has("message") && json.has("details") && json.has("hint"))
                .as(r.body())
                .isTrue();
        assertThat(json.path("message").asText() + " " + json.path("details").asText())
                .contains(mentions);
    }

    // ------------------------------------------------------------------------------------------
    // The alias attack: one 1 MB text under many aliases.
    // ------------------------------------------------------------------------------------------

    /**
     * Before the guard, 150 aliases of the 1 MB text raised the serving backend's peak RSS by 2.2 GB
     * (300 aliases: 7.8 GB). Now the row's size is estimated from the value's header and the row is
     * refused before it is built: the bound asserted is 64 MB of peak growth for any pool backend,
     * far below the 150 MB the row itself would take and enough for the backend's ordinary work.
     */
    @Test
    void theAliasAttackIsRefusedBeforeTheBackendBuildsTheRow() {
        Peaks peaks = BackendMemory.resetPeaks();
        Rest.Response r = ANON.get("/bounds_texts?id=eq.1&select=" + aliases(150));
        assertError(r, 400, "PGRSTX02", "10485760");
        assertThat(r.json().path("details").asText()).contains("atelier.rest.max-response-bytes");
        peaks.assertGrowthBelowMegabytes(64);
    }

    @Test
    void threeHundredAliasesAreRefusedAsTooLongASelectList() {
        Peaks peaks = BackendMemory.resetPeaks();
        Rest.Response r = ANON.get("/bounds_texts?id=eq.1&select=" + aliases(300));
        assertError(r, 400, "PGRSTX01", "at most 200");
        assertThat(r.json().path("message").asText()).contains("300");
        assertThat(r.json().path("details").asText()).contains("atelier.rest.max-select-items");
        peaks.assertGrowthBelowMegabytes(64);
    }

    @Test
    void repeatedStarsCannotStandInForALongSelectList() {
        // 101 stars of a ten-column table stand for 1,010 columns: more than five times max-select-items.
        Rest.Response many = ANON.get("/bounds_wide?select=" + stars(101));
        assertError(many, 400, "PGRSTX01", "at most 1000");
        Rest.Response enough = ANON.get("/bounds_wide?select=" + stars(100));
        assertThat(enough.status()).as(enough.toString()).isEqualTo(200);
        assertThat(enough.json().get(0).path("c9").asInt()).isEqualTo(9);
    }

    private static String stars(int n) {
        return IntStream.range(0, n).mapToObj(i -> "*").collect(Collectors.joining(","));
    }

    /**
     * A response just under the limit is served, and the backend builds it in a bounded multiple of
     * the limit (the row, the page aggregate, its text and the wire copy): 9 aliases, 9 MB out,
     * asserted under 160 MB of peak growth (measured about 75 MB).
     */
    @Test
    void aResponseUnderTheLimitIsServedWithBoundedMemory() {
        Peaks peaks = BackendMemory.resetPeaks();
        Rest.Response r = ANON.get("/bounds_texts?id=eq.1&select=" + aliases(9));
        assertThat(r.status()).as(r.toString().substring(0, 200)).isEqualTo(200);
        assertThat(r.body().length()).isGreaterThan(9 * MEGABYTE_TEXT);
        assertThat(r.json().get(0).path("a8").asText()).hasSize(MEGABYTE_TEXT);
        peaks.assertGrowthBelowMegabytes(160);
    }

    @Test
    void aPageWhoseRowsTogetherPassTheLimitIsRefused() {
        Rest.Response r = ANON.get("/bounds_texts?id=lte." + BIG_ROWS + "&select=id,content&order=id");
        assertError(r, 400, "PGRSTX02", "10485760");
        // Fewer rows fit: the client pages.
        Rest.Response page = ANON.get("/bounds_texts?id=lte." + BIG_ROWS + "&select=id,content&order=id&limit=5");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json()).hasSize(5);
    }

    @Test
    void aWriteWhoseRepresentationWouldPassTheLimitIsRefusedAndRolledBack() {
        Rest writer = Fixtures.service().with("Prefer", "return=representation");
        Rest.Response r = writer.patch("/bounds_texts?id=lte." + BIG_ROWS + "&select=id,content", "{\"parent_id\": 1}");
        assertError(r, 400, "PGRSTX02", "10485760");
        Rest.Response after = ANON.get("/bounds_texts?id=lte." + BIG_ROWS + "&parent_id=eq.1&select=id");
        assertThat(after.json()).as("nothing half-written").isEmpty();
    }

    @Test
    void anEmbeddingThatWouldPassTheLimitIsRefused() {
        Rest.Response r = ANON.get("/bounds_parents?id=eq.2&select=id,bounds_texts(content)");
        assertError(r, 400, "PGRSTX02", "10485760");
        Rest.Response csv = ANON.with("Accept", "text/csv").get("/bounds_texts?id=lte." + BIG_ROWS + "&select=content");
        assertError(csv, 400, "PGRSTX02", "10485760");
    }

    // ------------------------------------------------------------------------------------------
    // Rows per response.
    // ------------------------------------------------------------------------------------------

    @Test
    void aTwentyThousandRowReadReturnsAtMostMaxRows() {
        Rest.Response all = ANON.get("/bounds_texts?select=id&id=gte.100&order=id");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json()).hasSize(1000);
        assertThat(all.header("Content-Range")).isEqualTo("0-999/*");

        Rest.Response counted = ANON.with("Prefer", "count=exact").get("/bounds_texts?select=id&id=gte.100&order=id");
        assertThat(counted.status()).isEqualTo(206);
        assertThat(counted.json()).hasSize(1000);
        assertThat(counted.header("Content-Range")).isEqualTo("0-999/" + SMALL_ROWS);

        // A larger client limit is capped; a smaller one stands; the offset is the client's.
        assertThat(ANON.get("/bounds_texts?select=id&id=gte.100&limit=5000").json())
                .hasSize(1000);
        assertThat(ANON.get("/bounds_texts?select=id&id=gte.100&limit=10").json())
                .hasSize(10);
        Rest.Response tail =
                ANON.with("Prefer", "count=exact").get("/bounds_texts?select=id&id=gte.100&order=id&offset=19990");
        assertThat(tail.json()).hasSize(10);
        assertThat(tail.header("Content-Range")).isEqualTo("19990-19999/" + SMALL_ROWS);
        Rest.Response ranged = ANON.with("Range", "500-2999").get("/bounds_texts?select=id&id=gte.100&order=id");
        assertThat(ranged.json()).hasSize(1000);
        assertThat(ranged.header("Content-Range")).isEqualTo("500-1499/*");
        assertThat(ranged.json().get(0).path("id").asInt()).isEqualTo(600);
    }

    @Test
    void toManyEmbeddingsAreCappedToo() {
        Rest.Response r = ANON.get("/bounds_parents?id=eq.1&select=id,bounds_texts(id)");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get(0).path("bounds_texts")).hasSize(1000);
        Rest.Response limited = ANON.get("/bounds_parents?id=eq.1&select=id,bounds_texts(id)&bounds_texts.limit=3");
        assertThat(limited.json().get(0).path("bounds_texts")).hasSize(3);
    }

    @Test
    void functionResultsAreCapped() {
        Rest.Response numbers = ANON.get("/rpc/numbers?n=5000");
        assertThat(numbers.status()).as(numbers.toString()).isEqualTo(200);
        assertThat(numbers.json()).hasSize(1000);
        Rest.Response pairs = ANON.post("/rpc/pairs", "{\"n\": 5000}");
        assertThat(pairs.status()).as(pairs.toString()).isEqualTo(200);
        assertThat(pairs.json()).hasSize(1000);
        assertThat(ANON.post("/rpc/pairs?limit=7", "{\"n\": 5000}").json()).hasSize(7);
    }

    @Test
    void mutationsReturnEveryRowTheyChanged() {
        // PostgREST applies db-max-rows to reads only: a write's representation lists every written row.
        Rest writer = Fixtures.service().with("Prefer", "return=representation");
        Rest.Response r = writer.patch("/bounds_texts?id=gte.100&id=lt.1300&select=id", "{\"content\": \"changed\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json()).hasSize(1200);
    }
}
