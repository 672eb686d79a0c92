package dev.atelier.apps.delula;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Guests: GoTrue's anonymous sign-in gives a Delula Guest with the opening credits, who can
 * generate, and who becomes Registered, with everything kept, by giving an e-mail and password.
 */
class DelulaGuestsTest {

    private static final TestServer server = TestServer.get();

    @AfterAll
    static void ledgerAddsUp() throws Exception {
        assertThat(server.component(Ledger.class).reconcile()).isEmpty();
    }

    static JsonNode signInAnonymously() {
        Api.Reply reply = Api.anon().post("/auth/v1/signup", "{}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    static JsonNode claims(String jwt) throws Exception {
        String payload = jwt.split("\\.")[1];
        return new ObjectMapper().readTree(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
    }

    @Test
    void aGuestGeneratesThenConvertsAndKeepsEverything() throws Exception {
        assertThat(Api.anon()
                        .get("/auth/v1/settings")
                        .json()
                        .path("external")
                        .path("anonymous_users")
                        .asBoolean())
                .isTrue();
        JsonNode session = signInAnonymously();
        String token = session.path("access_token").asText();
        String id = session.path("user").path("id").asText();
        assertThat(session.path("user").path("is_anonymous").asBoolean()).isTrue();
        assertThat(session.path("user").path("role").asText()).isEqualTo("authenticated");
        JsonNode claims = claims(token);
        assertThat(claims.path("is_anonymous").asBoolean()).isTrue();
        assertThat(claims.path("role").asText()).isEqualTo("authenticated");
        assertThat(claims.path("amr").get(0).path("method").asText()).isEqualTo("anonymous");
        assertThat(OwnerSql.queryString("select account_type || ':' || credits || ':' || coalesce(email, '-') "
                        + "from delula.users where id = '" + id + "'"))
                .isEqualTo("2:10:-");

        DelulaGenerationsTest.Recipe recipe = DelulaGenerationsTest.recipe("image", 3);
        String shortId = DelulaGenerationsTest.start(token, recipe, "{\"subject\": \"guest\"}", "g1")
                .json()
                .path("short_id")
                .asText();
        assertThat(DelulaGenerationsTest.finished(token, shortId).path("status").asText())
                .isEqualTo("completed");
        assertThat(Api.as(token)
                        .get("/api/v1/delula/credits")
                        .json()
                        .path("balance")
                        .asInt())
                .isEqualTo(7);

        // A password alone is refused (GoTrue: an anonymous user needs an e-mail first).
        assertThat(Api.as(token)
                        .put("/auth/v1/user", "{\"password\": \"guest password\"}")
                        .status())
                .isEqualTo(422);
        // Metadata cannot make anybody anonymous or not: is_anonymous is the server's.
        Api.as(token).put("/auth/v1/user", "{\"data\": {\"is_anonymous\": false}}");
        assertThat(OwnerSql.queryString("select is_anonymous from auth.users where id = '" + id + "'"))
                .isEqualTo("t");

        String email = "guest-" + UUID.randomUUID() + "@example.test";
        Api.Reply converted =
                Api.as(token).put("/auth/v1/user", "{\"email\": \"" + email + "\", \"password\": \"guest password\"}");
        assertThat(converted.status()).as(converted.body()).isEqualTo(200);
        assertThat(converted.json().path("is_anonymous").asBoolean()).isFalse();
        assertThat(converted.json().path("email").asText()).isEqualTo(email);
        assertThat(OwnerSql.queryString("select account_type || ':' || credits || ':' || email "
                        + "from delula.users where id = '" + id + "'"))
                .isEqualTo("3:7:" + email);

        // Signed in with the new password: the same user, no longer anonymous, with its generation and asset.
        Api.Reply signedIn = Api.anon()
                .post(
                        "/auth/v1/token?grant_type=password",
                        "{\"email\": \"" + email + "\", \"password\": \"guest password\"}");
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        String permanent = signedIn.json().path("access_token").asText();
        assertThat(claims(permanent).path("sub").asText()).isEqualTo(id);
        assertThat(claims(permanent).path("is_anonymous").asBoolean()).isFalse();
        JsonNode kept =
                Api.as(permanent).get("/api/v1/delula/generations/" + shortId).json();
        assertThat(kept.path("status").asText()).isEqualTo("completed");
        assertThat(Api.as(permanent)
                        .get("/api/v1/delula/credits")
                        .json()
                        .path("balance")
                        .asInt())
                .isEqualTo(7);
        assertThat(OwnerSql.queryString(
                        "select count(*) from delula.user_assets where user_id = '" + id + "' and not is_deleted"))
                .isEqualTo("2");
        assertThat(OwnerSql.queryString("select string_agg(type, ' ' order by id) from delula.credit_transactions "
                        + "where user_id = '" + id + "'"))
                .isEqualTo("signup_bonus generation");

        // Converting once more is not a thing: the e-mail of a permanent user does not change here,
        // and no credits came with the conversion.
        assertThat(Api.as(permanent)
                        .put("/auth/v1/user", "{\"email\": \"other-" + UUID.randomUUID() + "@example.test\"}")
                        .status())
                .isEqualTo(422);
        assertThat(DelulaGenerationsTest.balance(id)).isEqualTo(7);
    }

    @Test
    void aGuestCannotTakeAnEmailThatIsRegistered() throws Exception {
        TestServer.TestUser registered = server.newUser();
        String token = signInAnonymously().path("access_token").asText();
        Api.Reply taken = Api.as(token)
                .put("/auth/v1/user", "{\"email\": \"" + registered.email() + "\", \"password\": \"guest password\"}");
        assertThat(taken.status()).isEqualTo(422);
        assertThat(taken.json().path("error_code").asText()).isEqualTo("email_exists");
        assertThat(Api.as(token)
                        .get("/auth/v1/user")
                        .json()
                        .path("is_anonymous")
                        .asBoolean())
                .isTrue();
    }
}
