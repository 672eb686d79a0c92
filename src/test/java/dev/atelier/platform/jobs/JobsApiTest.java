package dev.atelier.platform.jobs;

import static dev.atelier.platform.jobs.Engines.count;
import static dev.atelier.platform.jobs.Engines.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /api/v1/jobs: the operations API, for the service role only. */
class JobsApiTest {

    private static final TestServer server = Engines.server;
    private static final dev.atelier.testing.MovableClock clock = new Engines().clock;

    @BeforeAll
    static void prepare() throws Exception {
        Engines.prepare();
    }

    private static HttpResponse<String> call(String method, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .header("apikey", server.anonKey());
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return server.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> asService(String method, String path) throws Exception {
        return call(method, path, server.serviceKey());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return server.json().readTree(response.body());
    }

    @Test
    void onlyTheServiceRoleMayUseIt() throws Exception {
        assertThat(call("GET", "/api/v1/jobs", null).statusCode()).isEqualTo(401);
        HttpResponse<String> user = call("GET", "/api/v1/jobs", server.newUser().accessToken());
        assertThat(user.statusCode()).isEqualTo(403);
        assertThat(user.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(call("POST", "/api/v1/jobs/1/cancel", server.newUser().accessToken())
                        .statusCode())
                .isEqualTo(403);
        assertThat(asService("GET", "/api/v1/jobs").statusCode()).isEqualTo(200);
    }

    @Test
    void listsWithCountsShowsOneJobAndRetriesCancelsAndDeletes() throws Exception {
        String kind = Engines.kind("api");
        JobEngine engine = new JobEngine(Engines.database(), clock, Engines.fast(), null);
        long queued = engine.enqueue(NewJob.of(kind).runAt(clock.instant().plusSeconds(3600)));
        long other = engine.enqueue(NewJob.of(kind).runAt(clock.instant().plusSeconds(3600)));

        JsonNode list = json(asService("GET", "/api/v1/jobs?kind=" + kind + "&state=available"));
        assertThat(list.get("counts")).hasSize(1);
        assertThat(list.get("counts").get(0).get("count").asLong()).isEqualTo(2);
        assertThat(list.get("counts").get(0).get("app").asText()).isEqualTo("platform");
        assertThat(list.get("jobs")).hasSize(2);

        HttpResponse<String> cancel = asService("POST", "/api/v1/jobs/" + queued + "/cancel");
        assertThat(cancel.statusCode()).isEqualTo(200);
        assertThat(json(cancel).get("state").asText()).isEqualTo("cancelled");

        JsonNode one = json(asService("GET", "/api/v1/jobs/" + queued));
        assertThat(one.get("state").asText()).isEqualTo("cancelled");
        assertThat(one.get("outcome").asText()).isEqualTo("cancelled");
        assertThat(one.get("logs")).isEmpty();

        assertThat(asService("POST", "/api/v1/jobs/" + queued + "/retry").statusCode())
                .isEqualTo(200);
        assertThat(state(queued)).isEqualTo("available");
        assertThat(asService("POST", "/api/v1/jobs/" + queued + "/retry").statusCode())
                .isEqualTo(409);

        assertThat(asService("DELETE", "/api/v1/jobs/" + other).statusCode()).isEqualTo(204);
        assertThat(asService("GET", "/api/v1/jobs/" + other).statusCode()).isEqualTo(404);
        assertThat(count("select count(*) from platform.jobs where id = ?", other))
                .isZero();
    }

    @Test
    void showsAnAppJobWithItsAppStatus() throws Exception {
        String id = Engines.text("insert into rotation.jobs (type, title, scheduled_at) values "
                + "('image_processing', 'thumbs', now() + interval '1 day') returning id");
        long job = count("select id from platform.jobs where app_table = 'rotation.jobs' and app_key = ?", id);
        JsonNode one = json(asService("GET", "/api/v1/jobs/" + job));
        assertThat(one.get("app").asText()).isEqualTo("rotation");
        assertThat(one.get("app_status").asText()).isEqualTo("pending");
        assertThat(one.get("kind").asText()).isEqualTo("rotation.jobs:image_processing");
        JsonNode rotation = json(asService("GET", "/api/v1/jobs?app=rotation&kind=rotation.jobs:image_processing"));
        assertThat(rotation.get("jobs").findValuesAsText("app_key")).contains(id);
    }

    @Test
    void pausesAndResumesAQueue() throws Exception {
        String queue = "api-" + Engines.kind("queue").replace('.', '-');
        HttpResponse<String> paused = asService("POST", "/api/v1/jobs/queues/" + queue + "/pause");
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(count("select count(*) from platform.job_queues where queue = ? and paused", queue))
                .isEqualTo(1);
        assertThat(asService("POST", "/api/v1/jobs/queues/" + queue + "/resume").statusCode())
                .isEqualTo(200);
        assertThat(count("select count(*) from platform.job_queues where queue = ? and paused", queue))
                .isZero();
    }

    @Test
    void badInputIsAProblemNamingTheField() throws Exception {
        for (List<String> bad : List.of(
                List.of("GET", "/api/v1/jobs/abc", "id"),
                List.of("GET", "/api/v1/jobs/-4", "id"),
                List.of("GET", "/api/v1/jobs?state=exploded", "state"),
                List.of("GET", "/api/v1/jobs?limit=100000", "limit"),
                List.of("GET", "/api/v1/jobs?kind=%27%3Bdrop", "kind"),
                List.of("POST", "/api/v1/jobs/queues/a%20b/pause", "queue"))) {
            HttpResponse<String> response = asService(bad.get(0), bad.get(1));
            assertThat(response.statusCode()).as(bad.get(1)).isEqualTo(400);
            assertThat(json(response).get("field").asText()).isEqualTo(bad.get(2));
        }
        assertThat(asService("GET", "/api/v1/jobs/999999999").statusCode()).isEqualTo(404);
    }
}
