package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.testing.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's acceptance with two real servers: two Atelier JVMs on one PostgreSQL database, each
 * with its own pools, LISTEN connection, flag cache and local refusals. A flag changed through one
 * is seen by both within a second; a limit of N requests per minute lets through exactly N across
 * both while 32 clients, half on each server, ask at once.
 */
class TwoServersIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final String SECRET = "two-servers-".repeat(4);
    private static final int LIMIT = 40;
    private static final int CLIENTS = 32;
    private static final int REQUESTS_EACH = 8;
    private static final String CROWD = "198.51.100.7";
    private static final String PROBE = "198.51.100.99";

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void flagChangesAndRateLimitsHoldAcrossTwoServers(@TempDir Path dir) throws Exception {
        try (EmbeddedDatabase cluster = DebianPostgres15.start(dir)) {
            String superuser = cluster.target().ownerPassword();
            String jdbc = cluster.target().jdbcUrl();
            Map<String, String> env = Map.of(
                    "DATABASE_URL",
                    "postgres://postgres:" + superuser + "@127.0.0.1:"
                            + cluster.target().port() + "/postgres",
                    "ATELIER_JWT_SECRET",
                    SECRET,
                    // Clients name their address through 127.0.0.1 as a trusted proxy, and nobody is exempt.
                    "ATELIER_HTTP_TRUSTED_PROXIES",
                    "127.0.0.1/32",
                    "ATELIER_RATELIMIT_EXEMPT",
                    "");
            // The first server migrates the database; the second starts on a migrated one.
            try (ServerProcess a =
                    ServerProcess.start(env, "serve", "--data-dir", dir.resolve("a") + "", "--port", "0")) {
                String urlA = a.awaitApiUrl(START);
                try (ServerProcess b =
                        ServerProcess.start(env, "serve", "--data-dir", dir.resolve("b") + "", "--port", "0")) {
                    String urlB = b.awaitApiUrl(START);
                    String anon = banner(a, "anon key:");
                    String service = banner(a, "service_role key:");
                    aFlagChangedThroughOneIsSeenByBothWithinASecond(urlA, urlB, anon, service);
                    aLimitOfNPerMinuteLetsThroughNAcrossBoth(urlA, urlB, anon, jdbc, superuser);
                }
            }
        }
    }

    private void aFlagChangedThroughOneIsSeenByBothWithinASecond(String a, String b, String anon, String service)
            throws Exception {
        HttpResponse<String> created = send(
                a,
                "POST",
                "/api/v1/rotation/flags",
                anon,
                service,
                null,
                "{\"key\":\"two-servers\",\"name\":\"Two servers\",\"is_enabled\":true}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long started = System.nanoTime();
        Poll.until(
                "both servers see the new flag on", Duration.ofSeconds(1), () -> enabled(a, anon) && enabled(b, anon));
        long seen = (System.nanoTime() - started) / 1_000_000;

        HttpResponse<String> off =
                send(b, "PATCH", "/api/v1/rotation/flags/two-servers", anon, service, null, "{\"is_enabled\":false}");
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        started = System.nanoTime();
        Poll.until("both servers see it off", Duration.ofSeconds(1), () -> !enabled(a, anon) && !enabled(b, anon));
        long seenOff = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("two servers: a new flag seen by both in %d ms, switched off in %d ms%n", seen, seenOff);
    }

    private boolean enabled(String server, String anon) throws Exception {
        HttpResponse<String> r =
                send(server, "POST", "/api/v1/rotation/flags/evaluate", anon, null, null, "{\"flag\":\"two-servers\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body()).path("enabled").asBoolean();
    }

    private void aLimitOfNPerMinuteLetsThroughNAcrossBoth(
            String a, String b, String anon, String jdbc, String superuser) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbc, "postgres", superuser);
                Statement st = c.createStatement()) {
            st.execute("insert into platform.rate_limit_rules (name, identifier_type, endpoint_pattern,"
                    + " requests_per_window, window_seconds) values ('it.two-servers', 'ip', 'GET /auth/v1/health', "
                    + LIMIT + ", 60)");
        }
        // Each server hears of the rule through its own LISTEN; a probe from an address of its own
        // (its own counter) shows the policy once the server applies it.
        for (String server : List.of(a, b)) {
            Poll.until("the rule is applied by " + server, Duration.ofSeconds(5), () -> {
                String policy = send(server, "GET", "/auth/v1/health", anon, null, PROBE, null)
                        .headers()
                        .firstValue("RateLimit-Policy")
                        .orElse("");
                return policy.contains("it.two-servers");
            });
        }
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Callable<int[]>> tasks = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                String server = i % 2 == 0 ? a : b;
                tasks.add(() -> {
                    int allowed = 0;
                    int refused = 0;
                    for (int r = 0; r < REQUESTS_EACH; r++) {
                        HttpResponse<String> response = send(server, "GET", "/auth/v1/health", anon, null, CROWD, null);
                        if (response.statusCode() == 429) {
                            assertThat(response.headers().firstValue("Retry-After"))
                                    .isPresent();
                            refused++;
                        } else {
                            assertThat(response.statusCode()).isEqualTo(200);
                            allowed++;
                        }
                    }
                    return new int[] {allowed, refused};
                });
            }
            int allowed = 0;
            int refused = 0;
            for (Future<int[]> f : clients.invokeAll(tasks)) {
                allowed += f.get()[0];
                refused += f.get()[1];
            }
            System.out.printf(
                    "two servers, %d clients: %d allowed, %d refused (limit %d per minute)%n",
                    CLIENTS, allowed, refused, LIMIT);
            assertThat(allowed).isEqualTo(LIMIT);
            assertThat(refused).isEqualTo(CLIENTS * REQUESTS_EACH - LIMIT);
        } finally {
            clients.shutdown();
        }
    }

    private HttpResponse<String> send(
            String base,
            String method,
            String path,
            String apikey,
            @Nullable String token,
            @Nullable String from,
            @Nullable String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(20))
                .header("apikey", apikey)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (from != null) {
            request.header("X-Forwarded-For", from);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String banner(ServerProcess server, String label) {
        return server.stdout()
                .lines()
                .map(String::trim)
                .filter(l -> l.startsWith(label))
                .map(l -> l.substring(label.length()).trim())
                .findFirst()
                .orElseThrow();
    }
}
