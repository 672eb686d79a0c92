package dev.atelier.platform.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The concurrency test, against the engine over the server's own pool: 32 threads × N
 * random operations (spend, refund, grant, hold, capture, release, expiry) on 50 users of both
 * apps, 10% of them retried with the same key and 1% with the same key and another amount. Every
 * balance must come out as the sum of the successful operations' effects, the reconcile must find
 * nothing, every retry must get the first response and every mismatched retry a 409.
 */
class LedgerConcurrencyTest {

    private static final TestServer server = TestServer.get();
    private static final int THREADS = 32;
    private static final int USERS = 50;
    private static final List<String> APPS = List.of("algorhythmic", "delula");

    /** One operation as first made and what it answered. */
    private record Done(String app, String user, String key, ObjectNode request, JsonNode response) {}

    private record OpenHold(String app, String user, String id) {}

    /**
     * Operations per thread. The 2,000 (64,000 operations, each a committed transaction:
     * about a minute on two busy cores) run in {@link LedgerConcurrencyIT}; the unit suite runs the
     * same mix at 200 per thread.
     */
    int operations() {
        return 200;
    }

    @Test
    void randomOperationsFromManyThreadsLeaveEveryBalanceEqualToItsLedger() throws Exception {
        int perThread = operations();
        Ledger ledger = server.component(Ledger.class);
        List<String> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add(server.newUser().id().toString());
        }
        String run = "c" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Integer> initial = balances(users);
        Map<String, AtomicInteger> expected = new ConcurrentHashMap<>();
        initial.forEach((account, balance) -> expected.put(account, new AtomicInteger(balance)));
        Instant start = Instant.now();
        AtomicLong tick = new AtomicLong();
        AtomicInteger retries = new AtomicInteger();
        AtomicInteger mismatches = new AtomicInteger();
        AtomicInteger applied = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        long began = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads.add(pool.submit(() -> {
                Random random = new Random(31L * thread + run.hashCode());
                List<Done> done = new ArrayList<>();
                List<OpenHold> holds = new ArrayList<>();
                List<Done> spends = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    Instant now = start.plusMillis(tick.incrementAndGet());
                    double p = random.nextDouble();
                    if (p < 0.10 && !done.isEmpty()) {
                        Done first = done.get(random.nextInt(done.size()));
                        Ledger.Outcome again = ledger.execute(first.app, first.user, first.key, first.request, now);
                        retries.incrementAndGet();
                        if (!again.body().equals(first.response)) {
                            failures.add("retry of " + first.key + " answered " + again.body() + ", first "
                                    + first.response);
                        }
                        continue;
                    }
                    if (p < 0.11 && !done.isEmpty()) {
                        Done first = done.get(random.nextInt(done.size()));
                        ObjectNode changed = first.request.deepCopy();
                        changed.put("amount", first.request.path("amount").asInt(0) + 1);
                        Ledger.Outcome again = ledger.execute(first.app, first.user, first.key, changed, now);
                        mismatches.incrementAndGet();
                        if (again.status() != 409 || !again.reusedKey()) {
                            failures.add("mismatched retry of " + first.key + " answered " + again.body());
                        }
                        continue;
                    }
                    if (p < 0.115) {
                        ledger.expireHolds(now);
                        continue;
                    }
                    String key = run + "-" + thread + "-" + i;
                    String app = APPS.get(random.nextInt(APPS.size()));
                    String user = users.get(random.nextInt(users.size()));
                    double kind = random.nextDouble();
                    ObjectNode request;
                    if (kind < 0.30) {
                        request = Ledger.request("spend").put("amount", 1 + random.nextInt(6));
                    } else if (kind < 0.45) {
                        request = Ledger.request("grant").put("amount", 1 + random.nextInt(12));
                    } else if (kind < 0.65) {
                        request = Ledger.request("hold")
                                .put("amount", 1 + random.nextInt(5))
                                .put("ttl_seconds", random.nextInt(10) == 0 ? 1 : 3600);
                    } else if (kind < 0.90 && !holds.isEmpty()) {
                        OpenHold hold = holds.remove(random.nextInt(holds.size()));
                        app = hold.app;
                        user = hold.user;
                        request = Ledger.request(kind < 0.80 ? "capture" : "release")
                                .put("hold_id", hold.id);
                    } else if (!spends.isEmpty()) {
                        Done spend = spends.get(random.nextInt(spends.size()));
                        app = spend.app;
                        user = spend.user;
                        request = Ledger.request("refund").put("of", spend.key);
                    } else {
                        request = Ledger.request("spend").put("amount", 1);
                    }
                    Ledger.Outcome outcome = ledger.execute(app, user, key, request, now);
                    Done first = new Done(app, user, key, request, outcome.body());
                    done.add(first);
                    String op = request.path("op").asText();
                    if (outcome.ok()) {
                        int amount = outcome.body().path("amount").asInt();
                        int delta = switch (op) {
                            case "spend", "capture" -> -amount;
                            case "grant", "refund" -> amount;
                            default -> 0;
                        };
                        if (delta != 0) {
                            expected.get(app + "/" + user).addAndGet(delta);
                            applied.incrementAndGet();
                        }
                        if (op.equals("hold")) {
                            holds.add(new OpenHold(
                                    app, user, outcome.body().path("hold_id").asText()));
                        }
                        if (op.equals("spend") || op.equals("capture")) {
                            spends.add(first);
                        }
                    } else if (outcome.status() != 402 && outcome.status() != 404 && outcome.status() != 409) {
                        failures.add(op + " " + key + " answered " + outcome.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> thread : threads) {
            thread.get();
        }
        pool.shutdown();
        long millis = (System.nanoTime() - began) / 1_000_000;

        assertThat(failures).isEmpty();
        assertThat(retries.get()).isGreaterThan(THREADS * perThread / 20);
        assertThat(mismatches.get()).isGreaterThan(THREADS * perThread / 500);

        Map<String, Integer> after = balances(users);
        Map<String, Integer> wanted = expected.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
        assertThat(after).isEqualTo(wanted);
        assertThat(after.values()).allSatisfy(balance -> assertThat(balance).isNotNegative());

        // Nothing applied twice: one ledger row per successful operation that moved credits.
        int rows = Integer.parseInt(OwnerSql.queryString("select (select count(*) from algorhythmic.credit_ledger"
                + " where idempotency_key like '%:" + run + "-%') + (select count(*) from delula.credit_transactions"
                + " where idempotency_key like '%:" + run + "-%')"));
        assertThat(rows).isEqualTo(applied.get());

        Set<String> ours = Set.copyOf(users);
        List<Ledger.Drift> drifts = ledger.reconcile().stream()
                .filter(d -> ours.contains(d.userId()))
                .toList();
        System.out.println("drift: " + drifts.size() + " (" + THREADS * perThread + " operations, " + retries
                + " retries, " + mismatches + " mismatched retries, " + applied + " ledger rows, " + millis + " ms)");
        assertThat(drifts).isEmpty();
    }

    /** app/user -> balance, for the given users in both apps. */
    private static Map<String, Integer> balances(List<String> users) throws Exception {
        String in = users.stream().map(u -> "'" + u + "'").collect(Collectors.joining(","));
        Map<String, Integer> balances = new HashMap<>();
        for (String row :
                OwnerSql.rows("select 'algorhythmic/' || user_id || '=' || balance from algorhythmic.user_credits"
                        + " where user_id in (" + in
                        + ") union all select 'delula/' || id || '=' || credits from delula.users"
                        + " where id in (" + in + ")")) {
            int eq = row.lastIndexOf('=');
            balances.put(row.substring(0, eq), Integer.valueOf(row.substring(eq + 1)));
        }
        assertThat(balances).hasSize(2 * users.size());
        return balances;
    }
}
