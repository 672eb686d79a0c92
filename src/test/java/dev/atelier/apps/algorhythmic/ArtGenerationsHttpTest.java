package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OpenAiStub;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Algorhythmic's art generation with its {@code art} target routed to an OpenAI-compatible
 * provider (a local stub of the API): success, server errors, a rate limit with Retry-After, and
 * a provider too slow for the generation's deadline.
 */
class ArtGenerationsHttpTest {

    private static final TestServer server = TestServer.get();
    private static OpenAiStub stub;

    @BeforeAll
    static void routeArtToTheStub() {
        stub = OpenAiStub.start();
        AiProviders providers = server.component(AiProviders.class);
        providers.define(stub.settings("art-stub").withMaxRetries(1));
        providers.route("algorhythmic", "art", "art-stub");
    }

    @AfterAll
    static void routeBack() throws Exception {
        server.component(AiProviders.class).clearRoute("algorhythmic", "art");
        stub.close();
        assertThat(server.component(Ledger.class).reconcile()).isEmpty();
    }

    @BeforeEach
    void resetStub() {
        stub.reset();
    }

    private static String start(ArtUser user) {
        Rest.Response started = user.start(
                UUID.randomUUID().toString(),
                "{\"session_id\":\"" + user.session() + "\",\"prompt\":\"aurora over a quiet sea\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        return started.json().path("id").asText();
    }

    @Test
    void theRemoteImageIsStoredAndChargedWithTheJobAsIdempotencyKey() throws Exception {
        ArtUser user = ArtUser.create();
        String id = start(user);
        JsonNode done = user.until(id, "completed");
        assertThat(done.path("artwork").path("image_url").asText()).endsWith(id + ".png");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(1);
        OpenAiStub.Received call = stub.received().get(0);
        assertThat(call.idempotencyKey()).isEqualTo("algorhythmic.generation:" + id);
        assertThat(call.authorization()).isEqualTo("Bearer " + OpenAiStub.API_KEY);
        assertThat(user.balance()).isEqualTo(99);
        assertThat(OwnerSql.queryString("select metadata::jsonb ->> 'provider' from algorhythmic.generation_jobs"
                        + " where id = '" + id + "'"))
                .isEqualTo("art-stub");
    }

    @Test
    void serverErrorsAreRetriedUntilTheImageComes() throws Exception {
        ArtUser user = ArtUser.create();
        stub.failNext(3, 503); // the call's own retry takes one, the job's next attempt the others
        String id = start(user);
        JsonNode done = user.until(id, "completed");
        assertThat(done.path("retry_count").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(4);
        assertThat(user.balance()).isEqualTo(99);
    }

    @Test
    void aRateLimitIsWaitedOutThenTheImageComes() throws Exception {
        ArtUser user = ArtUser.create();
        stub.rateLimitNext(1, Duration.ofMillis(300));
        String id = start(user);
        user.until(id, "completed");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(2);
        assertThat(user.balance()).isEqualTo(99);
    }

    @Test
    void aProviderTooSlowForTheDeadlineEndsInTimeoutUncharged() throws Exception {
        ArtUser user = ArtUser.create();
        stub.slow(Duration.ofSeconds(3)); // the tests' deadline is 700 ms
        String id = start(user);
        JsonNode timedOut = user.until(id, "timeout");
        assertThat(timedOut.path("retry_count").asInt()).isEqualTo(2); // three attempts
        assertThat(user.balance()).isEqualTo(100);
        assertThat(OwnerSql.queryString("select count(*) from platform.ledger_holds where app = 'algorhythmic'"
                        + " and user_id = '" + user.id() + "' and status = 'open'"))
                .isEqualTo("0");
    }

    @Test
    void aRefusalFailsAtOnceUncharged() throws Exception {
        ArtUser user = ArtUser.create();
        stub.rejectNext(1);
        String id = start(user);
        JsonNode failed = user.until(id, "failed");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(1);
        assertThat(failed.path("error_message").asText()).isNotBlank();
        assertThat(user.balance()).isEqualTo(100);
    }
}
