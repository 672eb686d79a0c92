package dev.atelier.platform.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The concurrency test's smaller HTTP variant: 8 clients × 60 requests (spend, hold, capture,
 * release; 10% retried with the same key, 1% with the same key and another amount) on 6 users of
 * both apps, through the endpoints; then the balances the clients expect and the reconcile endpoint.
 */
class LedgerHttpConcurrencyTest {

    private static final TestServer server = TestServer.get();
    private static final List<String> APPS = List.of("/api/v1/algorhythmic/credits", "/api/v1/delula/credits");

    private record Sent(String path, String token, String key, String body, int status, String answer) {}

    @Test
    void concurrentClientsWithRetriesLeaveEveryBalanceRight() throws Exception {
        List<TestUser> users = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            users.add(server.newUser());
        }
        Map<String, AtomicInteger> expected = new ConcurrentHashMap<>();
        for (TestUser user : users) {
            for (String app : APPS) {
                expected.put(
                        app + user.id(),
                        new AtomicInteger(Api.get(app, user.accessToken())
                                .json()
                                .path("balance")
                                .asInt()));
            }
        }
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            running.add(clients.submit(() -> {
                Random random = new Random(client * 7919L);
                List<Sent> sent = new ArrayList<>();
                List<String[]> holds = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    double p = random.nextDouble();
                    if (p < 0.10 && !sent.isEmpty()) {
                        Sent first = sent.get(random.nextInt(sent.size()));
                        Api.Reply again = Api.post(first.path, first.token, first.key, first.body);
                        if (again.status() != first.status
                                || (first.status == 200 && !again.body().equals(first.answer))) {
                            failures.add("retry " + first.key + ": " + again.status() + " " + again.body() + " first "
                                    + first.answer);
                        }
                        continue;
                    }
                    if (p < 0.11
                            && !sent.isEmpty()
                            && !sent.get(sent.size() - 1).path.endsWith("/release")) {
                        // A release has no body: only requests with an amount can differ in it.
                        Sent first = sent.get(sent.size() - 1);
                        String other = first.body == null
                                ? "{\"amount\":1}"
                                : first.body.replace("\"amount\":", "\"amount\":9");
                        Api.Reply again = Api.post(first.path, first.token, first.key, other);
                        if (again.status() != 409) {
                            failures.add("mismatch " + first.key + ": " + again.status() + " " + again.body());
                        }
                        continue;
                    }
                    TestUser user = users.get(random.nextInt(users.size()));
                    String app = APPS.get(random.nextInt(APPS.size()));
                    String key = "h-" + UUID.randomUUID();
                    String path;
                    String body;
                    double kind = random.nextDouble();
                    if (kind < 0.4) {
                        path = app + "/spend";
                        body = "{\"amount\":" + (1 + random.nextInt(3)) + "}";
                    } else if (kind < 0.7 || holds.isEmpty()) {
                        path = app + "/holds";
                        body = "{\"amount\":" + (1 + random.nextInt(3)) + "}";
                    } else {
                        String[] hold = holds.remove(random.nextInt(holds.size()));
                        app = hold[0];
                        user = users.get(Integer.parseInt(hold[1]));
                        path = app + "/holds/" + hold[2] + (kind < 0.85 ? "/capture" : "/release");
                        body = null;
                    }
                    Api.Reply reply = Api.post(path, user.accessToken(), key, body);
                    sent.add(new Sent(path, user.accessToken(), key, body, reply.status(), reply.body()));
                    if (reply.status() == 200) {
                        JsonNode json = reply.json();
                        if (path.endsWith("/spend") || path.endsWith("/capture")) {
                            expected.get(app + user.id())
                                    .addAndGet(-json.path("amount").asInt());
                        } else if (path.endsWith("/holds")) {
                            holds.add(new String[] {
                                app,
                                Integer.toString(users.indexOf(user)),
                                json.path("hold_id").asText()
                            });
                        }
                    } else if (reply.status() != 402) {
                        failures.add(path + " answered " + reply.status() + " " + reply.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> client : running) {
            client.get();
        }
        clients.shutdown();
        assertThat(failures).isEmpty();
        for (TestUser user : users) {
            for (String app : APPS) {
                assertThat(Api.get(app, user.accessToken())
                                .json()
                                .path("balance")
                                .asInt())
                        .as(app + " " + user.id())
                        .isEqualTo(expected.get(app + user.id()).get());
            }
        }
        Api.Reply reconcile = Api.get("/api/v1/admin/ledger/reconcile", server.serviceKey());
        assertThat(reconcile.status()).isEqualTo(200);
        for (TestUser user : users) {
            assertThat(reconcile.body()).doesNotContain(user.id().toString());
        }
    }
}
