package dev.atelier.apps.delula;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Delula's generation flow end to end over HTTP with the local provider: the hold, the job, the
 * stored result, the capture or the release, exactly once, and who may read what.
 */
class DelulaGenerationsTest {

    private static final TestServer server = TestServer.get();
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final String BASE = "/api/v1/delula/generations";

    private final AiProviders ai = server.component(AiProviders.class);

    /** A new active recipe; its slug is unique so faults set for it touch no other test. */
    static Recipe recipe(String type, int cost, String steps) throws Exception {
        String slug = "r-" + UUID.randomUUID().toString().substring(0, 12);
        String id = OwnerSql.queryString("insert into delula.recipes (name, slug, prompt, recipe_steps, workflow_type, "
                + "generation_type, category, credit_cost, is_active) values ('Recipe " + slug + "', '" + slug
                + "', 'a {{subject}} in {{style}}', '" + steps + "'::jsonb, '" + type + "', '" + type
                + "', 'test', " + cost + ", true) returning id");
        return new Recipe(Integer.parseInt(id), slug);
    }

    static Recipe recipe(String type, int cost) throws Exception {
        return recipe(
                type,
                cost,
                "[{\"id\": \"subject\", \"type\": \"text\", \"required\": true, \"max_length\": 100},"
                        + " {\"id\": \"style\", \"type\": \"select\", \"options\": [\"ink\", \"oil\"], \"default\": \"ink\"}]");
    }

    record Recipe(int id, String slug) {}

    static Api.Reply start(String token, Recipe recipe, String inputs, String key) {
        Api rest = Api.as(token);
        if (key != null) {
            rest = rest.with("Idempotency-Key", key);
        }
        return rest.post(BASE, "{\"recipe_id\": " + recipe.id() + ", \"inputs\": " + inputs + "}");
    }

    static JsonNode finished(String token, String shortId) throws Exception {
        JsonNode[] last = new JsonNode[1];
        Poll.until("generation " + shortId + " finishes", WITHIN, () -> {
            last[0] = Api.as(token).get(BASE + "/" + shortId).json();
            String status = last[0].path("status").asText();
            return status.equals("completed")
                    || (status.equals("failed") && !last[0].path("refunded_at").isNull());
        });
        return last[0];
    }

    static int balance(String userId) throws Exception {
        return Integer.parseInt(OwnerSql.queryString("select credits from delula.users where id = '" + userId + "'"));
    }

    static String ledgerRows(String userId) throws Exception {
        return OwnerSql.queryString(
                "select coalesce(string_agg(type || ':' || amount || ':' || coalesce(generation_id::text, '-'),"
                        + " ' ' order by id), '') from delula.credit_transactions where user_id = '" + userId + "'");
    }

    static String holds(String userId) throws Exception {
        return OwnerSql.queryString("select coalesce(string_agg(status || ':' || amount, ' ' order by created_at), '') "
                + "from platform.ledger_holds where app = 'delula' and user_id = '" + userId + "'");
    }

    static int generationId(String shortId) throws Exception {
        return Integer.parseInt(
                OwnerSql.queryString("select id from delula.generations where short_id = '" + shortId + "'"));
    }

    @AfterAll
    static void ledgerAddsUp() throws Exception {
        assertThat(server.component(Ledger.class).reconcile()).isEmpty();
    }

    @Test
    void anImageRecipeHoldsMakesStoresAndCapturesOnce() throws Exception {
        Recipe recipe = recipe("image", 3);
        TestServer.TestUser user = server.newUser();
        String userId = user.id().toString();
        Api.Reply started = start(user.accessToken(), recipe, "{\"subject\": \"cat\"}", "k1");
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        JsonNode body = started.json();
        String shortId = body.path("short_id").asText();
        assertThat(shortId).matches("^[A-Za-z0-9_-]{11}$");
        assertThat(body.path("links").path("self").asText()).isEqualTo(BASE + "/" + shortId);
        assertThat(body.path("credits_cost").asInt()).isEqualTo(3);
        assertThat(body.path("prompt").asText()).isEqualTo("a cat in ink");

        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.path("progress").asDouble()).isEqualTo(100);
        assertThat(done.path("refunded_at").isNull()).isTrue();
        // The result opens for the owner: a signed URL with no header, the authenticated path with the token.
        String image = done.path("result").path("image_url").asText();
        assertThat(image).startsWith("/storage/v1/object/sign/assets/" + userId + "/generations/" + shortId);
        HttpResponse<byte[]> bytes = server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + image))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.body()).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Api.Reply authed = Api.as(user.accessToken())
                .get(done.path("result").path("thumbnail_path").asText());
        assertThat(authed.status()).isEqualTo(200);

        int id = generationId(shortId);
        assertThat(balance(userId)).isEqualTo(7);
        assertThat(ledgerRows(userId)).isEqualTo("signup_bonus:10:- generation:-3:" + id);
        assertThat(holds(userId)).isEqualTo("captured:3");
        assertThat(OwnerSql.queryString(
                        "select string_agg(source || ':' || asset_type || ':' || generation_id, ' ' order by s3_key) "
                                + "from delula.user_assets where user_id = '" + userId + "'"))
                .isEqualTo("generation:image:" + id + " generation:image:" + id);
        assertThat(OwnerSql.queryString("select ru.usage_count || ':' || r.usage_count from delula.recipe_usage ru "
                        + "join delula.recipes r on r.id = ru.recipe_id where ru.recipe_id = " + recipe.id()))
                .isEqualTo("1:1");
        // The owner reads the same state through the data API (RLS).
        JsonNode rows = Rest.as(user.accessToken())
                .with("Accept-Profile", "delula")
                .get("/generations?short_id=eq." + shortId + "&select=status,credits_cost,image_url")
                .json();
        assertThat(rows.get(0).path("status").asText()).isEqualTo("completed");
        assertThat(rows.get(0).path("image_url").asText())
                .isEqualTo("/storage/v1/object/authenticated/assets/" + userId + "/generations/" + shortId + ".png");
    }

    @Test
    void aVideoRecipeStoresAVideoWithAThumbnail() throws Exception {
        Recipe recipe = recipe("video", 2);
        TestServer.TestUser user = server.newUser();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"wave\", \"style\": \"oil\"}", null)
                .json()
                .path("short_id")
                .asText();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.path("media_type").asText()).isEqualTo("video");
        assertThat(done.path("result").path("video_url").asText()).contains("/generations/" + shortId + ".");
        assertThat(done.path("result").path("image_url").isNull()).isTrue();
        assertThat(done.path("result").path("thumbnail_url").asText()).contains(shortId + "-thumb.png");
        assertThat(balance(user.id().toString())).isEqualTo(8);
    }

    @Test
    void aProviderThatKeepsFailingEndsFailedAndGivesTheCreditsBackOnce() throws Exception {
        Recipe recipe = recipe("image", 4);
        ai.localFaults().set("delula", recipe.slug(), "fail");
        TestServer.TestUser user = server.newUser();
        String userId = user.id().toString();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(done.path("error").asText()).contains("failing on purpose");
        assertThat(done.path("attempt").asInt()).isEqualTo(3);
        assertThat(balance(userId)).isEqualTo(10);
        // Charged and refunded in the transaction that failed it: the document's refund row, once.
        int id = generationId(shortId);
        assertThat(ledgerRows(userId)).isEqualTo("signup_bonus:10:- generation:-4:" + id + " refund:4:" + id);
        assertThat(holds(userId)).isEqualTo("captured:4");
        // The credits are available again, and an operator cannot run it again.
        assertThat(Api.as(user.accessToken())
                        .get("/api/v1/delula/credits")
                        .json()
                        .path("available")
                        .asInt())
                .isEqualTo(10);
        String job = OwnerSql.queryString(
                "select id from platform.jobs where app_table = 'delula.generations' and app_key = '"
                        + generationId(shortId) + "'");
        assertThat(Api.service().post("/api/v1/jobs/" + job + "/retry", "{}").status())
                .isIn(404, 409);
    }

    @Test
    void aRefusedPromptIsNotRetried() throws Exception {
        Recipe recipe = recipe("image", 1);
        ai.localFaults().set("delula", recipe.slug(), "reject");
        TestServer.TestUser user = server.newUser();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(done.path("attempt").asInt()).isEqualTo(1);
        assertThat(balance(user.id().toString())).isEqualTo(10);
    }

    @Test
    void aFailureThenASuccessChargesOnce() throws Exception {
        Recipe recipe = recipe("image", 2);
        ai.localFaults().set("delula", recipe.slug(), "fail-once");
        TestServer.TestUser user = server.newUser();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.path("attempt").asInt()).isEqualTo(2);
        assertThat(ledgerRows(user.id().toString()))
                .isEqualTo("signup_bonus:10:- generation:-2:" + generationId(shortId));
    }

    @Test
    void aRateLimitedProviderIsTriedAgainAfterItsRetryAfter() throws Exception {
        Recipe recipe = recipe("image", 2);
        ai.localFaults().set("delula", recipe.slug(), "rate-limited");
        TestServer.TestUser user = server.newUser();
        long began = System.nanoTime();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.path("attempt").asInt()).isEqualTo(2);
        // The second attempt came no sooner than the provider's Retry-After (1 s), not after the 50 ms backoff.
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(balance(user.id().toString())).isEqualTo(8);
    }

    @Test
    void aServiceTimeoutEndsFailedAndRefunded() throws Exception {
        String provider = "p-" + UUID.randomUUID().toString().substring(0, 8);
        String providerId =
                OwnerSql.queryString("insert into delula.providers (name, display_name, is_active) values ('" + provider
                        + "', 'Local', false) returning id");
        String serviceId =
                OwnerSql.queryString("insert into delula.services (provider_id, name, display_name, service_type, "
                        + "endpoint, timeout_seconds, is_active) values (" + providerId
                        + ", 'slow', 'Slow', 'image', '/v1/images', 1, true) returning id");
        Recipe recipe = recipe(
                "image",
                2,
                "[{\"id\": \"subject\", \"type\": \"text\"}, {\"type\": \"service\", \"service_id\": " + serviceId
                        + "}]");
        ai.localFaults().set("delula", recipe.slug(), "timeout");
        TestServer.TestUser user = server.newUser();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(done.path("error").asText()).contains("timed out");
        assertThat(OwnerSql.queryString("select service_id from delula.generations where short_id = '" + shortId + "'"))
                .isEqualTo(serviceId);
        assertThat(balance(user.id().toString())).isEqualTo(10);
        assertThat(holds(user.id().toString())).isEqualTo("captured:2");
    }

    /** A generation whose first attempt is inside its (slow) provider call. */
    private record Running(TestServer.TestUser user, String userId, String shortId, int id, String job) {}

    private Running inItsFirstCall(Recipe recipe) throws Exception {
        // Long enough that the attempt is still in its call when the test takes its lease away
        // (the lost worker is interrupted by the heartbeat, so the test does not wait it out).
        ai.localFaults().set("delula", recipe.slug(), "slow:5000");
        TestServer.TestUser user = server.newUser();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        int id = generationId(shortId);
        String job = "select id from platform.jobs where app_table = 'delula.generations' and app_key = '" + id + "'";
        Poll.until(
                "the first attempt runs",
                WITHIN,
                () -> OwnerSql.queryString("select state || attempt from platform.jobs where id = (" + job + ")")
                        .equals("running1"));
        return new Running(user, user.id().toString(), shortId, id, job);
    }

    /**
     * Takes the running attempt's lease away (and, with {@code last}, its further attempts) until a
     * rescue gets the row: a rescue skips a row another transaction holds at that moment (the
     * worker's progress write), and a heartbeat in between would renew the lease. Then the lost
     * worker learns it at once, not at its next heartbeat 5 s later.
     */
    private void loseTheLease(Running r, boolean last) throws Exception {
        Poll.until("the lost attempt is rescued", WITHIN, () -> {
            OwnerSql.exec("update platform.jobs set lease_expires_at = now() - interval '1 second'"
                    + (last ? ", max_attempts = 1" : "") + " where id = (" + r.job() + ") and state = 'running'"
                    + " and attempt = 1");
            return server.component(JobEngine.class).rescue() > 0
                    || !OwnerSql.queryString("select state || attempt from platform.jobs where id = (" + r.job() + ")")
                            .equals("running1");
        });
        server.component(JobEngine.class).heartbeat();
    }

    @Test
    void aWorkerThatLosesItsLeaseMidCallNeverChargesTwice() throws Exception {
        Recipe recipe = recipe("image", 3);
        Running r = inItsFirstCall(recipe);
        // The worker is cut off: its lease runs out while the provider call is still going, and
        // the rescue gives the job to another attempt. The first worker's completion is fenced off.
        loseTheLease(r, false);
        ai.localFaults().set("delula", recipe.slug(), "");
        JsonNode done = finished(r.user().accessToken(), r.shortId());
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(done.path("attempt").asInt()).isEqualTo(2);
        assertThat(done.path("refunded_at").isNull()).isTrue();
        assertThat(ledgerRows(r.userId())).isEqualTo("signup_bonus:10:- generation:-3:" + r.id());
        assertThat(holds(r.userId())).isEqualTo("captured:3");
        assertThat(balance(r.userId())).isEqualTo(7);
    }

    @Test
    void aWorkerLostOnTheLastAttemptEndsRefundedAndItsLateResultIsNeverCharged() throws Exception {
        Running r = inItsFirstCall(recipe("image", 3));
        // This attempt is the last one, and its worker is lost mid-call: the job fails and gives up.
        loseTheLease(r, true);
        TestServer.TestUser user = r.user();
        String userId = r.userId();
        String shortId = r.shortId();
        int id = r.id();
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(done.path("refunded_at").isNull()).isFalse();
        // The lost worker is interrupted (or its call ends and it stores its files); either way its
        // completion is fenced off.
        Poll.until(
                "the lost worker is done",
                WITHIN,
                () -> server.component(JobEngine.class).runningJobs() == 0);
        assertThat(OwnerSql.queryString(
                        "select status || ':' || (refunded_at is not null) || ':' || (image_url is null) "
                                + "from delula.generations where id = " + id))
                .isEqualTo("failed:true:true");
        assertThat(ledgerRows(userId)).isEqualTo("signup_bonus:10:- generation:-3:" + id + " refund:3:" + id);
        assertThat(holds(userId)).isEqualTo("captured:3");
        assertThat(balance(userId)).isEqualTo(10);
    }

    @Test
    void aCancelledGenerationIsRefundedOnce() throws Exception {
        Recipe recipe = recipe("image", 2);
        ai.localFaults().set("delula", recipe.slug(), "slow:5000");
        TestServer.TestUser user = server.newUser();
        String shortId = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", null)
                .json()
                .path("short_id")
                .asText();
        String job = OwnerSql.queryString(
                "select id from platform.jobs where app_table = 'delula.generations' and app_key = '"
                        + generationId(shortId) + "'");
        Poll.until(
                "it runs",
                WITHIN,
                () -> OwnerSql.queryString("select state from platform.jobs where id = " + job)
                        .equals("running"));
        assertThat(Api.service().post("/api/v1/jobs/" + job + "/cancel", "{}").status())
                .isEqualTo(200);
        JsonNode done = finished(user.accessToken(), shortId);
        assertThat(done.path("status").asText()).isEqualTo("failed");
        assertThat(holds(user.id().toString())).isEqualTo("captured:2");
        int id = generationId(shortId);
        assertThat(ledgerRows(user.id().toString()))
                .isEqualTo("signup_bonus:10:- generation:-2:" + id + " refund:2:" + id);
    }

    @Test
    void theSameKeyAndBodyGiveTheSameGenerationChargedOnce() throws Exception {
        Recipe recipe = recipe("image", 2);
        TestServer.TestUser user = server.newUser();
        Api.Reply first = start(user.accessToken(), recipe, "{\"subject\": \"x\", \"style\": \"oil\"}", "same");
        Api.Reply again = start(user.accessToken(), recipe, "{\"style\": \"oil\", \"subject\": \"x\"}", "same");
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json().path("short_id").asText())
                .isEqualTo(first.json().path("short_id").asText());
        Api.Reply other = start(user.accessToken(), recipe, "{\"subject\": \"y\"}", "same");
        assertThat(other.status()).isEqualTo(409);
        // Concurrent requests with one key: one generation.
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Api.Reply>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Api.Reply> call = () -> start(user.accessToken(), recipe, "{\"subject\": \"z\"}", "race");
                all.add(pool.submit(call));
            }
            List<String> ids = new ArrayList<>();
            for (Future<Api.Reply> f : all) {
                assertThat(f.get().status()).as(f.get().body()).isEqualTo(202);
                ids.add(f.get().json().path("short_id").asText());
            }
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdown();
        }
        finished(user.accessToken(), first.json().path("short_id").asText());
        JsonNode raced = finished(
                user.accessToken(),
                OwnerSql.queryString(
                        "select short_id from delula.generations where idempotency_key = 'race' and user_id = '"
                                + user.id() + "'"));
        assertThat(raced.path("status").asText()).isEqualTo("completed");
        assertThat(balance(user.id().toString())).isEqualTo(6);
        assertThat(OwnerSql.queryString("select count(*) from delula.generations where user_id = '" + user.id() + "'"))
                .isEqualTo("2");
    }

    @Test
    void notEnoughCreditsIs402WithTheBalanceAndWritesNothing() throws Exception {
        Recipe recipe = recipe("image", 11);
        TestServer.TestUser user = server.newUser();
        Api.Reply refused = start(user.accessToken(), recipe, "{\"subject\": \"x\"}", "k");
        assertThat(refused.status()).isEqualTo(402);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().path("detail").asText()).contains("balance 10");
        assertThat(OwnerSql.queryString("select count(*) from delula.generations where user_id = '" + user.id() + "'"))
                .isEqualTo("0");
        assertThat(holds(user.id().toString())).isEmpty();
        // The same key works once there is something it can pay for (the refusal was not stored).
        OwnerSql.exec("update delula.recipes set credit_cost = 1 where id = " + recipe.id());
        assertThat(start(user.accessToken(), recipe, "{\"subject\": \"x\"}", "k")
                        .status())
                .isEqualTo(202);
    }

    @Test
    void badRequestsNameTheirField() throws Exception {
        Recipe recipe = recipe("image", 1);
        Recipe inactive = recipe("image", 1);
        OwnerSql.exec("update delula.recipes set is_active = false where id = " + inactive.id());
        String token = server.newUser().accessToken();
        assertThat(field(start(token, inactive, "{\"subject\": \"x\"}", null))).isEqualTo("recipe_id");
        assertThat(field(Api.as(token).post(BASE, "{\"recipe_id\": 999999999}")))
                .isEqualTo("recipe_id");
        assertThat(field(Api.as(token).post(BASE, "{\"inputs\": {}}"))).isEqualTo("recipe_id");
        assertThat(field(start(token, recipe, "{}", null))).isEqualTo("inputs.subject");
        assertThat(field(start(token, recipe, "{\"subject\": \"x\", \"extra\": 1}", null)))
                .isEqualTo("inputs.extra");
        assertThat(field(start(token, recipe, "{\"subject\": \"" + "x".repeat(101) + "\"}", null)))
                .isEqualTo("inputs.subject");
        assertThat(field(start(token, recipe, "{\"subject\": \"x\", \"style\": \"crayon\"}", null)))
                .isEqualTo("inputs.style");
        assertThat(field(start(token, recipe, "[1]", null))).isEqualTo("inputs");
        Recipe counted = recipe("image", 1, "[{\"id\": \"count\", \"type\": \"number\", \"max\": 4}]");
        assertThat(field(start(token, counted, "{\"count\": 5}", null))).isEqualTo("inputs.count");
        assertThat(field(start(token, counted, "{\"count\": \"5\"}", null))).isEqualTo("inputs.count");
        assertThat(field(Api.as(token)
                        .with("Idempotency-Key", "has space")
                        .post(BASE, "{\"recipe_id\": " + recipe.id() + "}")))
                .isEqualTo("Idempotency-Key");
        assertThat(Api.anon().post(BASE, "{\"recipe_id\": " + recipe.id() + "}").status())
                .isEqualTo(401);
    }

    private static String field(Api.Reply response) {
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        return response.json().path("field").asText();
    }

    @Test
    void othersSeeAGenerationOnlyOnceItsOwnerSharesIt() throws Exception {
        Recipe recipe = recipe("image", 1);
        TestServer.TestUser owner = server.newUser();
        TestServer.TestUser other = server.newUser();
        String shortId = start(owner.accessToken(), recipe, "{\"subject\": \"secret\"}", null)
                .json()
                .path("short_id")
                .asText();
        finished(owner.accessToken(), shortId);
        assertThat(Api.as(other.accessToken()).get(BASE + "/" + shortId).status())
                .isEqualTo(404);
        assertThat(Api.anon().get(BASE + "/" + shortId).status()).isEqualTo(404);
        assertThat(Rest.as(other.accessToken())
                        .with("Accept-Profile", "delula")
                        .get("/generations?short_id=eq." + shortId)
                        .json()
                        .size())
                .isZero();
        assertThat(Api.as(other.accessToken())
                        .post(BASE + "/" + shortId + "/share", "{\"public\": true}")
                        .status())
                .isEqualTo(404);

        Api.Reply shared = Api.as(owner.accessToken()).post(BASE + "/" + shortId + "/share", "{\"public\": true}");
        assertThat(shared.status()).isEqualTo(200);
        assertThat(shared.json().path("is_public").asBoolean()).isTrue();
        JsonNode seen = Api.anon().get(BASE + "/" + shortId).json();
        assertThat(seen.path("status").asText()).isEqualTo("completed");
        assertThat(seen.has("prompt")).isFalse();
        assertThat(seen.has("inputs")).isFalse();
        assertThat(seen.has("credits_cost")).isFalse();
        assertThat(seen.path("result").has("image_path")).isFalse();
        String url = seen.path("result").path("image_url").asText();
        assertThat(server.http()
                        .send(
                                HttpRequest.newBuilder(URI.create(server.baseUrl() + url))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode())
                .isEqualTo(200);

        assertThat(Api.as(owner.accessToken())
                        .patch(BASE + "/" + shortId + "/share", "{\"public\": false}")
                        .status())
                .isEqualTo(200);
        assertThat(Api.anon().get(BASE + "/" + shortId).status()).isEqualTo(404);
        assertThat(field(Api.as(owner.accessToken()).post(BASE + "/" + shortId + "/share", "{\"public\": \"yes\"}")))
                .isEqualTo("public");
        assertThat(Api.anon().get(BASE + "/not-a-short-id-at-all").status()).isEqualTo(404);
    }

    @Test
    void aBacklogVideoIsServedAtOnceToOneUserOnly() throws Exception {
        Recipe recipe = recipe("video", 2);
        OwnerSql.exec(
                "insert into delula.backlog_videos (recipe_id, prompt, video_url, thumbnail_url) values (" + recipe.id()
                        + ", 'ready made', 'https://cdn.example.test/v1.mp4', 'https://cdn.example.test/v1.png')");
        List<TestServer.TestUser> users = List.of(server.newUser(), server.newUser(), server.newUser());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<JsonNode> answers = new ArrayList<>();
        List<Integer> statuses = new ArrayList<>();
        try {
            List<Future<Api.Reply>> all = new ArrayList<>();
            for (TestServer.TestUser u : users) {
                all.add(pool.submit(() -> start(u.accessToken(), recipe, "{\"subject\": \"x\"}", null)));
            }
            for (Future<Api.Reply> f : all) {
                statuses.add(f.get().status());
                answers.add(f.get().json());
            }
        } finally {
            pool.shutdown();
        }
        assertThat(statuses).containsExactlyInAnyOrder(201, 202, 202);
        JsonNode served = answers.get(statuses.indexOf(201));
        assertThat(served.path("status").asText()).isEqualTo("completed");
        assertThat(served.path("result").path("video_url").asText()).isEqualTo("https://cdn.example.test/v1.mp4");
        assertThat(OwnerSql.queryString("select count(*) || ':' || count(generation_id) from delula.backlog_videos "
                        + "where recipe_id = " + recipe.id() + " and claimed_at is not null"))
                .isEqualTo("1:1");
        String winner =
                OwnerSql.queryString("select claimed_by from delula.backlog_videos where recipe_id = " + recipe.id());
        // A user who cannot pay gets 402 and leaves the next video for someone who can.
        OwnerSql.exec("insert into delula.backlog_videos (recipe_id, video_url) values (" + recipe.id()
                + ", 'https://cdn.example.test/v2.mp4')");
        OwnerSql.exec("update delula.recipes set credit_cost = 11 where id = " + recipe.id());
        Api.Reply refused = start(server.newUser().accessToken(), recipe, "{\"subject\": \"x\"}", null);
        assertThat(refused.status()).as(refused.body()).isEqualTo(402);
        assertThat(refused.json().path("detail").asText()).contains("balance 10");
        assertThat(OwnerSql.queryString("select count(*) from delula.backlog_videos where recipe_id = " + recipe.id()
                        + " and claimed_at is null"))
                .isEqualTo("1");
        assertThat(ledgerRows(winner))
                .isEqualTo("signup_bonus:10:- generation:-2:"
                        + generationId(served.path("short_id").asText()));
        assertThat(holds(winner)).isEmpty();
        for (int i = 0; i < 3; i++) {
            if (statuses.get(i) == 202) {
                finished(
                        users.get(i).accessToken(),
                        answers.get(i).path("short_id").asText());
            }
        }
    }
}
