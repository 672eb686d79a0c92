package dev.atelier.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.SignedJWT;
import dev.atelier.testing.TestServer.TestUser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A minted user (no bcrypt) must be indistinguishable from a signed-up one to everything but
 * sign-up itself: the same token claims, a live session and refresh token, the stored password,
 * and every app's rows provisioned by the triggers on {@code auth.users}.
 */
class MintedUserTest {

    private static final TestServer server = TestServer.get();
    /** What differs per user, session or second. */
    private static final Set<String> PER_TOKEN = Set.of("sub", "email", "iat", "exp", "session_id", "amr");

    @Test
    void aMintedUsersTokenCarriesTheClaimsSignUpGives() throws Exception {
        Map<String, Object> minted = claims(server.newUser().accessToken());
        Map<String, Object> signedUp = claims(server.signedUpUser().accessToken());

        assertThat(minted.keySet()).isEqualTo(signedUp.keySet());
        minted.keySet().removeAll(PER_TOKEN);
        signedUp.keySet().removeAll(PER_TOKEN);
        assertThat(minted).isEqualTo(signedUp);
    }

    @Test
    void aMintedUserIsSignedInWithALiveSessionARefreshTokenAndThePassword() throws Exception {
        TestUser user = server.newUser();

        HttpResponse<String> me = send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/auth/v1/user"))
                .header("apikey", server.anonKey())
                .header("Authorization", "Bearer " + user.accessToken())
                .GET());
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(server.json().readTree(me.body()).path("id").asText())
                .isEqualTo(user.id().toString());
        assertThat(claims(user.accessToken()).get("session_id")).isEqualTo(sessionOf(user.id()));

        HttpResponse<String> refreshed =
                post("/auth/v1/token?grant_type=refresh_token", "{\"refresh_token\":\"" + user.refreshToken() + "\"}");
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);

        HttpResponse<String> signedIn = post(
                "/auth/v1/token?grant_type=password",
                "{\"email\":\"" + user.email() + "\",\"password\":\"" + TestServer.MINTED_PASSWORD + "\"}");
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        JsonNode session = server.json().readTree(signedIn.body());
        assertThat(session.path("user").path("id").asText()).isEqualTo(user.id().toString());
    }

    @Test
    void everyAppProvisionsAMintedUserAsItProvisionsASignedUpOne() throws Exception {
        UUID minted = server.newUser().id();
        UUID signedUp = server.signedUpUser().id();
        List<String> appRows = List.of(
                "select count(*) from algorhythmic.users where id = '%s'",
                "select count(*) from delula.users where id = '%s'",
                "select count(*) from moodscale.users where auth_user_id = '%s'",
                "select count(*) from rotation.users where auth_user_id = '%s'");
        try (Connection owner = OwnerSql.owner()) {
            for (String query : appRows) {
                assertThat(OwnerSql.queryString(owner, query.formatted(signedUp)))
                        .as(query)
                        .isEqualTo("1");
                assertThat(OwnerSql.queryString(owner, query.formatted(minted)))
                        .as(query)
                        .isEqualTo("1");
            }
        }
    }

    private static String sessionOf(UUID user) throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            return OwnerSql.queryString(owner, "select id::text from auth.sessions where user_id = '" + user + "'");
        }
    }

    private static Map<String, Object> claims(String token) throws Exception {
        return new TreeMap<>(SignedJWT.parse(token).getJWTClaimsSet().toJSONObject());
    }

    private static HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("apikey", server.anonKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return server.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
