package dev.atelier.platform.rest;

import dev.atelier.testing.Rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Profiles, OpenAPI, CORS, authentication errors and schema-cache reloads of /rest/v1. */
class ApiSurfaceTest {

    @AfterAll
    static void dropFixtures() {
        Fixtures.dropObjects();
    }

    @BeforeAll
    static void fixtures() {
        Fixtures.ensureObjects();
    }

    private static void assertError(Rest.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonNode json = r.json();
        assertThat(json.get("code").asText()).as(r.toString()).isEqualTo(code);
        assertThat(json.has("message") && json.has("details") && json.has("hint")).isTrue();
    }

    @Test
    void theExposedSchemaIsSelectedByProfileHeadersAndEchoed() {
        Rest.Response read = Rest.anon().with("Accept-Profile", "infinitestories").get("/custom_events?limit=1");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("Content-Profile")).isEqualTo("infinitestories");
        // PostgREST echoes the default only when several schemas are exposed, and then it is the first.
        String implicit = Rest.anon().get("/custom_events?limit=1").header("Content-Profile");
        assertThat(implicit == null || implicit.equals("infinitestories")).as(String.valueOf(implicit)).isTrue();
    }

    @Test
    void anotherExposedSchemaIsReachedThroughItsProfile() {
        String message = Rest.anon().with("Accept-Profile", "no_such_schema").get("/").json().get("message").asText();
        String[] exposed = message.substring(message.indexOf(':') + 1).trim().split(",\\s*");
        assertThat(exposed[0]).as("the default profile comes first").isEqualTo("infinitestories");
        for (String schema : exposed) {
            Rest.Response r = Rest.service().with("Accept-Profile", schema).get("/");
            assertThat(r.status()).as(schema).isEqualTo(200);
            assertThat(r.header("Content-Profile")).isEqualTo(schema);
            assertThat(r.json().get("paths").has("/heroes")).as(schema).isEqualTo(schema.equals("infinitestories"));
        }
        if (exposed.length > 1) {
            Rest.Response wrongSchema = Rest.service().with("Accept-Profile", exposed[1]).get("/heroes");
            assertError(wrongSchema, 404, "PGRST205");
            assertThat(wrongSchema.json().get("message").asText()).contains("'" + exposed[1] + ".heroes'");
        }
    }

    @Test
    void anUnknownProfileIs406Pgrst106() {
        Rest.Response read = Rest.anon().with("Accept-Profile", "auth").get("/users");
        assertError(read, 406, "PGRST106");
        assertThat(read.json().get("message").asText()).startsWith("The schema must be one of the following: infinitestories");
        assertError(Rest.service().with("Content-Profile", "public").post("/heroes", "{}"), 406, "PGRST106");
        assertError(Rest.anon().with("Accept-Profile", "platform").get("/"), 406, "PGRST106");
    }

    @Test
    void openApiListsOnlyWhatTheRoleMayUse() {
        Rest.Response anon = Rest.anon().get("/");
        assertThat(anon.status()).isEqualTo(200);
        assertThat(anon.header("Content-Type")).startsWith("application/openapi+json");
        JsonNode doc = anon.json();
        assertThat(doc.get("swagger").asText()).isEqualTo("2.0");
        assertThat(doc.get("basePath").asText()).isEqualTo("/rest/v1");
        assertThat(doc.get("paths").has("/custom_events")).isTrue();
        assertThat(doc.get("paths").get("/custom_events").has("get")).isTrue();
        assertThat(doc.get("paths").get("/custom_events").has("post")).as("anon may only read events").isFalse();
        assertThat(doc.get("paths").has("/heroes")).as("anon has no privileges on heroes").isFalse();
        assertThat(doc.get("paths").has("/rpc/cleanup_expired_cache")).isFalse();
        assertThat(doc.get("paths").has("/rpc/rest_fixture_add")).as("the fixtures grant it to anon").isTrue();

        JsonNode service = Rest.service().with("Accept", "application/json").get("/").json();
        assertThat(service.get("paths").has("/heroes")).isTrue();
        assertThat(service.get("paths").get("/heroes").has("delete")).isTrue();
        assertThat(service.get("paths").has("/rpc/cleanup_expired_cache")).isTrue();
        JsonNode heroes = service.get("definitions").get("heroes");
        assertThat(heroes.get("properties").get("id").get("format").asText()).isEqualTo("uuid");
        assertThat(heroes.get("properties").get("id").get("description").asText()).contains("Primary Key");
        assertThat(heroes.get("properties").get("play_count")).isNull();
        assertThat(service.get("definitions").get("stories").get("properties").get("play_count").get("type").asText())
                .isEqualTo("integer");
        assertThat(heroes.get("required").toString()).contains("\"name\"").doesNotContain("\"id\"");
    }

    /** Issue 6, finding 5: no column name the role cannot use, no function it cannot execute. */
    @Test
    void openApiNamesOnlyColumnsAndFunctionsTheRoleMayUse() {
        JsonNode anon = Rest.anon().with("Accept-Profile", "rotation").get("/").json();
        JsonNode settings = anon.path("definitions").path("settings").path("properties");
        assertThat(settings.has("value")).as(settings.toString()).isTrue();
        assertThat(settings.has("value_encrypted")).as("anon holds no privilege on the sealed value").isFalse();
        assertThat(anon.path("parameters").has("rowFilter.settings.value")).isTrue();
        assertThat(anon.path("parameters").has("rowFilter.settings.value_encrypted")).isFalse();
        assertThat(anon.toString()).doesNotContain("value_encrypted").doesNotContain("access_token_encrypted");
        assertThat(anon.path("paths").has("/rpc/evaluate_feature_flag")).isTrue();
        assertThat(anon.path("paths").has("/rpc/murmur3_32")).as("not executable by anon").isFalse();
        assertThat(anon.path("paths").has("/rpc/evaluate_flag_condition")).isFalse();

        JsonNode service = Rest.service().with("Accept-Profile", "rotation").get("/").json();
        assertThat(service.path("definitions").path("settings").path("properties").has("value_encrypted")).isTrue();
        assertThat(service.path("paths").has("/rpc/murmur3_32")).isTrue();
    }

    @Test
    void preflightIsAnsweredForBrowsers() {
        Rest.Response r = Rest.anon().with("Origin", "https://app.example").with("Access-Control-Request-Method", "PATCH")
                .with("Access-Control-Request-Headers", "authorization, apikey, content-type, prefer, x-client-info, x-custom")
                .send("OPTIONS", "/heroes", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Methods")).contains("PATCH").contains("DELETE");
        assertThat(r.header("Access-Control-Allow-Headers")).contains("apikey").contains("prefer").contains("range")
                .contains("accept-profile").contains("content-profile").contains("x-client-info")
                .contains("x-supabase-api-version").contains("x-custom");
    }

    @Test
    void errorsCarryCorsHeadersToo() {
        Rest.Response r = Rest.anon().with("Origin", "https://app.example").get("/no_such_table");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void anExpiredTokenIs401Pgrst303WithWwwAuthenticate() {
        Rest.Response r = Rest.as(Fixtures.token("authenticated", Instant.now().minusSeconds(60))).get("/heroes");
        assertError(r, 401, "PGRST303");
        assertThat(r.json().get("message").asText()).isEqualTo("JWT expired");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer error=\"invalid_token\", error_description=\"JWT expired\"");
    }

    @Test
    void aForgedTokenIs401Pgrst301() {
        Rest.Response r = Rest.as(Fixtures.forgedToken("service_role")).get("/cache_entries");
        assertError(r, 401, "PGRST301");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
    }

    @Test
    void aValidSelfSignedTokenIsAccepted() {
        assertThat(Rest.as(Fixtures.token("service_role", Instant.now().plusSeconds(60))).get("/cache_entries?limit=1").status())
                .isEqualTo(200);
    }

    @Test
    void aTableCreatedAfterStartIsFoundWithoutARestart() throws Exception {
        String name = "rest_fixture_late_" + Long.toHexString(System.nanoTime());
        try (Connection c = TestServer.get().ownerDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("create table infinitestories." + name + " (id int primary key); grant select on infinitestories."
                      + name + " to anon; insert into infinitestories." + name + " values (7)");
        }
        long deadline = System.currentTimeMillis() + 5_000;
        Rest.Response r = Rest.anon().get("/" + name);
        while (r.status() == 404 && System.currentTimeMillis() < deadline) {
            Thread.sleep(250);
            r = Rest.anon().get("/" + name);
        }
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get(0).get("id").asInt()).isEqualTo(7);
        try (Connection c = TestServer.get().ownerDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("drop table infinitestories." + name);
        }
    }
}
