package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL while a generation is inside the provider: after the restart, the
 * generation is rescued once its lease runs out (2 s here) and completes; it is charged exactly
 * once, no hold stays open, and the ledger reconciles.
 */
class GenerationCrashIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private static final Map<String, String> FAST_LEASES = Map.of(
            "ATELIER_JOBS_LEASE_SECONDS", "2",
            "ATELIER_JOBS_HEARTBEAT_SECONDS", "1",
            "ATELIER_ALGORHYTHMIC_GENERATION_SIZE", "128",
            "ATELIER_ALGORHYTHMIC_GENERATION_BACKOFF_MS", "50");

    private record Client(String url, String anon, String service) {}

    @Test
    void aGenerationCutShortByAKill9CompletesAfterTheRestartChargedOnce(@TempDir Path dataDir) throws Exception {
        Map<String, String> hanging = new java.util.HashMap<>(FAST_LEASES);
        hanging.put("ATELIER_AI_LOCAL_FAULTS", "algorhythmic:art=slow:600000");
        String userId;
        String token;
        String generation;
        try (ServerProcess first =
                ServerProcess.start(hanging, "serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            Client c = client(first);
            JsonNode signUp = JSON.readTree(ServerProcess.postJson(
                            c.url() + "/auth/v1/signup",
                            c.anon(),
                            "{\"email\":\"gen-crash-" + UUID.randomUUID()
                                    + "@example.test\",\"password\":\"sturdy-password\"}")
                    .body());
            userId = signUp.path("user").path("id").asText();
            token = signUp.path("access_token").asText();
            String session = send(
                            c,
                            token,
                            "POST",
                            "/rest/v1/sessions",
                            "{}",
                            Map.of("Content-Profile", "algorhythmic", "Prefer", "return=representation"))
                    .get(0)
                    .path("id")
                    .asText();
            generation = send(
                            c,
                            token,
                            "POST",
                            "/api/v1/algorhythmic/generations",
                            "{\"session_id\":\"" + session + "\",\"prompt\":\"crash\"}",
                            Map.of("Idempotency-Key", "crash-1"))
                    .path("id")
                    .asText();
            String id = generation;
            Poll.until(
                    "the generation is inside the provider",
                    START,
                    () -> send(c, token, "GET", "/api/v1/algorhythmic/generations/" + id, null, Map.of())
                            .path("status")
                            .asText()
                            .equals("generating"));
            first.kill9();
        }
        try (ServerProcess second =
                ServerProcess.start(FAST_LEASES, "serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            Client c = client(second);
            String id = generation;
            JsonNode[] last = new JsonNode[1];
            Poll.until("the rescued generation completes", START, () -> {
                last[0] = send(c, token, "GET", "/api/v1/algorhythmic/generations/" + id, null, Map.of());
                return last[0].path("status").asText().equals("completed");
            });
            assertThat(last[0].path("retry_count").asInt()).isEqualTo(1);
            JsonNode credits = send(c, token, "GET", "/api/v1/algorhythmic/credits", null, Map.of());
            assertThat(credits.path("balance").asInt()).isEqualTo(99);
            assertThat(credits.path("held").asInt()).isZero();
            JsonNode ledger = send(
                    c,
                    c.service(),
                    "GET",
                    "/rest/v1/credit_ledger?select=event_type,amount&user_id=eq." + userId,
                    null,
                    Map.of("Accept-Profile", "algorhythmic"));
            assertThat(ledger.toString())
                    .isEqualTo("[{\"event_type\":\"grant\",\"amount\":100},{\"event_type\":\"deduct\",\"amount\":-1}]");
            JsonNode art = send(
                    c,
                    c.service(),
                    "GET",
                    "/rest/v1/art_sessions?select=id&user_id=eq." + userId,
                    null,
                    Map.of("Accept-Profile", "algorhythmic"));
            assertThat(art).hasSize(1);
            JsonNode reconcile = send(c, c.service(), "GET", "/api/v1/admin/ledger/reconcile", null, Map.of());
            assertThat(reconcile.path("drift").asInt()).as(reconcile.toString()).isZero();
            second.stop();
        }
    }

    private static Client client(ServerProcess server) throws Exception {
        String url = server.awaitApiUrl(START);
        return new Client(url, line(server.stdout(), "anon key:"), line(server.stdout(), "service_role key:"));
    }

    private static JsonNode send(
            Client c, String token, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url() + path))
                .header("apikey", c.anon())
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as(method + " " + path + ": " + response.body())
                .isLessThan(300);
        return JSON.readTree(response.body());
    }

    private static String line(String output, String label) {
        return output.lines()
                .filter(l -> l.contains(label))
                .map(l -> l.substring(l.indexOf(label) + label.length()).trim())
                .findFirst()
                .orElseThrow();
    }
}
