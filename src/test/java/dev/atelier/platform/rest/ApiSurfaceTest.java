package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Profiles, OpenAPI, CORS, authentication errors and schema-cache reloads of /rest/v1. */
class ApiSurfaceTest {

    private static void assertError(Rest.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        JsonNode json = r.json();
        assertThat(json.get("code").asText()).as(r.toString()).isEqualTo(code);
        assertThat(json.has("message") && json.has("details") && json.has("hint"))
                .isTrue();
    }

    /** The exposed schemas in configuration order (atelier.rest.schemas; the tests add theirs last). */
    private static List<String> exposed() {
        return TestServer.get().component(SchemaCache.class).schemas();
    }

    @Test
    void theExposedSchemaIsSelectedByProfileHeadersAndEchoed() {
        Rest.Response read = Rest.anon().with("Accept-Profile", Fixtures.SCHEMA).get("/events?limit=1");
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("Content-Profile")).isEqualTo(Fixtures.SCHEMA);
        // PostgREST echoes the default only when several schemas are exposed, and then it is the first.
        String implicit = Rest.anon().get("/").header("Content-Profile");
        assertThat(implicit == null || implicit.equals(exposed().get(0)))
                .as(String.valueOf(implicit))
                .isTrue();
        Rest.Response elsewhere = Rest.anon().get("/events?limit=1");
        assertError(elsewhere, 404, "PGRST205");
        assertThat(elsewhere.json().get("message").asText())
                .as("without a profile, the default schema")
                .contains("'" + exposed().get(0) + ".events'");
    }

    @Test
    void anotherExposedSchemaIsReachedThroughItsProfile() {
        String message = Rest.anon()
                .with("Accept-Profile", "no_such_schema")
                .get("/")
                .json()
                .get("message")
                .asText();
        List<String> listed =
                List.of(message.substring(message.indexOf(':') + 1).trim().split(",\\s*"));
        assertThat(listed)
                .as("the configured schemas, the default profile first")
                .isEqualTo(exposed());
        assertThat(listed).contains(Fixtures.SCHEMA).hasSizeGreaterThan(1);
        for (String schema : listed) {
            Rest.Response r = Rest.service().with("Accept-Profile", schema).get("/");
            assertThat(r.status()).as(schema).isEqualTo(200);
            assertThat(r.header("Content-Profile")).isEqualTo(schema);
            assertThat(r.json().get("paths").has("/characters")).as(schema).isEqualTo(schema.equals(Fixtures.SCHEMA));
        }
        String other = listed.stream()
                .filter(schema -> !schema.equals(Fixtures.SCHEMA))
                .findFirst()
                .orElseThrow();
        Rest.Response wrongSchema = Rest.service().with("Accept-Profile", other).get("/characters");
        assertError(wrongSchema, 404, "PGRST205");
        assertThat(wrongSchema.json().get("message").asText()).contains("'" + other + ".characters'");
    }

    @Test
    void anUnknownProfileIs406Pgrst106() {
        Rest.Response read = Fixtures.anon().with("Accept-Profile", "auth").get("/users");
        assertError(read, 406, "PGRST106");
        assertThat(read.json().get("message").asText())
                .isEqualTo("The schema must be one of the following: " + String.join(", ", exposed()));
        assertError(Fixtures.service().with("Content-Profile", "public").post("/characters", "{}"), 406, "PGRST106");
        assertError(Fixtures.anon().with("Accept-Profile", "platform").get("/"), 406, "PGRST106");
    }

    @Test
    void openApiListsOnlyWhatTheRoleMayUse() {
        Rest.Response anon = Fixtures.anon().get("/");
        assertThat(anon.status()).isEqualTo(200);
        assertThat(anon.header("Content-Type")).startsWith("application/openapi+json");
        JsonNode doc = anon.json();
        assertThat(doc.get("swagger").asText()).isEqualTo("2.0");
        assertThat(doc.get("basePath").asText()).isEqualTo("/rest/v1");
        assertThat(doc.get("paths").has("/events")).isTrue();
        assertThat(doc.get("paths").get("/events").has("get")).isTrue();
        assertThat(doc.get("paths").get("/events").has("post"))
                .as("anon may only read events")
                .isFalse();
        assertThat(doc.get("paths").has("/characters"))
                .as("anon has no privileges on characters")
                .isFalse();
        assertThat(doc.get("paths").has("/rpc/purge_expired_vault")).isFalse();
        assertThat(doc.get("paths").has("/rpc/plus"))
                .as("the fixtures grant it to anon")
                .isTrue();

        JsonNode service =
                Fixtures.service().with("Accept", "application/json").get("/").json();
        assertThat(service.get("paths").has("/characters")).isTrue();
        assertThat(service.get("paths").get("/characters").has("delete")).isTrue();
        assertThat(service.get("paths").has("/rpc/purge_expired_vault")).isTrue();
        JsonNode characters = service.get("definitions").get("characters");
        assertThat(characters.get("properties").get("id").get("format").asText())
                .isEqualTo("uuid");
        assertThat(characters.get("properties").get("id").get("description").asText())
                .contains("Primary Key");
        assertThat(characters.get("properties").get("play_count")).isNull();
        assertThat(service.get("definitions")
                        .get("tales")
                        .get("properties")
                        .get("play_count")
                        .get("type")
                        .asText())
                .isEqualTo("integer");
        assertThat(characters.get("required").toString()).contains("\"name\"").doesNotContain("\"id\"");
    }

    /** Issue 6, finding 5: no column name the role cannot use, no function it cannot execute. */
    @Test
    void openApiNamesOnlyColumnsAndFunctionsTheRoleMayUse() {
        JsonNode anon = Fixtures.anon().get("/").json();
        JsonNode notes = anon.path("definitions").path("notes").path("properties");
        assertThat(notes.has("body")).as(notes.toString()).isTrue();
        assertThat(notes.has("sealed_secret"))
                .as("anon holds no privilege on the sealed column")
                .isFalse();
        assertThat(anon.path("parameters").has("rowFilter.notes.body")).isTrue();
        assertThat(anon.path("parameters").has("rowFilter.notes.sealed_secret")).isFalse();
        assertThat(anon.toString()).doesNotContain("sealed_secret");
        assertThat(anon.path("paths").has("/rpc/plus")).isTrue();
        assertThat(anon.path("paths").has("/rpc/purge_expired_vault"))
                .as("not executable by anon")
                .isFalse();

        JsonNode service = Fixtures.service().get("/").json();
        assertThat(service.path("definitions").path("notes").path("properties").has("sealed_secret"))
                .isTrue();
        assertThat(service.path("paths").has("/rpc/purge_expired_vault")).isTrue();
    }

    @Test
    void aSealedColumnCannotBeReadOrFilteredByTheRolesDeniedIt() {
        Rest.Response open = Fixtures.anon().get("/notes?select=id,body");
        assertThat(open.status()).as(open.toString()).isEqualTo(200);
        assertThat(open.json().get(0).path("body").asText()).isEqualTo("open to everyone");
        assertError(Fixtures.anon().get("/notes?select=sealed_secret"), 401, "42501");
        assertThat(Fixtures.service()
                        .get("/notes?select=sealed_secret")
                        .json()
                        .get(0)
                        .path("sealed_secret")
                        .asText())
                .isEqualTo("for the service role only");
    }

    @Test
    void preflightIsAnsweredForBrowsers() {
        Rest.Response r = Fixtures.anon()
                .with("Origin", "https://app.example")
                .with("Access-Control-Request-Method", "PATCH")
                .with(
                        "Access-Control-Request-Headers",
                        "authorization, apikey, content-type, prefer, x-client-info, x-custom")
                .send("OPTIONS", "/characters", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Methods")).contains("PATCH").contains("DELETE");
        assertThat(r.header("Access-Control-Allow-Headers"))
                .contains("apikey")
                .contains("prefer")
                .contains("range")
                .contains("accept-profile")
                .contains("content-profile")
                .contains("x-client-info")
                .contains("x-supabase-api-version")
                .contains("x-custom");
    }

    @Test
    void errorsCarryCorsHeadersToo() {
        Rest.Response r = Fixtures.anon().with("Origin", "https://app.example").get("/no_such_table");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void anExpiredTokenIs401Pgrst303WithWwwAuthenticate() {
        Rest.Response r = Fixtures.as(
                        Fixtures.token("authenticated", Instant.now().minusSeconds(60)))
                .get("/characters");
        assertError(r, 401, "PGRST303");
        assertThat(r.json().get("message").asText()).isEqualTo("JWT expired");
        assertThat(r.header("WWW-Authenticate"))
                .isEqualTo("Bearer error=\"invalid_token\", error_description=\"JWT expired\"");
    }

    @Test
    void aForgedTokenIs401Pgrst301() {
        Rest.Response r = Fixtures.as(Fixtures.forgedToken("service_role")).get("/vault_entries");
        assertError(r, 401, "PGRST301");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
    }

    @Test
    void aValidSelfSignedTokenIsAccepted() {
        assertThat(Fixtures.as(Fixtures.token("service_role", Instant.now().plusSeconds(60)))
                        .get("/vault_entries?limit=1")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aTableCreatedAfterStartIsFoundWithoutARestart() throws Exception {
        String name = "late_" + Long.toHexString(System.nanoTime());
        try (Connection c = TestServer.get().ownerDataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("create table rest_fixture." + name + " (id int primary key); grant select on rest_fixture."
                    + name + " to anon; insert into rest_fixture." + name + " values (7)");
        }
        Rest.Response[] last = new Rest.Response[1];
        Poll.until("the new table is served", Duration.ofSeconds(5), () -> {
            last[0] = Fixtures.anon().get("/" + name);
            return last[0].status() != 404;
        });
        Rest.Response r = last[0];
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get(0).get("id").asInt()).isEqualTo(7);
        try (Connection c = TestServer.get().ownerDataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("drop table rest_fixture." + name);
        }
    }
}
