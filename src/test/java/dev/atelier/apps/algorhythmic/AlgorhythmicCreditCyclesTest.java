package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Billing cycles at their edges: local midnight, DST inside a cycle, the extreme offsets, two rolls
 * at once, missed cycles, tier changes mid-cycle, and which grant pays a spend. Cycles are placed
 * in the past or future by setting the account's cycle as the owner, and rolled at given times.
 */
class AlgorhythmicCreditCyclesTest {

    private static final TestServer server = TestServer.get();

    private final AlgorhythmicCredits credits = server.component(AlgorhythmicCredits.class);
    private final Ledger ledger = server.component(Ledger.class);

    /** A new user whose current cycle started at {@code localStart} in {@code zone}. */
    private static String account(String zone, String localStart) throws Exception {
        String id = server.newUser().id().toString();
        Instant start = LocalDateTime.parse(localStart).atZone(ZoneId.of(zone)).toInstant();
        OwnerSql.exec("update algorhythmic.user_credits set timezone = '" + zone + "', billing_cycle_start = '" + start
                + "', billing_cycle_end = algorhythmic.credit_cycle_end('" + start + "', '" + zone
                + "') where user_id = '" + id + "'");
        return id;
    }

    private static Instant cycleEnd(String id) throws Exception {
        return Instant.parse(OwnerSql.queryString("select to_char(billing_cycle_end at time zone 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from algorhythmic.user_credits where user_id = '" + id + "'"));
    }

    private static String state(String id) throws Exception {
        return OwnerSql.queryString("select balance || '/' || rollover_balance || '/' || base_quota "
                + "from algorhythmic.user_credits where user_id = '" + id + "'");
    }

    private static List<String> rows(String id) throws Exception {
        return OwnerSql.rows(
                "select event_type || ' ' || amount || ' ' || balance_after from algorhythmic.credit_ledger"
                        + " where user_id = '" + id + "' order by created_at, id");
    }

    private static Instant local(String zone, String localTime) {
        return LocalDateTime.parse(localTime).atZone(ZoneId.of(zone)).toInstant();
    }

    private void rollsExactlyAt(String id, Instant end) throws Exception {
        assertThat(credits.rollCycle(id, end.minusSeconds(1))).isZero();
        assertThat(rows(id)).hasSize(1);
        assertThat(credits.rollCycle(id, end)).isEqualTo(1);
        assertThat(rows(id)).containsExactly("grant 100 100", "decay -100 0", "rollover 100 100", "grant 100 200");
        assertThat(state(id)).isEqualTo("200/100/100");
    }

    @Test
    void aCycleEndsExactlyAtLocalMidnightAMonthLater() throws Exception {
        String id = account("Asia/Tokyo", "2025-01-15T00:00");
        Instant end = cycleEnd(id);
        assertThat(end).isEqualTo(Instant.parse("2025-02-14T15:00:00Z"));
        rollsExactlyAt(id, end);
        assertThat(cycleEnd(id)).isEqualTo(local("Asia/Tokyo", "2025-03-15T00:00"));
    }

    @Test
    void aDstChangeInsideACycleKeepsTheLocalEndInNewYork() throws Exception {
        // 2025-03-09 02:00 EST -> EDT: the cycle is an hour shorter and still ends at local midnight.
        String id = account("America/New_York", "2025-03-01T00:00");
        Instant end = cycleEnd(id);
        assertThat(end).isEqualTo(Instant.parse("2025-04-01T04:00:00Z"));
        assertThat(end).isEqualTo(Instant.parse("2025-03-01T05:00:00Z").plusSeconds(31L * 86400 - 3600));
        rollsExactlyAt(id, end);
    }

    @Test
    void aDstChangeInsideACycleKeepsTheLocalEndInBerlin() throws Exception {
        // 2025-10-26 03:00 CEST -> CET: the cycle is an hour longer.
        String id = account("Europe/Berlin", "2025-10-10T00:00");
        Instant end = cycleEnd(id);
        assertThat(end).isEqualTo(Instant.parse("2025-11-09T23:00:00Z"));
        assertThat(end).isEqualTo(Instant.parse("2025-10-09T22:00:00Z").plusSeconds(31L * 86400 + 3600));
        rollsExactlyAt(id, end);
    }

    @Test
    void usersAtUtcPlus14AndUtcMinus12RollAtTheirOwnMidnight() throws Exception {
        String east = account("Pacific/Kiritimati", "2025-05-01T00:00");
        String west = account("Etc/GMT+12", "2025-05-01T00:00");
        assertThat(cycleEnd(east)).isEqualTo(Instant.parse("2025-05-31T10:00:00Z"));
        assertThat(cycleEnd(west)).isEqualTo(Instant.parse("2025-06-01T12:00:00Z"));
        rollsExactlyAt(east, cycleEnd(east));
        rollsExactlyAt(west, cycleEnd(west));
        // 26 hours apart for the same calendar date.
        assertThat(cycleEnd(west).getEpochSecond() - cycleEnd(east).getEpochSecond())
                .isEqualTo(26 * 3600);
    }

    @Test
    void theRollRunTwiceAtOnceFromTwoThreadsRollsOnce() throws Exception {
        String id = account("UTC", "2024-05-01T00:00");
        Instant now = Instant.parse("2024-06-01T00:00:00Z");
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> one = threads.submit(() -> {
                together.await();
                return credits.rollDueCycles(now);
            });
            Future<Integer> two = threads.submit(() -> {
                together.await();
                return credits.rollCycle(id, now);
            });
            one.get();
            two.get();
        } finally {
            threads.shutdown();
        }
        assertThat(rows(id)).containsExactly("grant 100 100", "decay -100 0", "rollover 100 100", "grant 100 200");
        assertThat(credits.rollDueCycles(now)).isZero();
        assertThat(rows(id)).hasSize(4);
    }

    @Test
    void aRollMissedForThreeCyclesCatchesUpOneByOne() throws Exception {
        String id = account("UTC", "2024-01-10T00:00");
        assertThat(ledger.execute(
                                "algorhythmic",
                                id,
                                "k-" + UUID.randomUUID(),
                                Ledger.request("spend").put("amount", 30))
                        .status())
                .isEqualTo(200);
        assertThat(credits.rollCycle(id, Instant.parse("2024-04-20T00:00:00Z"))).isEqualTo(3);
        assertThat(rows(id))
                .containsExactly(
                        "grant 100 100",
                        "deduct -30 70",
                        "decay -70 0",
                        "rollover 70 70",
                        "grant 100 170",
                        "decay -170 0",
                        "rollover 100 100",
                        "grant 100 200",
                        "decay -200 0",
                        "rollover 100 100",
                        "grant 100 200");
        assertThat(state(id)).isEqualTo("200/100/100");
        assertThat(cycleEnd(id)).isEqualTo(Instant.parse("2024-05-10T00:00:00Z"));
        assertThat(OwnerSql.rows("select idempotency_key from algorhythmic.credit_ledger where user_id = '" + id
                        + "' and event_type = 'grant' order by created_at"))
                .containsExactly(
                        id + ":cycle:" + cycleStartKey(id),
                        id + ":cycle:2024-02-10T00:00:00Z:grant",
                        id + ":cycle:2024-03-10T00:00:00Z:grant",
                        id + ":cycle:2024-04-10T00:00:00Z:grant");
    }

    private static String cycleStartKey(String id) throws Exception {
        String key = OwnerSql.queryString("select idempotency_key from algorhythmic.credit_ledger where user_id = '"
                + id + "' order by created_at limit 1");
        return key.substring(key.indexOf(":cycle:") + 7);
    }

    @Test
    void spendingUsesRolloverCreditsFirstAndSaysWhichGrantPaid() throws Exception {
        String id = account("UTC", "2024-07-01T00:00");
        credits.rollCycle(id, Instant.parse("2024-08-01T00:00:00Z")); // 200, of which 100 rolled over
        Instant at = Instant.parse("2024-08-02T00:00:00Z");
        ledger.execute(
                "algorhythmic",
                id,
                "a-" + UUID.randomUUID(),
                Ledger.request("spend").put("amount", 60),
                at);
        ledger.execute(
                "algorhythmic",
                id,
                "b-" + UUID.randomUUID(),
                Ledger.request("spend").put("amount", 50),
                at);
        assertThat(OwnerSql.rows(
                        "select metadata::jsonb ->> 'paid_from' from algorhythmic.credit_ledger where user_id = '" + id
                                + "' and event_type = 'deduct' order by created_at"))
                .containsExactly(
                        "{\"quota\": 0, \"rollover\": 60, \"quota_grant\": null, \"rollover_grant\": \"" + id
                                + ":cycle:2024-08-01T00:00:00Z:rollover\"}",
                        "{\"quota\": 10, \"rollover\": 40, \"quota_grant\": \"" + id
                                + ":cycle:2024-08-01T00:00:00Z:grant\", \"rollover_grant\": \"" + id
                                + ":cycle:2024-08-01T00:00:00Z:rollover\"}");
        assertThat(state(id)).isEqualTo("90/0/100");
    }

    @Test
    void anUpgradeGrantsTheDifferenceAtOnceAndADowngradeWaitsForTheNextCycle() throws Exception {
        String id = account("UTC", "2024-09-01T00:00");
        Instant mid = Instant.parse("2024-09-15T00:00:00Z");
        assertThat(credits.changeTier(id, "premium", mid)).isEqualTo(900);
        assertThat(credits.changeTier(id, "premium", mid)).isZero();
        assertThat(state(id)).isEqualTo("1000/0/1000");
        assertThat(credits.changeTier(id, "free", mid.plusSeconds(60))).isZero();
        assertThat(state(id)).isEqualTo("1000/0/1000");
        assertThat(OwnerSql.queryString("select subscription_tier from algorhythmic.users where id = '" + id + "'"))
                .isEqualTo("free");
        credits.rollCycle(id, Instant.parse("2024-10-01T00:00:00Z"));
        assertThat(state(id)).isEqualTo("200/100/100"); // 1000 unused: 100 carried (free's cap), free's quota
        assertThat(credits.changeTier(id, "ultimate", Instant.parse("2024-10-02T00:00:00Z")))
                .isEqualTo(2900);
        assertThat(state(id)).isEqualTo("3100/100/3000");
        assertThat(ledger.reconcile().stream().filter(d -> d.userId().equals(id)))
                .isEmpty();
    }

    @Test
    void theTimeZoneIsTheUsersToChangeAndTheNextCycleFollowsIt() throws Exception {
        TestServer.TestUser user = server.newUser();
        String id = user.id().toString();
        var reply = server.http()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(server.baseUrl() + "/api/v1/algorhythmic/credits/timezone"))
                                .header("Authorization", "Bearer " + user.accessToken())
                                .header("apikey", server.anonKey())
                                .header("Content-Type", "application/json")
                                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                                        "{\"timezone\":\"Mars/Olympus\"}"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).isEqualTo(400);
        assertThat(reply.body()).contains("\"field\":\"timezone\"");
        reply = server.http()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(server.baseUrl() + "/api/v1/algorhythmic/credits/timezone"))
                                .header("Authorization", "Bearer " + user.accessToken())
                                .header("apikey", server.anonKey())
                                .header("Content-Type", "application/json")
                                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                                        "{\"timezone\":\"Europe/Berlin\"}"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(reply.body()).contains("\"timezone\":\"Europe/Berlin\"");
        Instant end = cycleEnd(id);
        credits.rollCycle(id, end);
        Instant next = cycleEnd(id);
        assertThat(next.atZone(ZoneId.of("Europe/Berlin")).toLocalTime())
                .isEqualTo(end.atZone(ZoneId.of("Europe/Berlin")).toLocalTime());
    }
}
