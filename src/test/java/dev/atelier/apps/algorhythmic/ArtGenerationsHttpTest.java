package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OpenAiStub;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
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
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final String PATH = "/api/v1/algorhythmic/generations";
    private static OpenAiStub stub;

    private record User(String id, Rest rest, String session) {}

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

    private static User user() throws Exception {
        TestServer.TestUser u = server.newUser();
        String id = u.id().toString();
        String session =
                OwnerSql.queryString("insert into algorhythmic.sessions (user_id) values ('" + id + "') returning id");
        return new User(id, Rest.as(u.accessToken()), session);
    }

    private static String start(User user) {
        Rest.Response started = user.rest()
                .with("Idempotency-Key", UUID.randomUUID().toString())
                .post(PATH, "{\"session_id\":\"" + user.session() + "\",\"prompt\":\"aurora over a quiet sea\"}");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        return started.json().path("id").asText();
    }

    private static JsonNode until(User user, String id, String status) throws Exception {
        JsonNode[] last = new JsonNode[1];
        Poll.until("generation " + id + " is " + status, WITHIN, () -> {
            last[0] = user.rest().get(PATH + "/" + id).json();
            return last[0].path("status").asText().equals(status);
        });
        return last[0];
    }

    private static int balance(String userId) throws Exception {
        return Integer.parseInt(
                OwnerSql.queryString("select balance from algorhythmic.user_credits where user_id = '" + userId + "'"));
    }

    @Test
    void theRemoteImageIsStoredAndChargedWithTheJobAsIdempotencyKey() throws Exception {
        User user = user();
        String id = start(user);
        JsonNode done = until(user, id, "completed");
        assertThat(done.path("artwork").path("image_url").asText()).endsWith(id + ".png");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(1);
        OpenAiStub.Received call = stub.received().get(0);
        assertThat(call.idempotencyKey()).isEqualTo("algorhythmic.generation:" + id);
        assertThat(call.authorization()).isEqualTo("Bearer " + OpenAiStub.API_KEY);
        assertThat(balance(user.id())).isEqualTo(99);
        assertThat(OwnerSql.queryString("select metadata::jsonb ->> 'provider' from algorhythmic.generation_jobs"
                        + " where id = '" + id + "'"))
                .isEqualTo("art-stub");
    }

    @Test
    void serverErrorsAreRetriedUntilTheImageComes() throws Exception {
        User user = user();
        stub.failNext(3, 503); // the call's own retry takes one, the job's next attempt the others
        String id = start(user);
        JsonNode done = until(user, id, "completed");
        assertThat(done.path("retry_count").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(4);
        assertThat(balance(user.id())).isEqualTo(99);
    }

    @Test
    void aRateLimitIsWaitedOutThenTheImageComes() throws Exception {
        User user = user();
        stub.rateLimitNext(1, Duration.ofMillis(300));
        String id = start(user);
        until(user, id, "completed");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(2);
        assertThat(balance(user.id())).isEqualTo(99);
    }

    @Test
    void aProviderTooSlowForTheDeadlineEndsInTimeoutUncharged() throws Exception {
        User user = user();
        stub.slow(Duration.ofSeconds(3)); // the tests' deadline is 700 ms
        String id = start(user);
        JsonNode timedOut = until(user, id, "timeout");
        assertThat(timedOut.path("retry_count").asInt()).isEqualTo(2); // three attempts
        assertThat(balance(user.id())).isEqualTo(100);
        assertThat(OwnerSql.queryString("select count(*) from platform.ledger_holds where app = 'algorhythmic'"
                        + " and user_id = '" + user.id() + "' and status = 'open'"))
                .isEqualTo("0");
    }

    @Test
    void aRefusalFailsAtOnceUncharged() throws Exception {
        User user = user();
        stub.rejectNext(1);
        String id = start(user);
        JsonNode failed = until(user, id, "failed");
        assertThat(stub.requests("/v1/images/generations")).isEqualTo(1);
        assertThat(failed.path("error_message").asText()).isNotBlank();
        assertThat(balance(user.id())).isEqualTo(100);
    }
}
