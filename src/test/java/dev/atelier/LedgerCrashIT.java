package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test: the server JVM killed with SIGKILL in the middle of a spending load, started
 * again, the load finished by retrying every spend not known to be done with its own key. Every
 * balance is then what one application of each key gives (nothing applied twice, nothing lost),
 * the reconcile endpoint and {@code atelier ledger reconcile} find no drift.
 */
class LedgerCrashIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 4;
    private static final int SPENDS = 120;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private record Account(String id, String token) {}

    @Test
    void spendsInterruptedByAKill9AreAppliedExactlyOnceAfterTheRestart(@TempDir Path dataDir) throws Exception {
        String url;
        String anon;
        String service;
        List<Account> accounts = new ArrayList<>();
        int[] done = new int[CLIENTS];
        AtomicInteger beforeKill = new AtomicInteger();
        try (ServerProcess first = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            url = first.awaitApiUrl(START);
            anon = line(first.stdout(), "anon key:");
            service = line(first.stdout(), "service_role key:");
            for (int i = 0; i < CLIENTS; i++) {
                JsonNode signUp = JSON.readTree(ServerProcess.postJson(
                                url + "/auth/v1/signup",
                                anon,
                                "{\"email\":\"crash-" + UUID.randomUUID()
                                        + "@example.test\",\"password\":\"sturdy-password\"}")
                        .body());
                accounts.add(new Account(
                        signUp.path("user").path("id").asText(),
                        signUp.path("access_token").asText()));
            }
            String base = url;
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                running.add(clients.submit(() -> {
                    while (done[client] < SPENDS) {
                        if (spend(base, anon, service, accounts.get(client), client, done[client]) != 200) {
                            return null; // the server is gone: the rest, from this spend on, after the restart
                        }
                        done[client]++;
                        beforeKill.incrementAndGet();
                    }
                    return null;
                }));
            }
            // Kill while the load runs: after a quarter of it has been answered.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (beforeKill.get() < CLIENTS * SPENDS / 4 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            first.kill9();
            for (Future<?> client : running) {
                client.get();
            }
            clients.shutdown();
        }
        assertThat(beforeKill.get()).isBetween(CLIENTS * SPENDS / 4, CLIENTS * SPENDS - 1);

        try (ServerProcess second = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            url = second.awaitApiUrl(START);
            for (int c = 0; c < CLIENTS; c++) {
                for (int n = done[c]; n < SPENDS; n++) {
                    assertThat(spend(url, anon, service, accounts.get(c), c, n)).isEqualTo(200);
                }
                // The ones answered before the kill, retried: the first answer, nothing spent again.
                assertThat(spend(url, anon, service, accounts.get(c), c, 0)).isEqualTo(200);
            }
            for (Account account : accounts) {
                JsonNode credits = JSON.readTree(get(url + "/api/v1/algorhythmic/credits", anon, account.token()));
                assertThat(credits.path("balance").asInt()).as(account.id()).isEqualTo(1000 + 100 - SPENDS);
            }
            JsonNode reconcile = JSON.readTree(get(url + "/api/v1/admin/ledger/reconcile", anon, service));
            assertThat(reconcile.path("drift").asInt()).as(reconcile.toString()).isZero();
            second.stop();
        }
        try (ServerProcess cli = ServerProcess.start("ledger", "reconcile", "--data-dir", dataDir.toString())) {
            assertThat(cli.awaitExit(START)).as(cli.stderr()).isZero();
            assertThat(cli.stdout().strip()).endsWith("drift: 0");
        }
    }

    /** Spend n of a client: 1 credit; before the first, the service role grants 1,000 (its own key). */
    private static int spend(String url, String anon, String service, Account account, int client, int n) {
        try {
            if (n == 0) {
                int granted = post(
                        url + "/api/v1/algorhythmic/credits/grant",
                        anon,
                        service,
                        "grant-" + client,
                        "{\"user_id\":\"" + account.id() + "\",\"amount\":1000,\"reason\":\"crash test\"}");
                if (granted != 200) {
                    return granted;
                }
            }
            return post(
                    url + "/api/v1/algorhythmic/credits/spend",
                    anon,
                    account.token(),
                    "spend-" + client + "-" + n,
                    "{\"amount\":1,\"description\":\"crash test\"}");
        } catch (Exception e) {
            return -1;
        }
    }

    private static int post(String url, String anon, String token, String key, String body) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("apikey", anon)
                                .header("Authorization", "Bearer " + token)
                                .header("Idempotency-Key", key)
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String get(String url, String anon, String token) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("apikey", anon)
                                .header("Authorization", "Bearer " + token)
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static String line(String output, String label) {
        return output.lines()
                .filter(l -> l.contains(label))
                .map(l -> l.substring(l.indexOf(label) + label.length()).trim())
                .findFirst()
                .orElseThrow();
    }
}
