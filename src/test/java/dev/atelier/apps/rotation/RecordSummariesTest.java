package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.newInventory;
import static dev.atelier.apps.rotation.RotationSql.newRecord;
import static dev.atelier.apps.rotation.RotationSql.newStore;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.cache.CacheMetrics;
import dev.atelier.platform.cache.Caches;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import org.junit.jupiter.api.Test;

/** A record page's summary through HTTP, built once as anon sees the catalogue and served from metadata_cache. */
class RecordSummariesTest {

    private static final TestServer server = TestServer.get();

    private static CacheMetrics metrics() {
        return server.component(Caches.class).all().stream()
                .filter(m -> m.name().equals(RecordSummaries.CACHE))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aSummaryIsBuiltOnceThenServedFromMetadataCacheUntilInvalidated() throws Exception {
        int record = newRecord(200, 180);
        int active = newStore("active");
        int pending = newStore("pending");
        newInventory(active, record, "active");
        newInventory(pending, record, "active"); // a store anon cannot see: not counted
        newInventory(active, record, "draft"); // nor a draft
        String path = "/api/v1/rotation/records/" + record + "/summary";

        long hits = metrics().hits();
        Rest.Response first = Rest.anon().get(path);
        assertThat(first.status()).isEqualTo(200);
        JsonNode s = first.json();
        assertThat(s.get("tracks")).hasSize(2);
        assertThat(s.get("listings").asInt()).isEqualTo(1);
        assertThat(s.get("stores").asInt()).isEqualTo(1);
        assertThat(ownerQuery("select refresh_count || ' ' || (expires_at > now() + interval '9 minutes')"
                        + " from rotation.metadata_cache where entity_type = 'record' and entity_id = " + record
                        + " and cache_key = 'summary'"))
                .isEqualTo("1 true");

        // the record changes; the cached copy is what every server serves until it expires or goes
        ownerExec("update rotation.records set title = 'Renamed' where id = " + record);
        TestServer.TestUser user = server.newUser();
        assertThat(Rest.as(user.accessToken()).get(path).json().get("title").asText())
                .isEqualTo(s.get("title").asText());
        assertThat(metrics().hits()).isGreaterThanOrEqualTo(hits + 1);

        server.component(Caches.class)
                .shared(RecordSummaries.CACHE)
                .orElseThrow()
                .invalidate("record:" + record + ":summary");
        assertThat(Rest.anon().get(path).json().get("title").asText()).isEqualTo("Renamed");
    }

    @Test
    void unknownAndMalformedIdsAreNotFound() {
        assertThat(Rest.anon()
                        .get("/api/v1/rotation/records/2147483647/summary")
                        .status())
                .isEqualTo(404);
        assertThat(Rest.anon().get("/api/v1/rotation/records/abc/summary").status())
                .isEqualTo(404);
        assertThat(Rest.anon().get("/api/v1/rotation/records/-1/summary").status())
                .isEqualTo(404);
    }
}
