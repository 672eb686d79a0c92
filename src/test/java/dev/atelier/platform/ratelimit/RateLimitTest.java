package dev.atelier.platform.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The limiter through HTTP on the shared server: the default auth rules exactly as V100 seeds
 * them, every 429 surface with its fields, rules changed while the server runs, Rotation's table.
 * Each test speaks from addresses of its own (X-Forwarded-For through 127.0.0.1, a trusted proxy
 * of the test server), so the suite's own requests from 127.0.0.1 are never limited.
 */
class RateLimitTest {

    static final TestServer server = TestServer.get();
    private static final AtomicInteger NEXT_ADDRESS = new AtomicInteger(1);

    /** A TEST-NET-2 address no other test uses. */
    static String address() {
        int n = NEXT_ADDRESS.getAndIncrement();
        return "198.51.100." + n;
    }

    static HttpResponse<String> send(String method, String path, String from, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("apikey", server.anonKey())
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", from)
                .method(
                        method,
                        body.isEmpty()
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return server.http().send(request, HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> signIn(String email, String password, String from) throws Exception {
        return send(
                "POST",
                "/auth/v1/token?grant_type=password",
                from,
                server.json().writeValueAsString(java.util.Map.of("email", email, "password", password)));
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return server.json().readTree(response.body());
    }

    static String header(HttpResponse<String> response, String name) {
        return String.join(", ", response.headers().allValues(name));
    }

    static RateLimiter limiter() {
        return server.component(RateLimiter.class);
    }

    /** Moves the counters whose key starts with {@code prefix} a whole window into the past. */
    static void windowPasses(String prefix, Duration window) throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "update platform.rate_limit_counters set window_start = window_start - interval '"
                            + window.toSeconds() + " seconds', window_end = window_end - interval '"
                            + window.toSeconds() + " seconds' where key like '" + prefix.replace("'", "''") + "%'");
        }
        limiter().forgetLocalRefusals();
    }

    @AfterAll
    static void removeTestRules() throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(owner, "delete from platform.rate_limit_rules where name like 'test.%'");
            OwnerSql.exec(owner, "delete from rotation.rate_limits where identifier like '198.51.100.%'");
        }
    }

    // ------------------------------------------------------------------------------------------
    // The default auth rules
    // ------------------------------------------------------------------------------------------

    @Test
    void theSixthWrongPasswordFromOneAddressIsRefusedAndSoIsEveryAttemptUntilTheWindowPasses() throws Exception {
        String email = "brute-" + UUID.randomUUID() + "@example.test";
        server.mintUser(email);
        String attacker = address();
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> wrong = signIn(email, "wrong password " + i, attacker);
            assertThat(wrong.statusCode()).as("attempt %d", i).isEqualTo(400);
            assertThat(json(wrong).path("error_code").asText()).isEqualTo("invalid_credentials");
            assertThat(header(wrong, "RateLimit-Policy")).contains("\"auth.password.ip_email\";q=5;w=900");
            assertThat(header(wrong, "RateLimit")).contains("\"auth.password.ip_email\";r=" + (5 - i) + ";t=");
        }
        HttpResponse<String> sixth = signIn(email, "wrong password 6", attacker);
        assertThat(sixth.statusCode()).isEqualTo(429);
        JsonNode error = json(sixth);
        assertThat(error.path("code").asInt()).isEqualTo(429);
        assertThat(error.path("error_code").asText()).isEqualTo("over_request_rate_limit");
        assertThat(error.path("msg").asText()).contains("auth.password.ip_email");
        long retryAfter =
                Long.parseLong(sixth.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(880L, 900L);
        assertThat(header(sixth, "RateLimit")).contains("\"auth.password.ip_email\";r=0;t=");

        // Even the right password is refused from that address for that e-mail, again and again.
        for (int i = 0; i < 3; i++) {
            assertThat(signIn(email, TestServer.MINTED_PASSWORD, attacker).statusCode())
                    .isEqualTo(429);
        }
        // From another address the owner signs in; the attacker's address may try other e-mails.
        assertThat(signIn(email, TestServer.MINTED_PASSWORD, address()).statusCode())
                .isEqualTo(200);
        assertThat(signIn("other-" + UUID.randomUUID() + "@example.test", "x", attacker)
                        .statusCode())
                .isEqualTo(400);

        // Fifteen minutes later (the window moved into the database's past) it is allowed again.
        windowPasses("auth.password.ip_email|" + attacker + "|", Duration.ofMinutes(15));
        assertThat(signIn(email, TestServer.MINTED_PASSWORD, attacker).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aSuccessfulSignInForgivesTheWrongPasswordsBeforeIt() throws Exception {
        String email = "forgiven-" + UUID.randomUUID() + "@example.test";
        server.mintUser(email);
        String from = address();
        // Four wrong passwords from this address already counted (a shortcut for four bcrypt checks).
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into platform.rate_limit_counters values ('auth.password.ip_email|" + from + "|" + email
                            + "', now(), now() + interval '900 seconds', 4)");
        }
        HttpResponse<String> right = signIn(email, TestServer.MINTED_PASSWORD, from);
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(header(right, "RateLimit")).contains("\"auth.password.ip_email\";r=0;");
        HttpResponse<String> typo = signIn(email, "typo", from);
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(header(typo, "RateLimit")).contains("\"auth.password.ip_email\";r=4;t=900");
    }

    @Test
    void onePerAddressLimitCoversManyEmails() throws Exception {
        String from = address();
        // 28 attempts from this address already counted (a shortcut for 28 bcrypt checks).
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into platform.rate_limit_counters values ('auth.password.ip|" + from
                            + "', now(), now() + interval '300 seconds', 28)");
        }
        HttpResponse<String> first = signIn("a-" + UUID.randomUUID() + "@example.test", "x", from);
        assertThat(first.statusCode()).isEqualTo(400);
        assertThat(header(first, "RateLimit-Policy")).contains("\"auth.password.ip\";q=30;w=300");
        assertThat(header(first, "RateLimit")).contains("\"auth.password.ip\";r=1;");
        assertThat(signIn("b-" + UUID.randomUUID() + "@example.test", "x", from).statusCode())
                .isEqualTo(400);
        HttpResponse<String> third = signIn("c-" + UUID.randomUUID() + "@example.test", "x", from);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(json(third).path("msg").asText()).contains("auth.password.ip");
        // Another address is not affected.
        assertThat(signIn("d-" + UUID.randomUUID() + "@example.test", "x", address())
                        .statusCode())
                .isEqualTo(400);
    }

    @Test
    void onePerEmailLimitAcrossAddressesTakesAHundredAttemptsInFifteenMinutes() throws Exception {
        String email = "victim-" + UUID.randomUUID() + "@example.test";
        server.mintUser(email);
        HttpResponse<String> first = signIn(email, "x", address());
        assertThat(header(first, "RateLimit-Policy")).contains("\"auth.password.email\";q=100;w=900");
        assertThat(header(first, "RateLimit")).contains("\"auth.password.email\";r=99;");
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "update platform.rate_limit_counters set hits = 100 where key = 'auth.password.email|" + email
                            + "'");
        }
        HttpResponse<String> refused = signIn(email, TestServer.MINTED_PASSWORD, address());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(json(refused).path("msg").asText()).contains("auth.password.email");
    }

    @Test
    void anonymousSignUpsAreLimitedPerAddress() throws Exception {
        String from = address();
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into platform.rate_limit_counters values ('auth.anonymous.ip|" + from
                            + "', now(), now() + interval '3600 seconds', 29)");
        }
        HttpResponse<String> last = send("POST", "/auth/v1/signup", from, "{}");
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(header(last, "RateLimit-Policy")).contains("\"auth.anonymous.ip\";q=30;w=3600");
        HttpResponse<String> refused = send("POST", "/auth/v1/signup", from, "{}");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(json(refused).path("error_code").asText()).isEqualTo("over_request_rate_limit");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void signUpsAndRefreshesCarryTheirPolicies() throws Exception {
        String from = address();
        HttpResponse<String> signUp = send(
                "POST",
                "/auth/v1/signup",
                from,
                "{\"email\":\"new-" + UUID.randomUUID() + "@example.test\",\"password\":\"a long password\"}");
        assertThat(signUp.statusCode()).isEqualTo(200);
        assertThat(header(signUp, "RateLimit-Policy")).isEqualTo("\"auth.signup.ip\";q=30;w=3600");
        String refreshToken = json(signUp).path("refresh_token").asText();
        HttpResponse<String> refresh = send(
                "POST",
                "/auth/v1/token?grant_type=refresh_token",
                from,
                "{\"refresh_token\":\"" + refreshToken + "\"}");
        assertThat(refresh.statusCode()).isEqualTo(200);
        assertThat(header(refresh, "RateLimit-Policy")).isEqualTo("\"auth.refresh.ip\";q=150;w=300");
        assertThat(header(refresh, "RateLimit")).isEqualTo("\"auth.refresh.ip\";r=149;t=300");
    }

    @Test
    void theSuitesOwnAddressIsExempt() throws Exception {
        HttpResponse<String> response = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/auth/v1/token?grant_type=password"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"email\":\"x@example.test\",\"password\":\"x\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    }

    // ------------------------------------------------------------------------------------------
    // Rules of the table, changed at run time; every surface's 429
    // ------------------------------------------------------------------------------------------

    static void rule(String name, String type, String endpoint, int limit, int window) throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(
                    owner,
                    "insert into platform.rate_limit_rules (name, identifier_type, endpoint_pattern,"
                            + " requests_per_window, window_seconds) values ('" + name + "', '" + type + "', '"
                            + endpoint + "', " + limit + ", " + window + ")"
                            + " on conflict (name) do update set requests_per_window = excluded.requests_per_window,"
                            + " window_seconds = excluded.window_seconds, endpoint_pattern = excluded.endpoint_pattern");
        }
    }

    static void awaitRule(String policy) throws Exception {
        Poll.until(
                "rule " + policy + " is loaded",
                Duration.ofSeconds(5),
                () -> limiter().hasRule(policy));
    }

    @Test
    void aLeasedRuleCountsTenPlacesAtOnceAndItsHeadersStillCountDown() throws Exception {
        // 1,000 a minute: leased ten places at a time (RateLimiter.leaseSize).
        rule("test.leased", "ip", "GET /api/v1/leased-probe", 1000, 60);
        awaitRule("test.leased");
        String from = address();
        for (int i = 1; i <= 12; i++) {
            HttpResponse<String> r = send("GET", "/api/v1/leased-probe", from, "");
            assertThat(r.statusCode()).isNotEqualTo(429);
            assertThat(header(r, "RateLimit")).matches("\"test.leased\";r=" + (1000 - i) + ";t=(59|60)");
        }
        // Two leases counted in the database so far: 20 places for 12 requests.
        assertThat(OwnerSql.queryString(
                        "select hits from platform.rate_limit_counters where key = 'test.leased|" + from + "'"))
                .isEqualTo("20");
    }

    @Test
    void everySurfaceAnswers429InItsOwnShapeWithTheFields() throws Exception {
        // One count for the three paths: the rule counts by address, wherever it matches.
        rule("test.surfaces", "ip", "GET /{auth/v1/health,rest/v1/,api/v1/ratelimit-probe}", 3, 60);
        awaitRule("test.surfaces");
        String from = address();
        for (String path : new String[] {"/auth/v1/health", "/rest/v1/", "/api/v1/ratelimit-probe"}) {
            HttpResponse<String> allowed = send("GET", path, from, "");
            assertThat(allowed.statusCode()).as(path).isNotEqualTo(429);
            assertThat(header(allowed, "RateLimit-Policy")).isEqualTo("\"test.surfaces\";q=3;w=60");
            assertThat(header(allowed, "RateLimit")).matches("\"test.surfaces\";r=[012];t=(59|60)");
        }
        HttpResponse<String> auth = send("GET", "/auth/v1/health", from, "");
        assertThat(auth.statusCode()).isEqualTo(429);
        assertThat(auth.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(json(auth).path("error_code").asText()).isEqualTo("over_request_rate_limit");
        assertThat(json(auth).path("code").asInt()).isEqualTo(429);
        assertThat(header(auth, "RateLimit")).matches("\"test.surfaces\";r=0;t=\\d+");
        assertThat(auth.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<String> rest = send("GET", "/rest/v1/", from, "");
        assertThat(rest.statusCode()).isEqualTo(429);
        assertThat(json(rest).path("code").asText()).isEqualTo("PGRSTX429");
        assertThat(json(rest).has("hint")).isTrue();
        assertThat(rest.headers().firstValue("Retry-After")).isPresent();

        HttpResponse<String> api = send("GET", "/api/v1/ratelimit-probe", from, "");
        assertThat(api.statusCode()).isEqualTo(429);
        assertThat(api.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(json(api).path("status").asInt()).isEqualTo(429);
        assertThat(json(api).path("title").asText()).isEqualTo("Too Many Requests");
        assertThat(Long.parseLong(api.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1L, 60L);
        assertThat(header(api, "RateLimit-Policy")).isEqualTo("\"test.surfaces\";q=3;w=60");

        // Another address has its own count.
        assertThat(send("GET", "/api/v1/ratelimit-probe", address(), "").statusCode())
                .isEqualTo(404);
    }

    @Test
    void aRuleChangedWhileTheServerRunsTakesEffect() throws Exception {
        rule("test.changed", "ip", "GET /auth/v1/settings", 1, 60);
        awaitRule("test.changed");
        String from = address();
        assertThat(send("GET", "/auth/v1/settings", from, "").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/auth/v1/settings", from, "").statusCode()).isEqualTo(429);
        rule("test.changed", "ip", "GET /auth/v1/settings", 3, 60);
        Poll.until("the raised limit is loaded", Duration.ofSeconds(5), () -> {
            HttpResponse<String> r = send("GET", "/auth/v1/settings", from, "");
            return r.statusCode() == 200 && header(r, "RateLimit-Policy").contains("q=3");
        });
        try (Connection owner = OwnerSql.owner()) {
            OwnerSql.exec(owner, "update platform.rate_limit_rules set enabled = false where name = 'test.changed'");
        }
        Poll.until(
                "the disabled rule is gone",
                Duration.ofSeconds(5),
                () -> limiter().needs("GET", "/auth/v1/settings").isEmpty());
        HttpResponse<String> free = send("GET", "/auth/v1/settings", from, "");
        assertThat(free.statusCode()).isEqualTo(200);
        assertThat(free.headers().firstValue("RateLimit")).isEmpty();
    }

    @Test
    void rulesByUserCountTheVerifiedTokensSubject() throws Exception {
        rule("test.user", "user", "GET /auth/v1/user", 1, 60);
        awaitRule("test.user");
        TestServer.TestUser alice = server.newUser();
        TestServer.TestUser bob = server.newUser();
        String from = address();
        for (TestServer.TestUser user : new TestServer.TestUser[] {alice, bob}) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/auth/v1/user"))
                    .header("apikey", server.anonKey())
                    .header("Authorization", "Bearer " + user.accessToken())
                    .header("X-Forwarded-For", from)
                    .build();
            assertThat(server.http()
                            .send(request, HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(200);
            assertThat(server.http()
                            .send(request, HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(429);
        }
        // Without a token the rule does not apply: there is no user to count.
        assertThat(send("GET", "/auth/v1/user", from, "").statusCode()).isEqualTo(401);
    }

    // ------------------------------------------------------------------------------------------
    // Rotation's rotation.rate_limits
    // ------------------------------------------------------------------------------------------

    @Test
    void rotationsRowsLimitTheirIdentifierAndShowItsState() throws Exception {
        String limited = address();
        String id;
        try (Connection owner = OwnerSql.owner()) {
            id = OwnerSql.queryString(
                    owner,
                    "insert into rotation.rate_limits (identifier, identifier_type, endpoint_pattern,"
                            + " requests_per_window, window_duration_seconds, burst_allowance)"
                            + " values ('" + limited + "', 'ip', '/api/v1/**', 1, 60, 1) returning id");
        }
        awaitRule("rotation.rate_limits." + id);
        String policy = "\"rotation.rate_limits." + id + "\"";
        HttpResponse<String> first = send("GET", "/api/v1/ratelimit-probe", limited, "");
        assertThat(first.statusCode()).isEqualTo(404);
        assertThat(header(first, "RateLimit-Policy")).contains(policy + ";q=2;w=60");
        assertThat(send("GET", "/api/v1/ratelimit-probe", limited, "").statusCode())
                .isEqualTo(404);
        try (Connection owner = OwnerSql.owner()) {
            assertThat(OwnerSql.queryString(
                            owner,
                            "select current_count || ' ' || is_blocked || ' ' || (blocked_until is null)"
                                    + " from rotation.rate_limits where id = " + id))
                    .isEqualTo("2 false true");
        }
        HttpResponse<String> third = send("GET", "/api/v1/ratelimit-probe", limited, "");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(header(third, "RateLimit")).contains(policy + ";r=0;");
        try (Connection owner = OwnerSql.owner()) {
            assertThat(OwnerSql.queryString(
                            owner,
                            "select current_count || ' ' || is_blocked || ' '"
                                    + " || (blocked_until between now() + interval '50 seconds' and now() + interval '61 seconds')"
                                    + " from rotation.rate_limits where id = " + id))
                    .isEqualTo("3 true true");
        }
        // Other addresses are not limited by that row.
        HttpResponse<String> other = send("GET", "/api/v1/ratelimit-probe", address(), "");
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(header(other, "RateLimit-Policy")).doesNotContain(policy);
    }
}
