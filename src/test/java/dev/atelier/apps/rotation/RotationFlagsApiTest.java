package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.flags.FlagContext;
import dev.atelier.platform.flags.FlagService;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The flag endpoints through HTTP: admin CRUD with validation and history, evaluation for anon,
 * users and admins, Unleash's client and frontend APIs with their keys, evaluation counts, and
 * two flag caches on one database seeing a change within a second.
 */
class RotationFlagsApiTest {

    private static final TestServer server = TestServer.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static AppUser admin;
    private static AppUser user;
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void users() throws Exception {
        admin = newUserWithRole("admin");
        user = newUser();
    }

    private static HttpResponse<String> call(String method, String path, @Nullable String token, @Nullable String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
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

    private static HttpResponse<String> unleash(
            String method, String path, @Nullable String key, @Nullable String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", key); // as Unleash SDKs send it: the bare key
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static String createFlag(String body) throws Exception {
        HttpResponse<String> r = call("POST", "/api/v1/rotation/flags", admin.accessToken(), body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).get("key").asText();
    }

    @Test
    void adminsManageFlagsWithValidationAndHistory() throws Exception {
        String key = "api-" + RUN + "-pct";
        HttpResponse<String> anon = call("POST", "/api/v1/rotation/flags", null, "{\"key\":\"x\",\"name\":\"x\"}");
        assertThat(anon.statusCode()).isEqualTo(401);
        HttpResponse<String> notAdmin =
                call("POST", "/api/v1/rotation/flags", user.accessToken(), "{\"key\":\"x\",\"name\":\"x\"}");
        assertThat(notAdmin.statusCode()).isEqualTo(403);
        assertThat(notAdmin.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        HttpResponse<String> bad = call(
                "POST",
                "/api/v1/rotation/flags",
                admin.accessToken(),
                "{\"key\":\"" + key + "\",\"name\":\"P\",\"flag_type\":\"percentage\",\"rollout_percentage\":101}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("field").asText()).isEqualTo("rollout_percentage");
        HttpResponse<String> badStrategy = call(
                "POST",
                "/api/v1/rotation/flags",
                admin.accessToken(),
                "{\"key\":\"" + key
                        + "\",\"name\":\"P\",\"flag_type\":\"strategies\",\"strategies\":[{\"name\":\"default\","
                        + "\"constraints\":[{\"contextName\":\"a\",\"operator\":\"LIKE\",\"values\":[]}]}]}");
        assertThat(badStrategy.statusCode()).isEqualTo(400);
        assertThat(json(badStrategy).path("field").asText()).isEqualTo("strategies[0].constraints[0].operator");
        HttpResponse<String> badKey =
                call("POST", "/api/v1/rotation/flags", admin.accessToken(), "{\"key\":\"-no\",\"name\":\"P\"}");
        assertThat(json(badKey).path("field").asText()).isEqualTo("key");

        createFlag("{\"key\":\"" + key + "\",\"name\":\"P\",\"flag_type\":\"percentage\",\"rollout_percentage\":30}");
        HttpResponse<String> again =
                call("POST", "/api/v1/rotation/flags", admin.accessToken(), "{\"key\":\"" + key + "\",\"name\":\"P\"}");
        assertThat(again.statusCode()).isEqualTo(409);

        HttpResponse<String> enable = call(
                "PATCH",
                "/api/v1/rotation/flags/" + key,
                admin.accessToken(),
                "{\"is_enabled\":true,\"rollout_percentage\":40,\"reason\":\"ramp up\"}");
        assertThat(enable.statusCode()).as(enable.body()).isEqualTo(200);
        assertThat(json(enable).path("rollout_percentage").asInt()).isEqualTo(40);
        assertThat(ownerQuery("select string_agg(action || ':' || changed_by || ':' || coalesce(change_reason, '-')"
                        + " || ':' || coalesce(rollout_percentage_new::text, '-'), ',' order by id)"
                        + " from rotation.feature_flag_history where flag_key = '" + key + "'"))
                .isEqualTo("created:" + admin.id() + ":-:30,enabled:" + admin.id() + ":ramp up:40");

        assertThat(call("GET", "/api/v1/rotation/flags/" + key, user.accessToken(), null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(json(call("GET", "/api/v1/rotation/flags/" + key, admin.accessToken(), null))
                        .path("flag_type")
                        .asText())
                .isEqualTo("percentage");
        assertThat(call("DELETE", "/api/v1/rotation/flags/" + key, admin.accessToken(), null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(ownerQuery("select action from rotation.feature_flag_history where flag_key = '" + key
                        + "' order by id desc limit 1"))
                .isEqualTo("deleted");
    }

    @Test
    void anyoneEvaluatesForThemselvesAndAdminsForAnyone() throws Exception {
        String list = createFlag(
                "{\"key\":\"api-" + RUN + "-list\",\"name\":\"L\",\"flag_type\":\"user_list\","
                        + "\"is_enabled\":true,\"target_users\":[" + user.id() + "],"
                        + "\"variants\":[{\"name\":\"blue\",\"weight\":1000,\"payload\":{\"type\":\"string\",\"value\":\"b\"}}]}");
        String cond = createFlag(
                "{\"key\":\"api-" + RUN + "-cond\",\"name\":\"C\",\"flag_type\":\"condition\","
                        + "\"is_enabled\":true,\"conditions\":{\"attribute\":\"country\",\"operator\":\"in\",\"values\":[\"NL\"]}}");

        JsonNode mine = json(
                call("POST", "/api/v1/rotation/flags/evaluate", user.accessToken(), "{\"flag\":\"" + list + "\"}"));
        assertThat(mine.path("enabled").asBoolean()).isTrue();
        assertThat(mine.path("variant").path("name").asText()).isEqualTo("blue");
        // A claimed userId in the context does not make someone else of the caller.
        JsonNode claimed = json(call(
                "POST",
                "/api/v1/rotation/flags/evaluate",
                null,
                "{\"flag\":\"" + list + "\",\"context\":{\"userId\":\"" + user.id() + "\"}}"));
        assertThat(claimed.path("enabled").asBoolean()).isFalse();
        HttpResponse<String> other = call(
                "POST",
                "/api/v1/rotation/flags/evaluate",
                newUser().accessToken(),
                "{\"flag\":\"" + list + "\",\"user_id\":" + user.id() + "}");
        assertThat(other.statusCode()).isEqualTo(403);
        JsonNode byAdmin = json(call(
                "POST",
                "/api/v1/rotation/flags/evaluate",
                admin.accessToken(),
                "{\"flag\":\"" + list + "\",\"user_id\":" + user.id() + "}"));
        assertThat(byAdmin.path("enabled").asBoolean()).isTrue();

        JsonNode all =
                json(call("POST", "/api/v1/rotation/flags/evaluate", null, "{\"context\":{\"country\":\"NL\"}}"));
        assertThat(all.path("flags").has(cond)).isTrue();
        assertThat(all.path("flags").has(list)).isFalse();
        HttpResponse<String> huge = call(
                "POST", "/api/v1/rotation/flags/evaluate", null, "{\"context\":{\"x\":\"" + "a".repeat(5000) + "\"}}");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(json(huge).path("field").asText()).isEqualTo("context");
    }

    @Test
    void unleashApisNeedAKeyAndServeEtags() throws Exception {
        createFlag("{\"key\":\"api-" + RUN + "-bool\",\"name\":\"B\",\"is_enabled\":true}");
        assertThat(unleash("GET", "/api/client/features", null, null).statusCode())
                .isEqualTo(401);
        assertThat(unleash("GET", "/api/client/features", server.anonKey(), null)
                        .statusCode())
                .isEqualTo(401);
        assertThat(unleash("GET", "/api/client/features", user.accessToken(), null)
                        .statusCode())
                .isEqualTo(401);
        assertThat(unleash("GET", "/api/frontend", null, null).statusCode()).isEqualTo(401);
        assertThat(call(
                                "POST",
                                "/api/v1/rotation/flags/api-keys",
                                user.accessToken(),
                                "{\"name\":\"k\",\"kind\":\"client\"}")
                        .statusCode())
                .isEqualTo(403);
        HttpResponse<String> badKind = call(
                "POST", "/api/v1/rotation/flags/api-keys", admin.accessToken(), "{\"name\":\"k\",\"kind\":\"admin\"}");
        assertThat(json(badKind).path("field").asText()).isEqualTo("kind");

        JsonNode client = json(call(
                "POST",
                "/api/v1/rotation/flags/api-keys",
                admin.accessToken(),
                "{\"name\":\"server sdk\",\"kind\":\"client\"}"));
        JsonNode frontend = json(call(
                "POST",
                "/api/v1/rotation/flags/api-keys",
                admin.accessToken(),
                "{\"name\":\"browser\",\"kind\":\"frontend\"}"));
        String clientKey = client.path("token").asText();
        String frontendKey = frontend.path("token").asText();
        assertThat(ownerQuery("select count(*) from platform.flag_api_keys where token_prefix = '"
                        + client.path("key").path("tokenPrefix").asText() + "' and token_sha256 = sha256('" + clientKey
                        + "')"))
                .isEqualTo("1");

        HttpResponse<String> features = unleash("GET", "/api/client/features", clientKey, null);
        assertThat(features.statusCode()).isEqualTo(200);
        String etag = features.headers().firstValue("ETag").orElseThrow();
        JsonNode body = json(features);
        assertThat(body.path("version").asInt()).isEqualTo(2);
        boolean found = false;
        for (JsonNode f : body.path("features")) {
            if (f.path("name").asText().equals("api-" + RUN + "-bool")) {
                found = true;
                assertThat(f.path("strategies").get(0).path("name").asText()).isEqualTo("default");
            }
        }
        assertThat(found).isTrue();
        assertThat(unleash("GET", "/api/client/features", clientKey, null, "If-None-Match", etag)
                        .statusCode())
                .isEqualTo(304);
        assertThat(unleash("GET", "/api/client/features", "Bearer " + server.serviceKey(), null)
                        .statusCode())
                .isEqualTo(200);
        assertThat(unleash("GET", "/api/client/features", frontendKey, null).statusCode())
                .isEqualTo(401);
        assertThat(unleash("POST", "/api/client/register", clientKey, "{\"appName\":\"t\",\"instanceId\":\"i\"}")
                        .statusCode())
                .isEqualTo(202);

        HttpResponse<String> front = unleash("GET", "/api/frontend?userId=7&properties[country]=NL", frontendKey, null);
        assertThat(front.statusCode()).isEqualTo(200);
        assertThat(front.body()).contains("\"name\":\"api-" + RUN + "-bool\"");

        // SDK metrics are added to the hour's counts under the SDK's app name.
        HttpResponse<String> metrics = unleash(
                "POST",
                "/api/client/metrics",
                clientKey,
                "{\"appName\":\"sdk-" + RUN + "\",\"instanceId\":\"i\",\"bucket\":{\"start\":\"2026-01-01T10:15:00Z\","
                        + "\"stop\":\"2026-01-01T10:16:00Z\",\"toggles\":{\"api-" + RUN + "-bool\":{\"yes\":5,\"no\":2,"
                        + "\"variants\":{\"a\":3}}}}}");
        assertThat(metrics.statusCode()).isEqualTo(202);
        HttpResponse<String> badMetrics =
                unleash("POST", "/api/client/metrics", clientKey, "{\"appName\":\"x\",\"bucket\":{}}");
        assertThat(json(badMetrics).path("field").asText()).isEqualTo("bucket.start");
        server.component(FlagService.class).flush();
        assertThat(ownerQuery("select sum(yes_count) || '/' || sum(no_count) || '/' || min(period_start)"
                        + " from rotation.feature_flag_evaluations where app_name = 'sdk-" + RUN + "'"))
                .isEqualTo("5/2/2026-01-01 10:00:00+00");

        int id = client.path("key").path("id").asInt();
        assertThat(call("DELETE", "/api/v1/rotation/flags/api-keys/" + id, admin.accessToken(), null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(unleash("GET", "/api/client/features", clientKey, null).statusCode())
                .isEqualTo(401);
    }

    @Test
    void evaluationsAreCountedPerFlagAndHourNotPerCall() throws Exception {
        String key = createFlag("{\"key\":\"api-" + RUN + "-count\",\"name\":\"N\",\"is_enabled\":true,"
                + "\"variants\":[{\"name\":\"v\",\"weight\":1}]}");
        FlagService flags = server.component(FlagService.class);
        flags.flush();
        for (int i = 0; i < 50; i++) {
            flags.variant(key, FlagContext.empty());
        }
        for (int i = 0; i < 3; i++) {
            call("POST", "/api/v1/rotation/flags/evaluate", null, "{\"flag\":\"" + key + "\"}");
        }
        flags.flush();
        assertThat(ownerQuery("select count(*) || ':' || sum(yes_count) || ':' || sum(no_count) || ':'"
                        + " || sum((variant_counts ->> 'v')::int) from rotation.feature_flag_evaluations e"
                        + " join rotation.feature_flags f on f.id = e.feature_flag_id where f.key = '" + key + "'"))
                .isEqualTo("1:53:0:53");
    }

    @Test
    void twoServersSeeAChangeWithinOneSecond() throws Exception {
        Database database = server.component(Database.class);
        JobEngine.Listener listener = server.component(JobEngine.Listener.class);
        String key = "api-" + RUN + "-two";
        try (FlagService a = new FlagService(database, Clock.systemUTC(), listener);
                FlagService b = new FlagService(database, Clock.systemUTC(), listener)) {
            a.start();
            b.start();
            // Both LISTEN before the change, so only a notification can bring it within the second
            // (the fallback poll is every 30 s).
            Poll.until("both listening", Duration.ofSeconds(10), () -> a.isListening() && b.isListening());
            long started = System.nanoTime();
            ownerExec("insert into rotation.feature_flags (key, name, is_enabled) values ('" + key + "', 'T', true)");
            Poll.until(
                    "both see the new flag",
                    Duration.ofSeconds(1),
                    () -> a.isEnabled(key, FlagContext.empty()) && b.isEnabled(key, FlagContext.empty()));
            long created = (System.nanoTime() - started) / 1_000_000;
            started = System.nanoTime();
            ownerExec("update rotation.feature_flags set is_enabled = false where key = '" + key + "'");
            Poll.until(
                    "both see it off",
                    Duration.ofSeconds(1),
                    () -> !a.isEnabled(key, FlagContext.empty()) && !b.isEnabled(key, FlagContext.empty()));
            long disabled = (System.nanoTime() - started) / 1_000_000;
            System.out.printf(
                    "two flag caches: a new flag seen by both in %d ms, a disabled one in %d ms%n", created, disabled);
        }
    }
}
