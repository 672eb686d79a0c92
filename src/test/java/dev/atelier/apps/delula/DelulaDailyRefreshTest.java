package dev.atelier.apps.delula;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The daily refresh: at most once per calendar day in the user's own zone, as a ledger row, by
 * several servers at once. Days in 2020 are used: every other user was last refreshed later.
 */
class DelulaDailyRefreshTest {

    private static final TestServer server = TestServer.get();

    private final DelulaCredits credits = server.component(DelulaCredits.class);
    private final Ledger ledger = server.component(Ledger.class);

    /** A user with {@code balance} credits, in {@code zone}, last refreshed at {@code last}. */
    private String user(String zone, int balance, Instant last) throws Exception {
        String id = server.newUser().id().toString();
        if (balance != 10) {
            ledger.execute(
                    "delula",
                    id,
                    "k-" + UUID.randomUUID(),
                    Ledger.request("spend").put("amount", 10 - balance));
        }
        OwnerSql.exec("update delula.users set timezone = '" + zone + "', last_credit_refresh = '" + last
                + "' where id = '" + id + "'");
        return id;
    }

    private static String refreshes(String id) throws Exception {
        return OwnerSql.queryString("select coalesce(string_agg(amount || ' ' || idempotency_key, ',' order by id), '')"
                + " from delula.credit_transactions where user_id = '" + id + "' and type = 'daily_refresh'");
    }

    private static int balance(String id) throws Exception {
        return Integer.parseInt(OwnerSql.queryString("select credits from delula.users where id = '" + id + "'"));
    }

    @Test
    void theRefreshComesAtTheUsersOwnMidnightOnceADay() throws Exception {
        // 2020-01-01 23:00 in Kiritimati (UTC+14) is 09:00 UTC; its next midnight is 10:00 UTC.
        String id = user("Pacific/Kiritimati", 3, Instant.parse("2020-01-01T09:00:00Z"));
        credits.refreshDelulaDaily(Instant.parse("2020-01-01T09:59:59Z"));
        assertThat(refreshes(id)).isEmpty();
        credits.refreshDelulaDaily(Instant.parse("2020-01-01T10:00:00Z"));
        assertThat(refreshes(id)).isEqualTo("7 daily_refresh:2020-01-02");
        assertThat(balance(id)).isEqualTo(10);
        ledger.execute(
                "delula", id, "k-" + UUID.randomUUID(), Ledger.request("spend").put("amount", 4));
        credits.refreshDelulaDaily(Instant.parse("2020-01-02T09:59:00Z"));
        assertThat(balance(id)).isEqualTo(6);
        // Forcing the stamp back does not give the same day twice: the day is the row's key.
        OwnerSql.exec("update delula.users set last_credit_refresh = '2020-01-01T00:00:00Z' where id = '" + id + "'");
        credits.refreshDelulaDaily(Instant.parse("2020-01-02T09:59:30Z"));
        assertThat(balance(id)).isEqualTo(6);
        credits.refreshDelulaDaily(Instant.parse("2020-01-02T10:00:00Z"));
        assertThat(refreshes(id)).isEqualTo("7 daily_refresh:2020-01-02,4 daily_refresh:2020-01-03");
    }

    @Test
    void aUserAtUtcMinus12IsRefreshedADayLaterThanAtUtcPlus14() throws Exception {
        Instant last = Instant.parse("2020-02-01T12:00:00Z"); // 00:00 Feb 1 at UTC-12, 02:00 Feb 2 at UTC+14
        String west = user("Etc/GMT+12", 0, last);
        String east = user("Pacific/Kiritimati", 0, last);
        credits.refreshDelulaDaily(Instant.parse("2020-02-02T10:00:00Z")); // Feb 3 00:00 at +14, Feb 1 22:00 at -12
        assertThat(refreshes(east)).isEqualTo("10 daily_refresh:2020-02-03");
        assertThat(refreshes(west)).isEmpty();
        credits.refreshDelulaDaily(Instant.parse("2020-02-02T12:00:00Z")); // Feb 2 00:00 at -12
        assertThat(refreshes(west)).isEqualTo("10 daily_refresh:2020-02-02");
    }

    @Test
    void twoServersRefreshingAtOnceTopUpEachUserOnce() throws Exception {
        Instant last = Instant.parse("2020-03-01T12:00:00Z");
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            users.add(user("UTC", i % 10, last));
        }
        Instant now = Instant.parse("2020-03-02T00:00:01Z");
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService servers = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> one = servers.submit(() -> {
                together.await();
                return credits.refreshDelulaDaily(now);
            });
            Future<Integer> two = servers.submit(() -> {
                together.await();
                return credits.refreshDelulaDaily(now);
            });
            assertThat(one.get() + two.get()).isGreaterThanOrEqualTo(20);
        } finally {
            servers.shutdown();
        }
        for (String id : users) {
            assertThat(refreshes(id)).isEqualTo((10 - balance0(users.indexOf(id))) + " daily_refresh:2020-03-02");
            assertThat(balance(id)).isEqualTo(10);
        }
        assertThat(credits.refreshDelulaDaily(now.plusSeconds(3600))).isZero();
    }

    private static int balance0(int index) {
        return index % 10;
    }

    @Test
    void guestsAndRegisteredUsersMayHaveDifferentAllowances() throws Exception {
        String registered = user("UTC", 2, Instant.parse("2020-04-01T00:00:00Z"));
        String guest = OwnerSql.queryString("insert into auth.users (email) values (null) returning id");
        OwnerSql.exec(
                "update delula.users set last_credit_refresh = '2020-04-01T00:00:00Z' where id = '" + guest + "'");
        OwnerSql.callAs(
                "service_role",
                OwnerSql.claims(null, "service_role"),
                "select delula.refresh_daily_credits(12, 5, '2020-04-02T00:00:00Z', 1000000)");
        assertThat(refreshes(registered)).isEqualTo("10 daily_refresh:2020-04-02");
        assertThat(balance(guest)).isEqualTo(10); // a guest's 10 are above the guests' 5
        assertThat(refreshes(guest)).isEmpty();
        assertThat(OwnerSql.queryString("select account_type from delula.users where id = '" + guest + "'"))
                .isEqualTo("2");
    }
}
