package dev.atelier.apps.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Discogs credentials go in through /api/v1, are sealed at rest, and only their owner may unlink them. */
class DiscogsConnectionTest {

    private static final TestServer server = TestServer.get();

    @Test
    void oauthCredentialsAreSealedAtRestAndOpenInsideTheServer() throws Exception {
        TestServer.TestUser user = server.newUser();
        String username = "digger-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> put = connect(
                user,
                "{\"username\":\"" + username
                        + "\",\"access_token\":\"oauth-token-plain\",\"access_secret\":\"oauth-secret-plain\"}");
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).contains("\"tokenType\":\"oauth\"").doesNotContain("plain");

        try (Connection owner = server.ownerDataSource().getConnection();
                Statement st = owner.createStatement();
                ResultSet rs = st.executeQuery(
                        "select access_token_encrypted, access_secret_encrypted from rotation.discogs_tokens "
                                + "where username = '" + username + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).doesNotContain("oauth-token-plain");
            assertThat(new String(rs.getBytes(2), StandardCharsets.ISO_8859_1)).doesNotContain("oauth-secret-plain");
        }
        DiscogsConnection.Credentials credentials = server.component(DiscogsConnection.class)
                .credentialsOf(user.id())
                .orElseThrow();
        assertThat(credentials.accessToken()).isEqualTo("oauth-token-plain");
        assertThat(credentials.accessSecret()).isEqualTo("oauth-secret-plain");
    }

    @Test
    void aPersonalTokenNeedsNoSecretAndReplacesTheOldLink() throws Exception {
        TestServer.TestUser user = server.newUser();
        connect(user, "{\"username\":\"first-" + user.id() + "\",\"access_token\":\"t1\",\"access_secret\":\"s1\"}");
        HttpResponse<String> second =
                connect(user, "{\"username\":\"second-" + user.id() + "\",\"access_token\":\"t2\"}");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).contains("\"tokenType\":\"personal\"");
        DiscogsConnection.Credentials credentials = server.component(DiscogsConnection.class)
                .credentialsOf(user.id())
                .orElseThrow();
        assertThat(credentials.username()).isEqualTo("second-" + user.id());
        assertThat(credentials.accessSecret()).isNull();
    }

    @Test
    void aDiscogsAccountLinkedToSomeoneElseIsAConflict() throws Exception {
        String username = "shared-" + UUID.randomUUID();
        assertThat(connect(server.newUser(), "{\"username\":\"" + username + "\",\"access_token\":\"a\"}")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> other =
                connect(server.newUser(), "{\"username\":\"" + username + "\",\"access_token\":\"b\"}");
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(other.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void missingFieldsAreNamedAndAnonIsRefused() throws Exception {
        TestServer.TestUser user = server.newUser();
        HttpResponse<String> missing = connect(user, "{\"username\":\"x\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(server.json().readTree(missing.body()).path("field").asText())
                .isEqualTo("access_token");
        HttpResponse<String> anon = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/rotation/discogs-connection"))
                                .header("apikey", server.anonKey())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(anon.statusCode()).isEqualTo(401);
    }

    @Test
    void theOwnerUnlinksThroughTheDataApi() throws Exception {
        TestServer.TestUser user = server.newUser();
        connect(user, "{\"username\":\"unlink-" + user.id() + "\",\"access_token\":\"a\"}");
        HttpResponse<String> delete = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        server.baseUrl() + "/rest/v1/discogs_tokens?username=eq.unlink-" + user.id()))
                                .header("apikey", server.anonKey())
                                .header("Authorization", "Bearer " + user.accessToken())
                                .header("Content-Profile", "rotation")
                                .header("Prefer", "return=minimal")
                                .DELETE()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(204);
        assertThat(server.component(DiscogsConnection.class).credentialsOf(user.id()))
                .isEmpty();
    }

    @Test
    void deleteForgetsOnlyTheCallersLinkAndMayBeRepeated() throws Exception {
        TestServer.TestUser user = server.newUser();
        TestServer.TestUser other = server.newUser();
        connect(user, "{\"username\":\"del-" + user.id() + "\",\"access_token\":\"a\"}");
        connect(other, "{\"username\":\"keep-" + other.id() + "\",\"access_token\":\"b\"}");
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> delete = send("DELETE", user.accessToken(), null);
            assertThat(delete.statusCode()).isEqualTo(204);
            assertThat(delete.body()).isEmpty();
        }
        assertThat(server.component(DiscogsConnection.class).credentialsOf(user.id()))
                .isEmpty();
        assertThat(send("GET", user.accessToken(), null).body()).contains("\"connected\":false");
        assertThat(server.component(DiscogsConnection.class)
                        .credentialsOf(other.id())
                        .orElseThrow()
                        .accessToken())
                .isEqualTo("b");
        HttpResponse<String> anon = send("DELETE", null, null);
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void oversizedOrMalformedFieldsAreProblemsNamingTheFieldNeverA500() throws Exception {
        TestServer.TestUser user = server.newUser();
        String[][] cases = {
            {"{\"username\":\"" + "u".repeat(10_000) + "\",\"access_token\":\"a\"}", "username"},
            {"{\"username\":\"has space\",\"access_token\":\"a\"}", "username"},
            {"{\"username\":\"a/b\",\"access_token\":\"a\"}", "username"},
            {"{\"username\":{\"x\":1},\"access_token\":\"a\"}", "username"},
            {"{\"username\":\"ok\",\"access_token\":\"" + "t".repeat(257) + "\"}", "access_token"},
            {"{\"username\":\"ok\",\"access_token\":\"line\\nbreak\"}", "access_token"},
            {"{\"username\":\"ok\",\"access_token\":7}", "access_token"},
            {
                "{\"username\":\"ok\",\"access_token\":\"a\",\"access_secret\":\"" + "s".repeat(300) + "\"}",
                "access_secret"
            },
            {"[]", "body"},
        };
        for (String[] c : cases) {
            HttpResponse<String> response = connect(user, c[0]);
            assertThat(response.statusCode()).as(c[1]).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(server.json().readTree(response.body()).path("field").asText())
                    .isEqualTo(c[1]);
            assertThat(response.body()).hasSizeLessThan(1_000);
        }
        assertThat(send("GET", user.accessToken(), null).body()).contains("\"connected\":false");
        // Real-looking values still go through: a 40-character token and a dotted username.
        HttpResponse<String> real = connect(
                user,
                "{\"username\":\"vinyl.digger_" + user.id().toString().substring(0, 8) + "\",\"access_token\":\""
                        + "aZ09".repeat(10) + "\",\"access_secret\":\"" + "Zz19".repeat(10) + "\"}");
        assertThat(real.statusCode()).as(real.body()).isEqualTo(200);
    }

    private static HttpResponse<String> send(String method, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create(server.baseUrl() + "/api/v1/rotation/discogs-connection"))
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

    private static HttpResponse<String> connect(TestServer.TestUser user, String body) throws Exception {
        return server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/rotation/discogs-connection"))
                                .header("apikey", server.anonKey())
                                .header("Authorization", "Bearer " + user.accessToken())
                                .header("Content-Type", "application/json")
                                .PUT(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
