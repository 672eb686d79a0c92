package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST and GET on /rest/v1/rpc/{function}: argument binding, result shapes, privileges and errors. */
class RpcTest {

    private static TestUser user;
    private static Rest rest;

    @BeforeAll
    static void seed() {
        user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken());
        Rest.Response created = rest.with("Prefer", "return=representation")
                .post(
                        "/characters",
                        Rest.json(List.of(
                                Fixtures.character(user.id(), "Rpc Ayla", "brave", "kind"),
                                Fixtures.character(user.id(), "Rpc Bram", "brave", "wise"),
                                Fixtures.character(user.id(), "Other", "clever", "kind"))));
        assertThat(created.status()).isEqualTo(201);
        String ayla = created.json().findValuesAsText("id").get(0);
        assertThat(rest.post("/tales", Rest.json(Fixtures.tale(user.id(), ayla, "Dragon", "fire")))
                        .status())
                .isEqualTo(201);
    }

    private static void assertError(Rest.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().get("code").asText()).as(r.toString()).isEqualTo(code);
    }

    @Test
    void purgeExpiredVaultReturnsTheNumberItDeletedForTheServiceRole() throws Exception {
        String prefix = "rpc-" + UUID.randomUUID();
        try (Connection c = TestServer.get().ownerDataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("insert into rest_fixture.vault_entries (key, value, expires_at) values "
                    + "('" + prefix + "-1', '{}', now() - interval '1 hour'), ('" + prefix
                    + "-2', '{}', now() - interval '1 hour'),"
                    + "('" + prefix + "-live', '{}', now() + interval '1 hour')");
        }
        Rest.Response r = Fixtures.service().post("/rpc/purge_expired_vault", "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().isInt()).as(r.body()).isTrue();
        assertThat(r.json().asInt()).isGreaterThanOrEqualTo(2);
        assertThat(Fixtures.service()
                        .get("/vault_entries?select=key&key=like." + prefix + "*")
                        .json()
                        .findValuesAsText("key"))
                .containsExactly(prefix + "-live");
    }

    @Test
    void aServiceOnlyFunctionIsRefusedToAnonAndToUsers() {
        Rest.Response anon = Fixtures.anon().post("/rpc/purge_expired_vault", "");
        assertError(anon, 401, "42501");
        assertThat(anon.header("WWW-Authenticate")).isEqualTo("Bearer");
        Rest.Response authenticated = rest.post("/rpc/purge_expired_vault", "{}");
        assertError(authenticated, 403, "42501");
        assertThat(authenticated.json().get("message").asText())
                .contains("permission denied for function purge_expired_vault");
    }

    @Test
    void anUnknownFunctionIs404WithPostgrestsMessage() {
        Rest.Response r = rest.post("/rpc/no_such_function", "{\"a\":1}");
        assertError(r, 404, "PGRST202");
        assertThat(r.json().get("message").asText())
                .isEqualTo("Could not find the function rest_fixture.no_such_function(a) in the schema cache");
        assertThat(r.json().get("details").asText())
                .isEqualTo(
                        "Searched for the function rest_fixture.no_such_function with "
                                + "parameter a or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.");
    }

    @Test
    void unknownArgumentsAre404WithAHintAtTheRightOnes() {
        Rest.Response r = rest.post("/rpc/plus", "{\"a\":1,\"c\":2}");
        assertError(r, 404, "PGRST202");
        assertThat(r.json().get("message").asText()).contains("plus(a, c)");
        assertThat(r.json().get("hint").asText())
                .isEqualTo("Perhaps you meant to call the function rest_fixture.plus(a, b)");
        assertError(rest.get("/rpc/plus"), 404, "PGRST202");
    }

    @Test
    void scalarResultsAreBareJsonValuesWithDefaultsFilledIn() {
        assertThat(rest.post("/rpc/plus", "{\"a\":2,\"b\":3}").body()).isEqualTo("5");
        assertThat(rest.post("/rpc/plus", "{\"a\":2}").body()).isEqualTo("3");
        Rest.Response viaGet = rest.get("/rpc/plus?a=40&b=2");
        assertThat(viaGet.status()).isEqualTo(200);
        assertThat(viaGet.body()).isEqualTo("42");
    }

    @Test
    void aBadArgumentValueIs400() {
        assertError(rest.post("/rpc/plus", "{\"a\":\"two\"}"), 400, "22P02");
        assertError(rest.get("/rpc/plus?a=two"), 400, "22P02");
    }

    @Test
    void setReturningFunctionsTakeSelectFiltersOrderLimitAndEmbedding() {
        Rest.Response r = rest.post(
                "/rpc/characters_named?select=name,tales(title)&order=name.desc&name=neq.Nobody",
                "{\"prefix\":\"Rpc\"}");
        assertThat(r.status()).isEqualTo(200);
        JsonNode rows = r.json();
        assertThat(rows.findValuesAsText("name")).containsExactly("Rpc Bram", "Rpc Ayla");
        assertThat(rows.get(1).get("tales").findValuesAsText("title")).containsExactly("Dragon");
        Rest.Response counted =
                rest.with("Prefer", "count=exact").get("/rpc/characters_named?prefix=Rpc&select=name&limit=1");
        assertThat(counted.json()).hasSize(1);
        assertThat(counted.status()).isEqualTo(206);
        assertThat(counted.header("Content-Range")).isEqualTo("0-0/2");
    }

    @Test
    void tableAndSetofScalarResultsAreArrays() {
        JsonNode pairs = rest.get("/rpc/pairs?n=3&x=gte.2&order=x.desc").json();
        assertThat(pairs.findValuesAsText("y")).containsExactly("v3", "v2");
        assertThat(rest.post("/rpc/numbers?limit=2&offset=1", "{\"n\":5}")
                        .body()
                        .replace(" ", ""))
                .isEqualTo("[2,3]");
    }

    @Test
    void aVoidFunctionAnswers204() {
        Rest.Response r = rest.post("/rpc/nothing", "");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void singleObjectParamsPassTheWholeBody() {
        Rest.Response r = rest.with("Prefer", "params=single-object").post("/rpc/echo", "{\"x\":[1,2],\"y\":\"z\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("x").get(1).asInt()).isEqualTo(2);
        assertThat(r.json().get("y").asText()).isEqualTo("z");
    }

    @Test
    void getRunsReadOnlySoAWritingFunctionIs405() {
        assertThat(rest.post("/rpc/touch", "{}").body()).isEqualTo("1");
        Rest.Response r = rest.get("/rpc/touch");
        assertError(r, 405, "25006");
    }

    @Test
    void ptErrorCodesChooseTheStatus() {
        Rest.Response r = rest.post("/rpc/payment_required", "{}");
        assertError(r, 402, "PT402");
        assertThat(r.json().get("message").asText()).isEqualTo("pay first");
        assertThat(r.json().get("hint").asText()).isEqualTo("top up");
    }

    @Test
    void onlyGetHeadAndPostReachFunctions() {
        Rest.Response r = rest.patch("/rpc/plus", "{}");
        assertError(r, 405, "PGRST101");
        assertThat(r.json().get("message").asText()).isEqualTo("Cannot use the PATCH method on RPC");
    }
}
