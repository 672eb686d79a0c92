package dev.atelier.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Finding 3: eighteen anonymous GETs with a back-tracking regex each burned a core for 30 s, took
 * every pooled connection, and left signed-in users and /health waiting 10 s for a 504/503. Now
 * anon holds at most its share of the pool and runs under a 3 s statement timeout, and /health
 * has a connection of its own.
 */
class ConnectionSharesIT {

    private static final int ATTACKERS = 18;
    private final TestServer server = TestServer.get();

    @Test
    void whileAnonSaturatesItsShareASignedInUserAndHealthAreAnsweredWithinOneSecond() throws Exception {
        TestServer.TestUser user = server.newUser();
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into algorhythmic.subscription_tiers (tier, display_name, monthly_credits, price) "
                            + "values ('regex-probe', repeat('a', 601), 0, 0) on conflict (tier) do nothing");
        }
        String attack = server.baseUrl() + "/rest/v1/subscription_tiers?select=tier&display_name="
                + URLEncoder.encode("match.^(a*)(a*)(a*)\\1\\2\\3$", StandardCharsets.UTF_8);
        long attackStart = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> attacks = new ArrayList<>();
        for (int i = 0; i < ATTACKERS; i++) {
            attacks.add(
                    server.http().sendAsync(get(attack, server.anonKey(), null), HttpResponse.BodyHandlers.ofString()));
        }
        try (Connection owner = OwnerSql.owner()) {
            // Wait until anon holds its whole share: the moment a starved pool would show.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (busyRegexBackends(owner) < new RequestLimits(RequestLimits.DEFAULT_POOL_SIZE).share("anon")
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(busyRegexBackends(owner))
                    .as("anonymous regex queries running")
                    .isEqualTo(8);
        }

        long start = System.nanoTime();
        HttpResponse<String> signedIn = server.http()
                .send(
                        get(
                                server.baseUrl() + "/rest/v1/subscription_tiers?select=tier&limit=1",
                                server.anonKey(),
                                user.accessToken()),
                        HttpResponse.BodyHandlers.ofString());
        Duration signedInTook = Duration.ofNanos(System.nanoTime() - start);
        start = System.nanoTime();
        HttpResponse<String> health = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health"))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Duration healthTook = Duration.ofNanos(System.nanoTime() - start);

        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        assertThat(signedInTook).as("signed-in GET during the attack").isLessThan(Duration.ofSeconds(1));
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(healthTook).as("/health during the attack").isLessThan(Duration.ofSeconds(1));

        CompletableFuture.allOf(attacks.toArray(CompletableFuture[]::new)).join();
        Duration attackTook = Duration.ofNanos(System.nanoTime() - attackStart);
        for (CompletableFuture<HttpResponse<String>> attackResponse : attacks) {
            assertThat(attackResponse.join().body())
                    .as("anon's statement timeout ended it")
                    .contains("57014");
        }
        // 18 requests, 8 at a time, 3 s each: about 9 s. Without anon's timeout they ran 30 s each.
        assertThat(attackTook).isLessThan(Duration.ofSeconds(20));
    }

    private static int busyRegexBackends(Connection owner) throws java.sql.SQLException {
        return Integer.parseInt(OwnerSql.queryString(
                owner,
                "select count(*) from pg_stat_activity "
                        + "where application_name = 'atelier' and state = 'active' and query like '%~%'"));
    }

    private static HttpRequest get(String url, String apikey, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("apikey", apikey)
                .header("Accept-Profile", "algorhythmic");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return request.build();
    }
}
