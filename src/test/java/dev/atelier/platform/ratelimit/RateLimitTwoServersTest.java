package dev.atelier.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Cidrs;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Two servers on one database: the shared test server (through HTTP) and a second limiter with
 * its own pool, its own LISTEN connection and its own local refusals, as another server would
 * have. A limit of N requests per minute lets through exactly N across both under 32 clients.
 */
class RateLimitTwoServersTest {

    static final TestServer server = TestServer.get();
    private static final int LIMIT = 40;
    private static final int CLIENTS = 32;
    private static final int REQUESTS_EACH = 8;

    @Test
    void aLimitOfNPerMinuteLetsThroughNAcrossTwoServersUnder32Clients() throws Exception {
        int[] result = acrossTwoServers("test.two-servers", LIMIT, REQUESTS_EACH);
        assertThat(result[0]).isEqualTo(LIMIT);
    }

    /**
     * A limit large enough to be leased ({@link RateLimiter#leaseSize}: 20 places per database
     * round trip): still at most N across both servers, nearly all of it used, and a fraction of
     * the statements.
     */
    @Test
    void aLeasedLimitHoldsAcrossTwoServersWithFewRoundTrips() throws Exception {
        int limit = 2000;
        int[] result = acrossTwoServers("test.two-servers-leased", limit, 100);
        System.out.printf(
                "leased limit %d across two servers: %d allowed, %d checks counted in the database%n",
                limit, result[0], result[1]);
        assertThat(result[0]).isLessThanOrEqualTo(limit);
        // Places left unused in a lease when the requests end: at most one lease per server and
        // concurrent check; in practice the clients' later requests use them up.
        assertThat(result[0]).isGreaterThanOrEqualTo(limit - 2 * 16 * 20);
        assertThat(result[1]).isLessThan(CLIENTS * 100 / 5);
    }

    /**
     * 32 clients, half through HTTP to the shared test server and half through a second limiter,
     * each making {@code each} requests under one global rule of {@code limit} per minute.
     * Returns {allowed, checks the second limiter counted in the database}.
     */
    private static int[] acrossTwoServers(String policy, int limit, int each) throws Exception {
        PGSimpleDataSource login = (PGSimpleDataSource) server.loginRoleDataSource();
        String path = "/api/v1/" + policy.replace('.', '-') + "-probe";
        try (Database pool =
                        Database.connect(server.databaseTarget(), login.getUser(), login.getPassword(), () -> true);
                RateLimiter other = new RateLimiter(pool, login::getConnection, Cidrs.parse(""), 8, true)) {
            other.start();
            Poll.until("the second server listens", Duration.ofSeconds(5), other::isListening);
            try (Connection owner = OwnerSql.owner()) {
                OwnerSql.exec(
                        owner,
                        "insert into platform.rate_limit_rules (name, identifier_type, endpoint_pattern,"
                                + " requests_per_window, window_seconds) values ('" + policy + "', 'global',"
                                + " 'GET " + path + "', " + limit + ", 60)");
            }
            try {
                // Both servers hear of the new rule through their own LISTEN.
                Poll.until(
                        "both servers loaded the rule",
                        Duration.ofSeconds(5),
                        () -> other.hasRule(policy)
                                && server.component(RateLimiter.class).hasRule(policy));
                long countedBefore = other.countedAndStatements()[0];
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                try {
                    List<Callable<Integer>> tasks = new ArrayList<>();
                    for (int c = 0; c < CLIENTS; c++) {
                        boolean http = c % 2 == 0;
                        String from = "203.0.113." + (c + 1);
                        tasks.add(() -> {
                            int allowed = 0;
                            for (int i = 0; i < each; i++) {
                                if (http) {
                                    HttpResponse<String> r = RateLimitTest.send("GET", path, from, "");
                                    allowed += r.statusCode() == 429 ? 0 : 1;
                                } else {
                                    Decision d =
                                            other.request("GET", path, new Identifiers(from, null, null, null, null));
                                    allowed += d.allowed() ? 1 : 0;
                                }
                            }
                            return allowed;
                        });
                    }
                    int allowed = 0;
                    for (Future<Integer> f : clients.invokeAll(tasks)) {
                        allowed += f.get();
                    }
                    return new int[] {allowed, (int) (other.countedAndStatements()[0] - countedBefore)};
                } finally {
                    clients.shutdown();
                }
            } finally {
                try (Connection owner = OwnerSql.owner()) {
                    OwnerSql.exec(owner, "delete from platform.rate_limit_rules where name = '" + policy + "'");
                }
            }
        }
    }
}
