package dev.atelier.platform.auth;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 6, finding 4 and its neighbours: a signed-out or superseded session's tokens act for nobody,
 * a password change ends the other sessions, time claims are honoured, over-long passwords never
 * reach bcrypt, sessions per user are capped, and refused sign-ins are logged without the address.
 */
class SessionSecurityTest {

    private static final TestServer server = TestServer.get();
    private static final String PASSWORD = "correct horse battery";
    /** A domain endpoint that takes a {@code Caller}: it goes through the live-session check. */
    private static final String DOMAIN = "/api/v1/moodscale/spotify-connection";

    @Test
    void aStolenAccessTokenActsForNobodyAfterSignOutAndAPasswordChangeEndsTheOtherSessions() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        String stolen = user.accessToken(); // session A: the attacker keeps its access token
        Session second = signIn(user.email(), PASSWORD);
        assertThat(get("/auth/v1/user", stolen).statusCode()).isEqualTo(200);
        assertThat(get(DOMAIN, stolen).statusCode()).isEqualTo(200);

        // "Sign out everywhere" from the second session.
        assertThat(send("POST", "/auth/v1/logout", second.access(), null).statusCode())
                .isEqualTo(204);

        HttpResponse<String> takeover = send("PUT", "/auth/v1/user", stolen, "{\"password\":\"attacker-chosen\"}");
        assertThat(takeover.statusCode()).isEqualTo(403);
        assertThat(json(takeover).path("error_code").asText()).isEqualTo("session_not_found");
        assertThat(json(takeover).path("msg").asText())
                .isEqualTo("Session from session_id claim in JWT does not exist");
        HttpResponse<String> metadata = send("PUT", "/auth/v1/user", stolen, "{\"data\":{\"owned\":true}}");
        assertThat(metadata.statusCode()).isEqualTo(403);
        assertThat(json(send("POST", "/auth/v1/logout", stolen, null))
                        .path("error_code")
                        .asText())
                .isEqualTo("session_not_found");
        assertProblem(get(DOMAIN, stolen), 401);
        assertThat(signInStatus(user.email(), "attacker-chosen")).isEqualTo(400);

        // The user signs in on two devices, then changes the password on the first.
        Session b = signIn(user.email(), PASSWORD);
        Session c = signIn(user.email(), PASSWORD);
        HttpResponse<String> change = send("PUT", "/auth/v1/user", b.access(), "{\"password\":\"a-new-password\"}");
        assertThat(change.statusCode()).isEqualTo(200);

        assertThat(refresh(c.refresh()).statusCode()).isEqualTo(400);
        HttpResponse<String> cUser = get("/auth/v1/user", c.access());
        assertThat(cUser.statusCode()).isEqualTo(403);
        assertThat(json(cUser).path("error_code").asText()).isEqualTo("session_not_found");
        assertThat(send("PUT", "/auth/v1/user", c.access(), "{\"password\":\"c-wants-this\"}")
                        .statusCode())
                .isEqualTo(403);
        assertProblem(get(DOMAIN, c.access()), 401);

        // The session that changed the password goes on, and its refresh token still works.
        assertThat(get("/auth/v1/user", b.access()).statusCode()).isEqualTo(200);
        assertThat(get(DOMAIN, b.access()).statusCode()).isEqualTo(200);
        assertThat(refresh(b.refresh()).statusCode()).isEqualTo(200);
        assertThat(signInStatus(user.email(), PASSWORD)).isEqualTo(400);
        assertThat(signInStatus(user.email(), "a-new-password")).isEqualTo(200);
    }

    @Test
    void aTokenThatIsNotYetValidOrIssuedInTheFutureIsRefusedEverywhere() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        Instant now = Instant.now();
        String notYet = sign(user.id(), now.plusSeconds(60), null);
        String futureIssued = sign(user.id(), null, now.plusSeconds(60));
        String withinSkew = sign(user.id(), now.plusSeconds(2), now.plusSeconds(2));

        HttpResponse<String> rest = get("/rest/v1/heroes?select=id", notYet);
        assertThat(rest.statusCode()).isEqualTo(401);
        assertThat(json(rest).path("code").asText()).isEqualTo("PGRST303");
        assertThat(json(rest).path("message").asText()).isEqualTo("JWT not yet valid");
        HttpResponse<String> restIat = get("/rest/v1/heroes?select=id", futureIssued);
        assertThat(restIat.statusCode()).isEqualTo(401);
        assertThat(json(restIat).path("message").asText()).isEqualTo("JWT issued at future");
        assertThat(get("/rest/v1/heroes?select=id", withinSkew).statusCode()).isEqualTo(200);

        HttpResponse<String> auth = get("/auth/v1/user", notYet);
        assertThat(auth.statusCode()).isEqualTo(403);
        assertThat(json(auth).path("error_code").asText()).isEqualTo("bad_jwt");
        assertThat(json(auth).path("msg").asText()).endsWith("JWT not yet valid");
        assertThat(get("/auth/v1/user", futureIssued).statusCode()).isEqualTo(403);
        assertThat(get("/auth/v1/user", withinSkew).statusCode()).isEqualTo(200);

        assertProblem(get(DOMAIN, notYet), 401);
        assertThat(get(DOMAIN, withinSkew).statusCode()).isEqualTo(200);
    }

    @Test
    void aPasswordLongerThanBcryptReadsIsRefusedAtSignIn() throws Exception {
        String email = "long-" + UUID.randomUUID() + "@example.test";
        String seventyTwo = "p".repeat(72);
        server.signUp(email, seventyTwo);
        try (Capture log = new Capture()) {
            HttpResponse<String> longer = signInResponse(email, seventyTwo + "anything");
            assertThat(longer.statusCode()).isEqualTo(400);
            assertThat(json(longer).path("error_code").asText()).isEqualTo("invalid_credentials");
            // 37 two-byte characters: 74 bytes, though only 37 chars.
            assertThat(signInStatus(email, "é".repeat(37))).isEqualTo(400);
            assertThat(log.lines())
                    .contains("sign-in refused: invalid credentials (email sha256:" + digest(email) + ")");
        }
        assertThat(signInStatus(email, seventyTwo)).isEqualTo(200);
    }

    @Test
    void aUserWithoutAPasswordCannotSignInWithTheTimingDummysPassword() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        try (Connection owner = server.ownerDataSource().getConnection();
                PreparedStatement st =
                        owner.prepareStatement("update auth.users set encrypted_password = null where id = ?")) {
            st.setObject(1, user.id());
            st.executeUpdate();
        }
        // AuthService checks unknown addresses against a hash of this text, so that timing says nothing.
        assertThat(signInStatus(user.email(), "not a real password")).isEqualTo(400);
    }

    @Test
    void signingInBeyondTheSessionCapEndsTheLeastRecentlyUsedSession() throws Exception {
        int cap = server.component(AuthService.class).maxSessionsPerUser();
        TestServer.TestUser user = server.signedUpUser(); // its sign-up session is the oldest
        addSessions(user.id(), cap - 1);
        assertThat(sessionCount(user.id())).isEqualTo(cap);

        Session newest = signIn(user.email(), PASSWORD);

        assertThat(sessionCount(user.id())).isEqualTo(cap);
        assertThat(refresh(user.refreshToken()).statusCode()).isEqualTo(400);
        HttpResponse<String> oldest = get("/auth/v1/user", user.accessToken());
        assertThat(oldest.statusCode()).isEqualTo(403);
        assertThat(json(oldest).path("error_code").asText()).isEqualTo("session_not_found");
        assertProblem(get(DOMAIN, user.accessToken()), 401);
        assertThat(get("/auth/v1/user", newest.access()).statusCode()).isEqualTo(200);
    }

    @Test
    void concurrentSignInsCannotRacePastTheSessionCap() throws Exception {
        int cap = server.component(AuthService.class).maxSessionsPerUser();
        TestServer.TestUser user = server.signedUpUser();
        addSessions(user.id(), cap - 1);
        int parallel = 4;
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < parallel; i++) {
                results.add(pool.submit(() -> signInStatus(user.email(), PASSWORD)));
            }
            for (Future<Integer> result : results) {
                assertThat(result.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(sessionCount(user.id())).isEqualTo(cap);
    }

    @Test
    void refusedSignInsAreLoggedWithTheAddressHashedAndOneReasonForUnknownAndWrong() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        String unknown = "nobody-" + UUID.randomUUID() + "@example.test";
        try (Capture log = new Capture()) {
            // Upper case and spaces: the digest is of the normalised address.
            assertThat(signInStatus("  " + user.email().toUpperCase() + " ", "not the password"))
                    .isEqualTo(400);
            assertThat(signInStatus(unknown, "whatever-it-is")).isEqualTo(400);

            List<String> lines = log.lines();
            assertThat(lines)
                    .contains(
                            "sign-in refused: invalid credentials (email sha256:" + digest(user.email()) + ")",
                            "sign-in refused: invalid credentials (email sha256:" + digest(unknown) + ")");
            assertThat(log.events())
                    .filteredOn(e -> e.getFormattedMessage().contains(digest(user.email())))
                    .allMatch(e -> e.getLevel() == Level.WARN);
            assertThat(String.join("\n", lines))
                    .doesNotContain(user.email())
                    .doesNotContain(user.email().toUpperCase())
                    .doesNotContain(unknown)
                    .doesNotContain("not the password")
                    .doesNotContain("whatever-it-is");
        }
    }

    private record Session(String access, String refresh) {}

    /** Captures what the auth service logs while open. */
    private static final class Capture implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger(AuthService.class);
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        Capture() {
            appender.start();
            logger.addAppender(appender);
        }

        List<ILoggingEvent> events() {
            synchronized (appender.list) {
                return new ArrayList<>(appender.list);
            }
        }

        List<String> lines() {
            return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
            appender.stop();
        }
    }

    private static String digest(String email) {
        return AuthService.sha256(email.trim().toLowerCase()).substring(0, 12);
    }

    /** A user token without a session, dated as asked, signed with the server's secret. */
    private static String sign(UUID subject, Instant notBefore, Instant issuedAt) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer("atelier")
                .subject(subject.toString())
                .claim("role", "authenticated")
                .expirationTime(Date.from(Instant.now().plusSeconds(600)));
        if (notBefore != null) {
            claims.notBeforeTime(Date.from(notBefore));
        }
        if (issuedAt != null) {
            claims.issueTime(Date.from(issuedAt));
        }
        return new JwtKeys(server.jwtSecret().getBytes(StandardCharsets.UTF_8)).sign(claims.build());
    }

    /** Sessions made earlier than any sign-in that follows, as the owner: cheaper than bcrypt per sign-in. */
    private static void addSessions(UUID userId, int count) throws Exception {
        try (Connection owner = server.ownerDataSource().getConnection();
                PreparedStatement st =
                        owner.prepareStatement("insert into auth.sessions (user_id, created_at, updated_at) "
                                + "select ?, clock_timestamp(), clock_timestamp() from generate_series(1, ?)")) {
            st.setObject(1, userId);
            st.setInt(2, count);
            st.executeUpdate();
        }
    }

    private static int sessionCount(UUID userId) throws Exception {
        try (Connection owner = server.ownerDataSource().getConnection();
                PreparedStatement st = owner.prepareStatement("select count(*) from auth.sessions where user_id = ?")) {
            st.setObject(1, userId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(json(response).path("status").asInt()).isEqualTo(status);
        assertThat(json(response).path("detail").asText()).isNotBlank();
    }

    private static Session signIn(String email, String password) throws Exception {
        HttpResponse<String> response = signInResponse(email, password);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response);
        return new Session(
                body.path("access_token").asText(), body.path("refresh_token").asText());
    }

    private static int signInStatus(String email, String password) throws Exception {
        return signInResponse(email, password).statusCode();
    }

    private static HttpResponse<String> signInResponse(String email, String password) throws Exception {
        String body = server.json().writeValueAsString(java.util.Map.of("email", email, "password", password));
        return send("POST", "/auth/v1/token?grant_type=password", null, body);
    }

    private static HttpResponse<String> refresh(String token) throws Exception {
        return send("POST", "/auth/v1/token?grant_type=refresh_token", null, "{\"refresh_token\":\"" + token + "\"}");
    }

    private static HttpResponse<String> get(String path, String bearer) throws Exception {
        return send("GET", path, bearer, null);
    }

    private static HttpResponse<String> send(String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("apikey", server.anonKey());
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return server.http().send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return server.json().readTree(response.body());
    }
}
