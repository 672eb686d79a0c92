package dev.atelier.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} scraped as Prometheus does, parsed line by line: every listed metric is there,
 * and the counters move under a little load of each kind (requests, a ledger grant, a stored and
 * read file, a telemetry batch, two reads of a cache, a rate-limit refusal).
 */
class MetricsTest {

    private static final TestServer server = TestServer.get();
    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*})? (\\S+)$");

    /** name{labels} → value, and as name[sum] the sum over a name's series. */
    private static Map<String, Double> scrape() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics", null, null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        Map<String, Double> samples = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample line: " + line).isTrue();
            double value = Double.parseDouble(m.group(3));
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), value);
            samples.merge(m.group(1) + "[sum]", value, Double::sum);
        }
        return samples;
    }

    private static HttpResponse<String> send(String method, String path, String token, String type, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("apikey", server.anonKey())
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (type != null) {
            b.header("Content-Type", type);
        }
        return server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyMetricIsThereAndMovesUnderLoad() throws Exception {
        TestServer.TestUser user = server.newUser();
        String bucket = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(send(
                                "POST",
                                "/storage/v1/bucket",
                                server.serviceKey(),
                                "application/json",
                                "{\"name\":\"" + bucket + "\"}")
                        .statusCode())
                .isEqualTo(200);
        // A job of a kind no server runs, due a minute ago: counted, and the queue's age shows it.
        String kind = "metrics.test." + UUID.randomUUID();
        OwnerSql.exec("insert into platform.jobs (kind, run_at) values ('" + kind + "', now() - interval '1 minute')");
        Map<String, Double> before;
        try {
            before = scrape();
        } finally {
            OwnerSql.exec("delete from platform.jobs where kind = '" + kind + "'");
        }
        assertThat(before).containsEntry("atelier_jobs{kind=\"" + kind + "\",state=\"available\"}", 1.0);
        assertThat(before.get("atelier_jobs_queue_latency_seconds{kind=\"" + kind + "\"}"))
                .isGreaterThanOrEqualTo(60.0);

        for (int i = 0; i < 5; i++) {
            assertThat(send("GET", "/health", null, null, null).statusCode()).isEqualTo(200);
        }
        assertThat(send(
                                "GET",
                                "/rest/v1/no_such_table_"
                                        + UUID.randomUUID().toString().replace("-", ""),
                                null,
                                null,
                                null)
                        .statusCode())
                .isEqualTo(404);
        HttpResponse<String> grant = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/algorhythmic/credits/grant"))
                                .header("apikey", server.anonKey())
                                .header("Authorization", "Bearer " + server.serviceKey())
                                .header("Content-Type", "application/json")
                                .header("Idempotency-Key", "metrics-" + UUID.randomUUID())
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"user_id\":\"" + user.id() + "\",\"amount\":5,\"reason\":\"metrics\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(grant.statusCode()).as(grant.body()).isEqualTo(200);
        String object = "/storage/v1/object/" + bucket + "/m.txt";
        assertThat(send("POST", object, server.serviceKey(), "text/plain", "x".repeat(1000))
                        .statusCode())
                .isEqualTo(200);
        assertThat(send("GET", object, server.serviceKey(), null, null).body()).hasSize(1000);
        assertThat(send(
                                "POST",
                                "/api/v1/algorhythmic/telemetry",
                                user.accessToken(),
                                "application/json",
                                "{\"session\":{\"client_session_id\":\"m\"},\"events\":[{\"event_type\":\"x\",\"event_data\":{}}]}")
                        .statusCode())
                .isEqualTo(200);

        // Algorhythmic's feed: the first call records the artwork in the recently-served cache
        // (a miss), the second finds it there (a hit) and serves nothing new.
        String session = OwnerSql.queryString(
                "insert into algorhythmic.sessions (user_id) values ('" + user.id() + "') returning id");
        OwnerSql.exec("insert into algorhythmic.art_sessions (session_id, user_id, image_url, prompt, quality_score)"
                + " values ('" + session + "', '" + user.id() + "', 'https://example.test/m.png', 'p', 100)");
        for (int i = 0; i < 2; i++) {
            assertThat(send("GET", "/api/v1/algorhythmic/artworks/next?session_id=m", user.accessToken(), null, null)
                            .statusCode())
                    .isEqualTo(200);
        }
        // A rate-limit refusal: a rule of one request a minute for an address of this test's own,
        // named through 127.0.0.1 as a trusted proxy (TestServer).
        String from = "192.0.2." + (1 + new java.util.Random().nextInt(250));
        String rule = "metrics.test." + UUID.randomUUID().toString().substring(0, 8);
        OwnerSql.exec("insert into platform.rate_limit_rules (name, identifier_type, endpoint_pattern,"
                + " requests_per_window, window_seconds) values ('" + rule + "', 'ip', 'GET /auth/v1/health', 1, 60)");
        try {
            dev.atelier.testing.Poll.until(
                    "the rule is loaded",
                    java.time.Duration.ofSeconds(5),
                    () -> server.component(dev.atelier.platform.ratelimit.RateLimiter.class)
                            .hasRule(rule));
            int refused = 0;
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> health = server.http()
                        .send(
                                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/auth/v1/health"))
                                        .header("X-Forwarded-For", from)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                refused += health.statusCode() == 429 ? 1 : 0;
            }
            assertThat(refused).isEqualTo(2);
        } finally {
            OwnerSql.exec("delete from platform.rate_limit_rules where name = '" + rule + "'");
        }

        Map<String, Double> after = scrape();
        String served = "{cache=\"algorhythmic.recently_served\",kind=\"local\",result=";
        for (String result : new String[] {"\"hit\"}", "\"miss\"}"}) {
            String series = "atelier_cache_requests_total" + served + result;
            assertThat(after.getOrDefault(series, 0.0)).as(series).isGreaterThan(before.getOrDefault(series, 0.0));
        }
        assertThat(after.getOrDefault("atelier_ratelimit_rejections_total[sum]", 0.0)
                        - before.getOrDefault("atelier_ratelimit_rejections_total[sum]", 0.0))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(after.get("http_server_requests_seconds_count{method=\"GET\",route=\"/health\",status=\"200\"}")
                        - before.getOrDefault(
                                "http_server_requests_seconds_count{method=\"GET\",route=\"/health\",status=\"200\"}",
                                0.0))
                .isEqualTo(5.0);
        assertThat(after)
                .containsKey(
                        "http_server_requests_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"0.005\"}");
        assertThat(after)
                .containsKey("http_server_requests_seconds_count{method=\"GET\",route=\"NOT_FOUND\",status=\"404\"}");
        assertThat(after).containsEntry("atelier_db_up", 1.0);
        assertThat(after).containsEntry("atelier_db_pool_connections{state=\"max\"}", 16.0);
        assertThat(after).containsKey("atelier_db_pool_share_in_use{role=\"anon\"}");
        assertThat(after).containsKey("jvm_memory_used_bytes[sum]");
        assertThat(after).containsKey("atelier_cache_requests_total[sum]");
        for (String counter : new String[] {
            "atelier_ledger_operations_total[sum]",
            "atelier_storage_bytes_in_bytes_total",
            "atelier_storage_bytes_out_bytes_total",
        }) {
            assertThat(after.getOrDefault(counter, 0.0)).as(counter).isGreaterThan(before.getOrDefault(counter, 0.0));
        }
        for (String bytes :
                new String[] {"atelier_storage_bytes_in_bytes_total", "atelier_storage_bytes_out_bytes_total"}) {
            assertThat(after.get(bytes) - before.getOrDefault(bytes, 0.0))
                    .as(bytes)
                    .isGreaterThanOrEqualTo(1000.0);
        }
        // Object paths are not routes: one series per bucket operation, not one per file.
        assertThat(after)
                .containsKey(
                        "http_server_requests_seconds_count{method=\"POST\",route=\"/storage/v1/object/{bucket}/**\","
                                + "status=\"200\"}");
        assertThat(after.get("atelier_ingest_written_rows_total{writer=\"algorhythmic.telemetry_events\"}"))
                .isGreaterThan(before.getOrDefault(
                        "atelier_ingest_written_rows_total{writer=\"algorhythmic.telemetry_events\"}", 0.0));
    }

    @Test
    void aKeyOrLoopbackIsRequired() {
        assertThat(MetricsController.refusal(null, null, "127.0.0.1", false)).isNull();
        assertThat(MetricsController.refusal(null, null, "::1", false)).isNull();
        assertThat(MetricsController.refusal(null, null, "203.0.113.9", false).status())
                .isEqualTo(403);
        // Through a proxy on the same host, loopback is not local.
        assertThat(MetricsController.refusal(null, null, "127.0.0.1", true).status())
                .isEqualTo(403);
        assertThat(MetricsController.refusal("s3cret", "Bearer s3cret", "203.0.113.9", true))
                .isNull();
        assertThat(MetricsController.refusal("s3cret", "Bearer wrong", "127.0.0.1", false)
                        .status())
                .isEqualTo(401);
        assertThat(MetricsController.refusal("s3cret", null, "127.0.0.1", false).status())
                .isEqualTo(401);
    }
}
