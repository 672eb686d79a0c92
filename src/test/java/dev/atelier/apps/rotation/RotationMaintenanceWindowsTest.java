package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.platform.settings.SettingsService;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.Rest.Response;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Maintenance windows: while one is active, writes it covers answer 503 with Retry-After and the
 * window's message in each surface's shape (data API, /api/v1, storage, auth sign-up), reads and
 * sign-in keep working, the service role and the app's admins are exempt. The scoped windows
 * name services only this class uses; the one global window cancels itself in a finally block,
 * and every window here is cancelled before its test ends, so the rest of the suite (which shares
 * this server) never meets one.
 */
class RotationMaintenanceWindowsTest {

    private static final TestServer server = TestServer.get();
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final String WINDOWS = "/api/v1/rotation/maintenance-windows";
    private static AppUser admin;
    private static AppUser user;

    @BeforeAll
    static void users() throws Exception {
        admin = newUserWithRole("admin");
        user = newUser();
    }

    private static int open(String type, List<String> services, String startsIn, String endsIn) {
        Instant now = Instant.now();
        Response r = Rest.service()
                .post(
                        WINDOWS,
                        Rest.json(Map.of(
                                "title",
                                "Upgrade " + RUN,
                                "description",
                                "Back soon",
                                "maintenance_type",
                                type,
                                "affected_services",
                                services,
                                "starts_at",
                                now.plus(Duration.parse(startsIn)).toString(),
                                "ends_at",
                                now.plus(Duration.parse(endsIn)).toString())));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().path("id").asInt();
    }

    private static void cancel(int id) {
        Response r = Rest.service().post(WINDOWS + "/" + id + "/cancel", "{}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static void assertRefused(Response r, String contentType) {
        assertThat(r.status()).as(r.body()).isEqualTo(503);
        long retryAfter = Long.parseLong(r.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 600L);
        assertThat(r.header("Content-Type")).startsWith(contentType);
        assertThat(r.body()).contains("Upgrade " + RUN).contains("Back soon");
    }

    private static HttpResponse<String> storage(String method, String path, @Nullable String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/storage/v1" + path))
                .header("apikey", server.anonKey())
                .header("Content-Type", "text/plain")
                .method(
                        method,
                        method.equals("GET")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString("hello"));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aScopedWindowRefusesWritesOnEachSurfaceWhileReadsAndExemptCallersGoOn() throws Exception {
        String bucket = "maint-" + RUN;
        String feedback = "{\"feedback_type\":\"suggestion\",\"subject_type\":\"record\",\"subject_id\":1,"
                + "\"title\":\"t\",\"description\":\"d\"}";
        int id = open(
                "feature", List.of("rotation.feedback", "rotation/settings", "storage:" + bucket), "-PT1M", "PT10M");
        int later = open("feature", List.of("rotation/settings"), "PT1H", "PT2H");
        try {
            // Data API: PostgREST's error shape; reads work; the Rotation admin and the service role write.
            Rest userRotation = Rest.as(user.accessToken()).with("Content-Profile", "rotation");
            assertRefused(userRotation.post("/feedback", feedback), "application/json");
            JsonNode rest = userRotation.post("/feedback", feedback).json();
            assertThat(rest.path("code").asText()).isEqualTo("PGRSTX503");
            assertThat(Rest.as(user.accessToken())
                            .with("Accept-Profile", "rotation")
                            .get("/feedback?select=id")
                            .status())
                    .isEqualTo(200);
            assertThat(Rest.as(admin.accessToken())
                            .with("Content-Profile", "rotation")
                            .post("/feedback", feedback)
                            .status())
                    .isEqualTo(201);
            assertThat(Rest.service()
                            .with("Content-Profile", "rotation")
                            .post("/feedback", feedback)
                            .status())
                    .isNotEqualTo(503);
            // Other tables and apps are not in the window.
            assertThat(userRotation.post("/favorites", "{}").status()).isNotEqualTo(503);

            // /api/v1: RFC 9457 problem; reads work; admins and the service role write.
            String setting = Rest.json(Map.of("key", "maint" + RUN.replace('-', '_'), "value", "x"));
            Response api = Rest.as(user.accessToken()).post("/api/v1/rotation/settings", setting);
            assertRefused(api, "application/problem+json");
            assertThat(api.json().path("status").asInt()).isEqualTo(503);
            assertThat(Rest.anon().get("/api/v1/rotation/settings").status()).isEqualTo(200);
            assertThat(Rest.as(admin.accessToken())
                            .post("/api/v1/rotation/settings", setting)
                            .status())
                    .isEqualTo(201);
            assertThat(Rest.service()
                            .delete("/api/v1/rotation/settings/maint" + RUN.replace('-', '_'))
                            .status())
                    .isEqualTo(204);

            // Storage: its own error shape, with the real status; downloads are not refused.
            HttpResponse<String> upload = storage("POST", "/object/" + bucket + "/a.txt", user.accessToken());
            assertThat(upload.statusCode()).as(upload.body()).isEqualTo(503);
            assertThat(upload.headers().firstValue("Retry-After")).isPresent();
            JsonNode storageBody = Rest.JSON.readTree(upload.body());
            assertThat(storageBody.path("statusCode").asText()).isEqualTo("503");
            assertThat(storageBody.path("message").asText()).contains("Upgrade " + RUN);
            assertThat(storage("GET", "/object/" + bucket + "/a.txt", user.accessToken())
                            .statusCode())
                    .isNotEqualTo(503);
            assertThat(storage("POST", "/object/" + bucket + "/a.txt", server.serviceKey())
                            .statusCode())
                    .isNotEqualTo(503);
            assertThat(storage("POST", "/object/" + bucket + "/a.txt", admin.accessToken())
                            .statusCode())
                    .isNotEqualTo(503);

            // Anyone can see the window, for a banner; the later one is upcoming.
            JsonNode banner = Rest.anon().get("/api/v1/maintenance").json();
            assertThat(ids(banner.path("active"))).contains(id).doesNotContain(later);
            assertThat(ids(banner.path("upcoming"))).contains(later);
        } finally {
            cancel(id);
            cancel(later);
        }
        // Cancelled: writes go through at once on this server.
        assertThat(Rest.as(user.accessToken())
                        .with("Content-Profile", "rotation")
                        .post("/feedback", feedback)
                        .status())
                .isEqualTo(201);
        assertThat(Rest.service().post(WINDOWS + "/" + id + "/cancel", "{}").status())
                .isEqualTo(404);
    }

    @Test
    void aGlobalWindowHoldsEveryAppsWritesButNotSignIn() throws Exception {
        TestServer.TestUser person = server.newUser();
        int id = open("full_system", List.of(), "-PT1S", "PT5M");
        try {
            HttpResponse<String> auth = post(
                    "/auth/v1/signup",
                    Rest.json(Map.of("email", "m-" + RUN + "@example.test", "password", "whatever1")),
                    null);
            assertThat(auth.statusCode()).isEqualTo(503);
            assertThat(auth.headers().firstValue("Retry-After")).isPresent();
            assertThat(Rest.JSON.readTree(auth.body()).path("code").asInt()).isEqualTo(503);
            assertThat(Rest.JSON.readTree(auth.body()).path("msg").asText()).contains("Upgrade " + RUN);
            HttpResponse<String> signIn = post(
                    "/auth/v1/token?grant_type=password",
                    Rest.json(Map.of("email", person.email(), "password", TestServer.MINTED_PASSWORD)),
                    null);
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
            // A user's write to any app is held; the Rotation admin's write to Rotation is not.
            assertRefused(
                    Rest.as(person.accessToken())
                            .with("Content-Profile", "moodscale")
                            .post("/anything", "{}"),
                    "application/json");
            assertRefused(
                    Rest.as(admin.accessToken())
                            .with("Content-Profile", "moodscale")
                            .post("/anything", "{}"),
                    "application/json");
            assertThat(Rest.as(admin.accessToken())
                            .with("Content-Profile", "rotation")
                            .post(
                                    "/feedback",
                                    "{\"feedback_type\":\"suggestion\",\"subject_type\":\"record\",\"subject_id\":1,"
                                            + "\"title\":\"t\",\"description\":\"d\"}")
                            .status())
                    .isEqualTo(201);
            assertThat(Rest.as(person.accessToken())
                            .with("Accept-Profile", "rotation")
                            .get("/stores?select=id")
                            .status())
                    .isEqualTo(200);
        } finally {
            cancel(id);
        }
        assertThat(server.component(SettingsService.class).blocking(Set.of("rest", "moodscale")))
                .isNull();
    }

    @Test
    void theCacheHearsOfAWindowWrittenAroundTheEndpointWithinASecond() throws Exception {
        SettingsService settings = server.component(SettingsService.class);
        Set<String> tags = Set.of("unit-" + RUN);
        Poll.until("listening", Duration.ofSeconds(10), settings::isListening);
        long started = System.nanoTime();
        String id = ownerQuery("insert into rotation.maintenance_windows (title, maintenance_type, affected_services,"
                + " starts_at, ends_at) values ('Direct " + RUN + "', 'feature', array['unit-" + RUN
                + "'], now() - interval '1 minute', now() + interval '5 minutes') returning id");
        try {
            Poll.until("the window is seen", Duration.ofSeconds(1), () -> settings.blocking(tags) != null);
            System.out.printf(
                    "maintenance window seen by the filter's cache %d ms after its commit%n",
                    (System.nanoTime() - started) / 1_000_000);
            assertThat(settings.blocking(Set.of("other"))).isNull();
        } finally {
            ownerExec("update rotation.maintenance_windows set status = 'cancelled' where id = " + id);
        }
        Poll.until("the cancellation is seen", Duration.ofSeconds(1), () -> settings.blocking(tags) == null);
    }

    @Test
    void onlyAdminsManageWindowsAndTheirFieldsAreChecked() throws Exception {
        Rest a = Rest.as(admin.accessToken());
        Instant now = Instant.now();
        Map<String, Object> ok = Map.of(
                "title",
                "x",
                "maintenance_type",
                "api",
                "starts_at",
                now.plusSeconds(3600).toString(),
                "ends_at",
                now.plusSeconds(7200).toString());
        assertThat(Rest.as(user.accessToken()).post(WINDOWS, Rest.json(ok)).status())
                .isEqualTo(403);
        assertThat(Rest.anon().post(WINDOWS, Rest.json(ok)).status()).isEqualTo(401);
        assertThat(Rest.as(user.accessToken()).get(WINDOWS).status()).isEqualTo(403);
        assertField(a.post(WINDOWS, Rest.json(with(ok, "maintenance_type", "feature"))), "affected_services");
        assertField(a.post(WINDOWS, Rest.json(with(ok, "maintenance_type", "weekly"))), "maintenance_type");
        assertField(a.post(WINDOWS, Rest.json(with(ok, "ends_at", now.toString()))), "ends_at");
        assertField(a.post(WINDOWS, Rest.json(with(ok, "starts_at", "tomorrow"))), "starts_at");
        assertField(a.post(WINDOWS, Rest.json(with(ok, "affected_services", List.of(1)))), "affected_services[0]");
        Response made = a.post(WINDOWS, Rest.json(ok));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        int id = made.json().path("id").asInt();
        try {
            assertThat(ownerQuery("select created_by from rotation.maintenance_windows where id = " + id))
                    .isEqualTo(Integer.toString(admin.id()));
            assertThat(ids(a.get(WINDOWS).json())).contains(id);
        } finally {
            assertThat(a.post(WINDOWS + "/" + id + "/complete", "{}")
                            .json()
                            .path("status")
                            .asText())
                    .isEqualTo("completed");
        }
    }

    private static void assertField(Response r, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().path("field").asText()).isEqualTo(field);
    }

    private static Map<String, Object> with(Map<String, Object> base, String k, Object v) {
        Map<String, Object> out = new java.util.HashMap<>(base);
        out.put(k, v);
        return out;
    }

    private static HttpResponse<String> post(String path, String body, @Nullable String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("apikey", server.anonKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<Integer> ids(JsonNode rows) {
        List<Integer> out = new java.util.ArrayList<>();
        rows.forEach(r -> out.add(r.path("id").asInt()));
        return out;
    }
}
