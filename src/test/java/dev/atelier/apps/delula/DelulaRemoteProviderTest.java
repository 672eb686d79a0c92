package dev.atelier.apps.delula;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OpenAiStub;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generation flow with a remote, OpenAI-compatible provider configured in Delula's own tables
 * (providers, services, a key sealed in provider_credentials), against the stub server.
 */
class DelulaRemoteProviderTest {

    private static final TestServer server = TestServer.get();
    private static OpenAiStub stub;
    private static String providerId;

    @BeforeAll
    static void provider() throws Exception {
        stub = OpenAiStub.start();
        String name = "stub-" + UUID.randomUUID().toString().substring(0, 8);
        providerId = OwnerSql.queryString(
                "insert into delula.providers (name, display_name, base_url, config, is_active) " + "values ('" + name
                        + "', 'Stub', '" + stub.baseUrl() + "', '{\"max_retries\": 2}', true) returning id");
        Api.Reply stored = Api.service()
                .put(
                        "/api/v1/delula/providers/" + providerId + "/credentials",
                        "{\"api_key\": \"" + OpenAiStub.API_KEY + "\"}");
        assertThat(stored.status()).as(stored.body()).isEqualTo(204);
    }

    @AfterEach
    void reset() {
        stub.reset();
    }

    @AfterAll
    static void close() throws Exception {
        stub.close();
        assertThat(server.component(Ledger.class).reconcile()).isEmpty();
    }

    /** A recipe whose service (timeout in seconds) is the stub's. */
    private static DelulaGenerationsTest.Recipe recipe(int timeoutSeconds) throws Exception {
        String service =
                OwnerSql.queryString("insert into delula.services (provider_id, name, display_name, service_type, "
                        + "endpoint, model, timeout_seconds, is_active) values (" + providerId + ", 'img-"
                        + UUID.randomUUID().toString().substring(0, 8)
                        + "', 'Images', 'image', '/v1/images/generations', "
                        + "'gpt-image-1', " + timeoutSeconds + ", true) returning id");
        return DelulaGenerationsTest.recipe(
                "image",
                2,
                "[{\"id\": \"subject\", \"type\": \"text\", \"required\": true}, {\"type\": \"service\", \"service_id\": "
                        + service + "}]");
    }

    private static JsonNode run(String token, DelulaGenerationsTest.Recipe recipe) throws Exception {
        String shortId = DelulaGenerationsTest.start(token, recipe, "{\"subject\": \"a lighthouse\"}", null)
                .json()
                .path("short_id")
                .asText();
        return DelulaGenerationsTest.finished(token, shortId);
    }

    @Test
    void theStubMakesTheImageWithTheSealedKeyAndTheJobAsIdempotencyKey() throws Exception {
        TestServer.TestUser user = server.newUser();
        JsonNode done = run(user.accessToken(), recipe(5));
        assertThat(done.path("status").asText()).isEqualTo("completed");
        int id = DelulaGenerationsTest.generationId(done.path("short_id").asText());
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(1);
        OpenAiStub.Received request = stub.received().get(0);
        assertThat(request.authorization()).isEqualTo("Bearer " + OpenAiStub.API_KEY);
        assertThat(request.idempotencyKey()).isEqualTo("delula.generation:" + id);
        assertThat(done.toString()).doesNotContain(OpenAiStub.API_KEY);
        assertThat(OwnerSql.queryString(
                        "select metadata -> 'result' ->> 'provider' from delula.generations where id = " + id))
                .isEqualTo(OwnerSql.queryString(
                        "select 'delula-s' || service_id from delula.generations where id = " + id));
        assertThat(DelulaGenerationsTest.balance(user.id().toString())).isEqualTo(8);
    }

    @Test
    void onlyTheServiceRoleOrAnAdminSetsAKeyAndNothingAnswersItBack() throws Exception {
        String path = "/api/v1/delula/providers/" + providerId + "/credentials";
        assertThat(Api.as(server.newUser().accessToken())
                        .put(path, "{\"api_key\": \"sk-mine\"}")
                        .status())
                .isEqualTo(403);
        assertThat(Api.anon().put(path, "{\"api_key\": \"sk-mine\"}").status()).isEqualTo(403);
        Api.Reply empty = Api.service().put(path, "{\"api_key\": \"\"}");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().path("field").asText()).isEqualTo("api_key");
        assertThat(Api.service()
                        .put("/api/v1/delula/providers/999999/credentials", "{\"api_key\": \"k\"}")
                        .status())
                .isEqualTo(404);
        // Sealed at rest: the stored bytes are not the key.
        assertThat(OwnerSql.queryString(
                        "select position(convert_to('" + OpenAiStub.API_KEY + "', 'UTF8') in api_key_encrypted) "
                                + "from delula.provider_credentials where provider_id = " + providerId))
                .isEqualTo("0");
        // The service role cannot read it back through the data API in clear either.
        assertThat(Api.service().get("/rest/v1/provider_credentials?select=*").body())
                .doesNotContain(OpenAiStub.API_KEY);
    }

    @Test
    void aProviderFailingWith5xxEndsFailedAndRefunded() throws Exception {
        stub.failNext(100, 503);
        TestServer.TestUser user = server.newUser();
        JsonNode done = run(user.accessToken(), recipe(5));
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(done.path("error").asText()).doesNotContain(OpenAiStub.API_KEY);
        // Three attempts of the job, each the provider's first try and its two retries.
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(9);
        assertThat(DelulaGenerationsTest.balance(user.id().toString())).isEqualTo(10);
        assertThat(DelulaGenerationsTest.holds(user.id().toString())).isEqualTo("captured:2");
    }

    @Test
    void aRateLimitWithRetryAfterThenSuccess() throws Exception {
        stub.rateLimitNext(1, Duration.ofMillis(300));
        TestServer.TestUser user = server.newUser();
        JsonNode done = run(user.accessToken(), recipe(5));
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(2);
        assertThat(DelulaGenerationsTest.ledgerRows(user.id().toString()))
                .isEqualTo("signup_bonus:10:- generation:-2:"
                        + DelulaGenerationsTest.generationId(
                                done.path("short_id").asText()));
    }

    @Test
    void aSlowProviderTimesOutAndIsRefunded() throws Exception {
        stub.slow(Duration.ofMillis(2500));
        TestServer.TestUser user = server.newUser();
        JsonNode done = run(user.accessToken(), recipe(1));
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(DelulaGenerationsTest.balance(user.id().toString())).isEqualTo(10);
        assertThat(DelulaGenerationsTest.holds(user.id().toString())).isEqualTo("captured:2");
    }
}
