package dev.atelier.platform.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** /auth/v1 as supabase-js calls it: GoTrue's responses, status codes and error shape. */
class AuthApiTest {

    private static final TestServer server = TestServer.get();

    @Test
    void signUpReturnsASessionWhoseTokenIdentifiesTheUser() throws Exception {
        String email = unique();
        HttpResponse<String> signUp =
                post("/auth/v1/signup", "{\"email\":\"" + email + "\",\"password\":\"secret-enough\"}");
        assertThat(signUp.statusCode()).isEqualTo(200);
        JsonNode session = json(signUp);
        assertThat(session.path("token_type").asText()).isEqualTo("bearer");
        assertThat(session.path("expires_in").asLong()).isEqualTo(3600);
        assertThat(session.path("refresh_token").asText()).isNotBlank();
        assertThat(session.path("user").path("email").asText()).isEqualTo(email);

        HttpResponse<String> user =
                get("/auth/v1/user", session.path("access_token").asText());
        assertThat(user.statusCode()).isEqualTo(200);
        assertThat(json(user).path("id").asText())
                .isEqualTo(session.path("user").path("id").asText());
    }

    @Test
    void passwordsAreStoredAsSlowHashesAndRefreshTokensAsDigests() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        try (Connection owner = server.ownerDataSource().getConnection();
                Statement st = owner.createStatement()) {
            try (ResultSet rs =
                    st.executeQuery("select encrypted_password from auth.users where id = '" + user.id() + "'")) {
                rs.next();
                assertThat(rs.getString(1)).startsWith("$2a$10$").doesNotContain("correct horse");
            }
            try (ResultSet rs = st.executeQuery("select count(*) from auth.refresh_tokens where token_hash = '"
                    + user.refreshToken() + "' or token_hash = '" + AuthService.sha256(user.refreshToken()) + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).as("only the digest is stored").isEqualTo(1);
            }
        }
    }

    @Test
    void duplicateSignUpIs422UserAlreadyExists() throws Exception {
        String email = unique();
        post("/auth/v1/signup", "{\"email\":\"" + email + "\",\"password\":\"secret-enough\"}");
        HttpResponse<String> again =
                post("/auth/v1/signup", "{\"email\":\"" + email.toUpperCase() + "\",\"password\":\"secret-enough\"}");
        assertThat(again.statusCode()).isEqualTo(422);
        assertThat(json(again).path("error_code").asText()).isEqualTo("user_already_exists");
    }

    @Test
    void signUpRejectsBadEmailShortPasswordAndMalformedJson() throws Exception {
        HttpResponse<String> badEmail =
                post("/auth/v1/signup", "{\"email\":\"not-an-email\",\"password\":\"secret-enough\"}");
        assertThat(badEmail.statusCode()).isEqualTo(400);
        assertThat(json(badEmail).path("msg").asText()).contains("email");
        HttpResponse<String> weak = post("/auth/v1/signup", "{\"email\":\"" + unique() + "\",\"password\":\"123\"}");
        assertThat(weak.statusCode()).isEqualTo(422);
        assertThat(json(weak).path("error_code").asText()).isEqualTo("weak_password");
        HttpResponse<String> malformed = post("/auth/v1/signup", "{\"email\":");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).path("error_code").asText()).isEqualTo("bad_json");
    }

    @Test
    void wrongPasswordAndUnknownEmailGiveTheSameInvalidCredentialsError() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        HttpResponse<String> wrong = post(
                "/auth/v1/token?grant_type=password",
                "{\"email\":\"" + user.email() + "\",\"password\":\"not the password\"}");
        HttpResponse<String> unknown = post(
                "/auth/v1/token?grant_type=password", "{\"email\":\"" + unique() + "\",\"password\":\"whatever1\"}");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(wrong).path("error_code").asText()).isEqualTo("invalid_credentials");
        assertThat(json(unknown).path("msg").asText())
                .isEqualTo(json(wrong).path("msg").asText());
    }

    @Test
    void aRefreshTokenRotatesAndCannotBeUsedTwice() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        HttpResponse<String> first = refresh(user.refreshToken());
        assertThat(first.statusCode()).isEqualTo(200);
        String rotated = json(first).path("refresh_token").asText();
        assertThat(rotated).isNotEqualTo(user.refreshToken());

        HttpResponse<String> replay = refresh(user.refreshToken());
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(json(replay).path("error_code").asText()).isEqualTo("refresh_token_already_used");
        // Reuse revokes the whole session: the rotated token, held by a thief or not, is dead too.
        assertThat(refresh(rotated).statusCode()).isEqualTo(400);
    }

    @Test
    void logoutEndsTheSessionsRefreshTokens() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        HttpResponse<String> logout = server.http()
                .send(
                        request("/auth/v1/logout", user.accessToken())
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(logout.statusCode()).isEqualTo(204);
        assertThat(refresh(user.refreshToken()).statusCode()).isEqualTo(400);
        HttpResponse<String> afterLogout = get("/auth/v1/user", user.accessToken());
        assertThat(afterLogout.statusCode()).isEqualTo(403);
        assertThat(json(afterLogout).path("error_code").asText()).isEqualTo("session_not_found");
    }

    @Test
    void userEndpointRejectsMissingForgedAndAnonTokens() throws Exception {
        assertThat(get("/auth/v1/user", null).statusCode()).isEqualTo(401);
        String forged = server.signedUpUser().accessToken();
        forged = forged.substring(0, forged.length() - 4) + (forged.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThat(get("/auth/v1/user", forged).statusCode()).isEqualTo(403);
        assertThat(get("/auth/v1/user", server.anonKey()).statusCode()).isEqualTo(403);
    }

    @Test
    void updateUserMergesMetadataAndChangesThePassword() throws Exception {
        TestServer.TestUser user = server.signedUpUser();
        HttpResponse<String> update = server.http()
                .send(
                        request("/auth/v1/user", user.accessToken())
                                .header("Content-Type", "application/json")
                                .PUT(HttpRequest.BodyPublishers.ofString(
                                        "{\"password\":\"a-new-password\",\"data\":{\"nickname\":\"Ada\"}}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(update.statusCode()).isEqualTo(200);
        assertThat(json(update).path("user_metadata").path("nickname").asText()).isEqualTo("Ada");
        assertThat(post(
                                "/auth/v1/token?grant_type=password",
                                "{\"email\":\"" + user.email() + "\",\"password\":\"a-new-password\"}")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void unknownGrantTypeIs400() throws Exception {
        HttpResponse<String> response = post("/auth/v1/token?grant_type=magic", "{}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).has("msg")).isTrue();
    }

    private static HttpResponse<String> refresh(String token) throws Exception {
        return post("/auth/v1/token?grant_type=refresh_token", "{\"refresh_token\":\"" + token + "\"}");
    }

    private static HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("apikey", server.anonKey());
        return bearer == null ? builder : builder.header("Authorization", "Bearer " + bearer);
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return server.http()
                .send(
                        request(path, null)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String bearer) throws Exception {
        return server.http().send(request(path, bearer).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return server.json().readTree(response.body());
    }

    private static String unique() {
        return "auth-" + UUID.randomUUID() + "@example.test";
    }
}
