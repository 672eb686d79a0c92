package dev.atelier.apps.moodscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Spotify tokens go in through /api/v1, are sealed at rest, and open only for their own user row. */
class SpotifyConnectionTest {

    private static final TestServer server = TestServer.get();
    private static final String PATH = "/api/v1/moodscale/spotify-connection";

    @Test
    void tokensAreStoredSealedAndOpenOnlyInsideTheServer() throws Exception {
        TestServer.TestUser user = server.newUser();
        HttpResponse<String> put = send(
                "PUT",
                user.accessToken(),
                "{\"spotify_id\":\"sp-1\",\"access_token\":\"BQD-plain-access\",\"refresh_token\":\"AQC-plain-refresh\",\"expires_in\":3600}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).contains("\"connected\":true").doesNotContain("plain");

        try (Connection owner = server.ownerDataSource().getConnection();
                Statement st = owner.createStatement();
                ResultSet rs = st.executeQuery(
                        "select spotify_access_token_encrypted, spotify_refresh_token_encrypted, encryption_key_id "
                                + "from moodscale.users where auth_user_id = '" + user.id() + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).doesNotContain("BQD-plain-access");
            assertThat(new String(rs.getBytes(2), StandardCharsets.ISO_8859_1)).doesNotContain("AQC-plain-refresh");
            assertThat(rs.getString(3)).isEqualTo("k1");
        }

        SpotifyConnection.Tokens tokens =
                server.component(SpotifyConnection.class).tokensOf(user.id()).orElseThrow();
        assertThat(tokens.accessToken()).isEqualTo("BQD-plain-access");
        assertThat(tokens.refreshToken()).isEqualTo("AQC-plain-refresh");

        HttpResponse<String> status = send("GET", user.accessToken(), null);
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.body()).contains("\"spotifyId\":\"sp-1\"").doesNotContain("plain");
    }

    @Test
    void theUserCannotReadTheSealedColumnsThroughTheDataApi() throws Exception {
        TestServer.TestUser user = server.newUser();
        send("PUT", user.accessToken(), "{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":60}");
        HttpResponse<String> read = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        server.baseUrl() + "/rest/v1/users?select=spotify_access_token_encrypted"))
                                .header("apikey", server.anonKey())
                                .header("Authorization", "Bearer " + user.accessToken())
                                .header("Accept-Profile", "moodscale")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).isEqualTo(403);
        assertThat(read.body()).contains("42501");
    }

    @Test
    void aCiphertextCopiedToAnotherUsersRowDoesNotOpen() throws Exception {
        TestServer.TestUser victim = server.newUser();
        TestServer.TestUser thief = server.newUser();
        send(
                "PUT",
                victim.accessToken(),
                "{\"access_token\":\"victim-access\",\"refresh_token\":\"victim-refresh\",\"expires_in\":60}");
        try (Connection owner = server.ownerDataSource().getConnection();
                Statement st = owner.createStatement()) {
            st.executeUpdate(
                    "update moodscale.users t set spotify_access_token_encrypted = v.spotify_access_token_encrypted, "
                            + "spotify_refresh_token_encrypted = v.spotify_refresh_token_encrypted, encryption_key_id = v.encryption_key_id "
                            + "from moodscale.users v where v.auth_user_id = '" + victim.id()
                            + "' and t.auth_user_id = '" + thief.id() + "'");
        }
        assertThatThrownBy(() -> server.component(SpotifyConnection.class).tokensOf(thief.id()))
                .hasMessageContaining("does not belong");
    }

    @Test
    void badInputAndMissingSignInAreProblemsNamingWhatIsWrong() throws Exception {
        TestServer.TestUser user = server.newUser();
        HttpResponse<String> missing = send("PUT", user.accessToken(), "{\"access_token\":\"a\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = server.json().readTree(missing.body());
        assertThat(problem.path("field").asText()).isEqualTo("refresh_token");

        HttpResponse<String> malformed = send("PUT", user.accessToken(), "{\"access_token\":");
        assertThat(malformed.statusCode()).isEqualTo(400);

        HttpResponse<String> anon = send("GET", null, null);
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<String> forged = send("GET", user.accessToken() + "x", null);
        assertThat(forged.statusCode()).isEqualTo(401);
    }

    @Test
    void oversizedOrMalformedFieldsAreProblemsNamingTheFieldAndNothingIsStored() throws Exception {
        TestServer.TestUser user = server.newUser();
        String tokens = "\"access_token\":\"a\",\"refresh_token\":\"r\"";
        String[][] cases = {
            {"{\"spotify_id\":\"" + "s".repeat(20_000) + "\"," + tokens + "}", "spotify_id"},
            {"{\"spotify_id\":\"spotify:user:x\"," + tokens + "}", "spotify_id"},
            {"{\"spotify_id\":[1]," + tokens + "}", "spotify_id"},
            {"{\"access_token\":\"" + "a".repeat(2049) + "\",\"refresh_token\":\"r\"}", "access_token"},
            {"{\"access_token\":\"a b\",\"refresh_token\":\"r\"}", "access_token"},
            {"{\"access_token\":\"a\",\"refresh_token\":\"r\\r\\nX-Injected: 1\"}", "refresh_token"},
            {"{" + tokens + ",\"expires_in\":\"soon\"}", "expires_in"},
            {"{" + tokens + ",\"expires_in\":1.5}", "expires_in"},
            {"{" + tokens + ",\"expires_in\":1e30}", "expires_in"},
            {"{" + tokens + ",\"expires_in\":0}", "expires_in"},
            {"\"just a string\"", "body"},
        };
        for (String[] c : cases) {
            HttpResponse<String> response = send("PUT", user.accessToken(), c[0]);
            assertThat(response.statusCode()).as(c[1]).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(server.json().readTree(response.body()).path("field").asText())
                    .isEqualTo(c[1]);
            assertThat(response.body()).hasSizeLessThan(1_000);
        }
        assertThat(send("GET", user.accessToken(), null).body())
                .contains("\"connected\":false")
                .doesNotContain("sssss");
        // Real shapes pass: a 22-character base-62 id, a legacy dotted username, a long access token.
        for (String id : new String[] {"4aawyAB9vmqN3uQ7FjRGTy", "wizzler.music_1"}) {
            HttpResponse<String> ok = send(
                    "PUT",
                    user.accessToken(),
                    "{\"spotify_id\":\"" + id + "\",\"access_token\":\"BQD" + "x-_Y".repeat(60)
                            + "\",\"refresh_token\":\"AQC" + "r".repeat(128) + "\",\"expires_in\":3600}");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.body()).contains(id);
        }
    }

    @Test
    void disconnectForgetsTheTokens() throws Exception {
        TestServer.TestUser user = server.newUser();
        send("PUT", user.accessToken(), "{\"access_token\":\"a\",\"refresh_token\":\"r\",\"expires_in\":60}");
        assertThat(send("DELETE", user.accessToken(), null).statusCode()).isEqualTo(204);
        assertThat(server.component(SpotifyConnection.class).tokensOf(user.id()))
                .isEmpty();
        assertThat(send("GET", user.accessToken(), null).body()).contains("\"connected\":false");
    }

    private static HttpResponse<String> send(String method, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + PATH))
                .header("apikey", server.anonKey())
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
