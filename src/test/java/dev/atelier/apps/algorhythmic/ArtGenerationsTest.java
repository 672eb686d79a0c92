package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Algorhythmic's art generation through {@code /api/v1/algorhythmic/generations}, with the local
 * provider (its deliberate faults set per test on a target of the test's own... here the one
 * target {@code art}, so each test that sets a fault uses its own user and clears it after).
 */
class ArtGenerationsTest {

    private static final TestServer server = TestServer.get();

    private static String body(ArtUser user) {
        return "{\"session_id\":\"" + user.session() + "\",\"music_track\":\"Blue in Green\",\"music_artist\":\"Miles"
                + " Davis\",\"music_genre\":\"jazz\",\"audio_features\":{\"tempo\":62,\"energy\":0.2}}";
    }

    private static List<String> ledger(String userId) throws Exception {
        return OwnerSql.rows("select event_type || ' ' || amount from algorhythmic.credit_ledger where user_id = '"
                + userId + "' order by created_at");
    }

    private static AiProviders providers() {
        return server.component(AiProviders.class);
    }

    @AfterAll
    static void ledgerReconciles() throws Exception {
        providers().localFaults().set("algorhythmic", "art", "");
        assertThat(server.component(Ledger.class).reconcile()).isEmpty();
    }

    @Test
    void artIsRenderedStoredAddedToThePoolAndChargedOnce() throws Exception {
        ArtUser user = ArtUser.create();
        int before = user.balance();
        Rest.Response started = user.start("first", body(user));
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        String id = started.json().path("id").asText();
        assertThat(user.openHolds()).isLessThanOrEqualTo(1);

        JsonNode done = user.until(id, "completed");
        assertThat(done.path("progress").asDouble()).isEqualTo(100.0);
        JsonNode art = done.path("artwork");
        assertThat(art.path("width").asInt()).isEqualTo(256);
        assertThat(art.path("height").asInt()).isEqualTo(256);
        assertThat(art.path("orientation").asText()).isEqualTo("square");
        assertThat(art.path("aspect_ratio").asText()).isEqualTo("1:1");
        assertThat(art.path("styles")).hasSize(2);
        assertThat(art.path("motifs")).hasSize(3);
        assertThat(art.path("quality_score").asInt()).isBetween(0, 100);
        assertThat(art.path("perceptual_hash").asText()).hasSize(16);

        // Anyone can open the image and its thumbnail (the bucket's public path), as PNGs.
        for (String url : List.of(
                art.path("image_url").asText(), art.path("thumbnail_url").asText())) {
            HttpResponse<byte[]> image = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(server.baseUrl() + url))
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertThat(image.statusCode()).as(url).isEqualTo(200);
            assertThat(image.headers().firstValue("content-type")).hasValue("image/png");
            assertThat(image.body()).startsWith(0x89, 'P', 'N', 'G');
        }

        assertThat(user.balance()).isEqualTo(before - 1);
        assertThat(ledger(user.id())).containsExactly("grant 100", "deduct -1");
        assertThat(user.openHolds()).isZero();

        // The same request under the same key is the same generation, charged once.
        Rest.Response again = user.start("first", body(user));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().path("id").asText()).isEqualTo(id);
        assertThat(user.balance()).isEqualTo(before - 1);

        // The owner reads it through /rest/v1 too, with the app's own access rules.
        JsonNode rows = user.rest()
                .with("Accept-Profile", "algorhythmic")
                .get("/art_sessions?select=id,image_url&id=eq." + art.path("id").asText())
                .json();
        assertThat(rows).hasSize(1);
        assertThat(user.rest()
                        .with("Accept-Profile", "algorhythmic")
                        .get("/generation_jobs?select=status&id=eq." + id)
                        .json()
                        .get(0)
                        .path("status")
                        .asText())
                .isEqualTo("completed");
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndChargeNothing() throws Exception {
        ArtUser user = ArtUser.create();
        ArtUser other = ArtUser.create();
        int before = user.balance();
        assertThat(Rest.anon()
                        .with("Idempotency-Key", "k")
                        .post(ArtUser.PATH, body(user))
                        .status())
                .isEqualTo(401);
        Rest.Response noKey = user.rest().post(ArtUser.PATH, body(user));
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.body()).contains("Idempotency-Key");
        Rest.Response shortDna = user.start("dna", "{\"session_id\":\"" + user.session() + "\",\"dna_vector\":[0.5]}");
        assertThat(shortDna.status()).isEqualTo(400);
        assertThat(shortDna.json().path("field").asText()).isEqualTo("dna_vector");
        Rest.Response notYours = user.start("theirs", body(other));
        assertThat(notYours.status()).isEqualTo(400);
        assertThat(notYours.json().path("field").asText()).isEqualTo("session_id");
        Rest.Response orientation =
                user.start("o", "{\"session_id\":\"" + user.session() + "\",\"orientation\":\"diagonal\"}");
        assertThat(orientation.json().path("field").asText()).isEqualTo("orientation");

        String id = user.start("once", body(user)).json().path("id").asText();
        Rest.Response reused = user.start("once", "{\"session_id\":\"" + user.session() + "\",\"prompt\":\"other\"}");
        assertThat(reused.status()).isEqualTo(409);
        // Another user never sees it, under any key.
        assertThat(other.rest().get(ArtUser.PATH + "/" + id).status()).isEqualTo(404);
        user.until(id, "completed");
        assertThat(user.balance()).isEqualTo(before - 1);
    }

    @Test
    void concurrentRequestsWithOneKeyStartOneGenerationChargedOnce() throws Exception {
        ArtUser user = ArtUser.create();
        int before = user.balance();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Rest.Response>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(pool.submit(() -> user.start("together", body(user))));
            }
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (java.util.concurrent.Future<Rest.Response> answer : answers) {
                Rest.Response r = answer.get();
                assertThat(r.status()).as(r.body()).isIn(200, 202);
                ids.add(r.json().path("id").asText());
            }
            assertThat(ids).hasSize(1);
            user.until(ids.iterator().next(), "completed");
        } finally {
            pool.shutdown();
        }
        assertThat(user.balance()).isEqualTo(before - 1);
        assertThat(OwnerSql.queryString(
                        "select count(*) from algorhythmic.generation_jobs where user_id = '" + user.id() + "'"))
                .isEqualTo("1");
    }

    @Test
    void withoutCreditsNothingStarts() throws Exception {
        ArtUser user = ArtUser.create();
        OwnerSql.exec("insert into algorhythmic.credit_ledger (user_id, event_type, amount, balance_after) values ('"
                + user.id() + "', 'deduct', -100, 0)");
        Rest.Response refused = user.start("broke", body(user));
        assertThat(refused.status()).isEqualTo(402);
        assertThat(OwnerSql.queryString(
                        "select count(*) from algorhythmic.generation_jobs where user_id = '" + user.id() + "'"))
                .isEqualTo("0");
    }

    @Test
    void failuresReleaseTheHoldRetriesSucceedAndTimeoutsSayTimeout() throws Exception {
        ArtUser user = ArtUser.create();
        int before = user.balance();
        try {
            providers().localFaults().set("algorhythmic", "art", "reject");
            String rejected =
                    user.start("rejected", body(user)).json().path("id").asText();
            JsonNode failed = user.until(rejected, "failed");
            assertThat(failed.path("error_message").asText()).contains("refusing on purpose");
            assertThat(failed.path("retry_count").asInt()).isZero(); // refused for good: no second attempt

            providers().localFaults().set("algorhythmic", "art", "fail-once");
            String retried = user.start("retried", body(user)).json().path("id").asText();
            JsonNode done = user.until(retried, "completed");
            assertThat(done.path("retry_count").asInt()).isEqualTo(1);

            providers().localFaults().set("algorhythmic", "art", "rate-limited");
            String limited = user.start("limited", body(user)).json().path("id").asText();
            user.until(limited, "completed");
            assertThat(OwnerSql.queryString(
                            "select count(*) from platform.jobs where app_key = '" + limited + "' and attempt = 2"))
                    .isEqualTo("1");

            providers().localFaults().set("algorhythmic", "art", "timeout");
            String late = user.start("late", body(user)).json().path("id").asText();
            JsonNode timedOut = user.until(late, "timeout");
            assertThat(timedOut.path("artwork_id").isNull()
                            || timedOut.path("artwork_id").isMissingNode())
                    .isTrue();
        } finally {
            providers().localFaults().set("algorhythmic", "art", "");
        }
        // Two completed generations were charged; the refused and the timed-out ones were not.
        assertThat(user.balance()).isEqualTo(before - 2);
        assertThat(ledger(user.id())).containsExactly("grant 100", "deduct -1", "deduct -1");
        assertThat(user.openHolds()).isZero();
    }

    @Test
    void aGivenDnaVectorIsKeptWithTheArtwork() throws Exception {
        ArtUser user = ArtUser.create();
        StringBuilder dna = new StringBuilder("[");
        for (int i = 0; i < 50; i++) {
            dna.append(i == 0 ? "" : ",").append(i % 2 == 0 ? "0.9" : "0.1");
        }
        dna.append("]");
        String id = user.start(
                        UUID.randomUUID().toString(),
                        "{\"session_id\":\"" + user.session() + "\",\"prompt\":\"tides\",\"orientation\":\"landscape\","
                                + "\"dna_vector\":" + dna + "}")
                .json()
                .path("id")
                .asText();
        JsonNode art = user.until(id, "completed").path("artwork");
        assertThat(art.path("aspect_ratio").asText()).isEqualTo("16:9");
        assertThat(OwnerSql.queryString("select dna_vector from algorhythmic.art_sessions where id = '"
                        + art.path("id").asText() + "'"))
                .startsWith("[0.9,0.1,0.9");
    }
}
