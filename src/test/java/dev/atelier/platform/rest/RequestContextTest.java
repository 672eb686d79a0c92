package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What PostgREST offers around a request (ADR 27), on the fixture's functions and table (V40):
 * request.method / path / headers / cookies visible to SQL, the pre-request function
 * (atelier.rest.pre-request, which the test server sets to rest_fixture.pre_request) and
 * response.headers / response.status set from SQL.
 */
class RequestContextTest {

    private static TestUser user;
    private static Rest rest;

    @BeforeAll
    static void signIn() {
        user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken());
    }

    private static String setting(Rest client, String name) {
        Rest.Response r = client.post("/rpc/request_setting", Rest.json(Map.of("name", name)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().asText();
    }

    private static JsonNode json(String text) throws IOException {
        return Rest.JSON.readTree(text);
    }

    private static void assertError(Rest.Response r, int status, String code, String message) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().get("code").asText()).as(r.toString()).isEqualTo(code);
        assertThat(r.json().get("message").asText()).as(r.toString()).isEqualTo(message);
        assertThat(r.header("Proxy-Status")).isEqualTo("PostgREST; error=" + code);
    }

    /** A raw request to the fixture schema, for headers Rest cannot send (the same name twice, cookies). */
    private static HttpResponse<String> raw(String method, String path, String body, String... headers)
            throws Exception {
        TestServer server = TestServer.get();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/rest/v1" + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("apikey", server.anonKey())
                .header("Authorization", "Bearer " + user.accessToken())
                .header("Accept-Profile", Fixtures.SCHEMA)
                .header("Content-Profile", Fixtures.SCHEMA)
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // Feature 1: request.method, request.path, request.headers, request.cookies.

    @Test
    void methodAndPathAreThoseOfTheRequestUnderTheApiRoot() {
        assertThat(setting(rest, "request.method")).isEqualTo("POST");
        assertThat(setting(rest, "request.path")).isEqualTo("/rpc/request_setting");
        Rest.Response get = rest.get("/rpc/request_setting?name=request.method");
        assertThat(get.status()).as(get.toString()).isEqualTo(200);
        assertThat(get.json().asText()).isEqualTo("GET");
        Rest.Response head = rest.with("X-Pre-Request", "headers").head("/characters?limit=1");
        assertThat(head.status()).as(head.toString()).isEqualTo(200);
        assertThat(head.header("X-Pre-Request")).isEqualTo("HEAD /characters");
    }

    @Test
    void headersAreAJsonObjectWithLowerCasedNamesAndTheAuthorization() throws Exception {
        JsonNode headers = json(
                setting(rest.with("X-Custom-Header", "test").with("Origin", "http://example.com"), "request.headers"));
        assertThat(headers.get("x-custom-header").asText()).isEqualTo("test");
        assertThat(headers.get("origin").asText()).isEqualTo("http://example.com");
        assertThat(headers.get("authorization").asText()).isEqualTo("Bearer " + user.accessToken());
        assertThat(headers.get("accept-profile").asText()).isEqualTo(Fixtures.SCHEMA);
        List<String> names = new java.util.ArrayList<>();
        headers.fieldNames().forEachRemaining(names::add);
        assertThat(names).allMatch(n -> n.equals(n.toLowerCase(java.util.Locale.ROOT)));
    }

    @Test
    void cookiesAreTheirOwnObjectAndNotAmongTheHeaders() throws Exception {
        HttpResponse<String> r = raw(
                "POST",
                "/rpc/request_setting",
                "{\"name\":\"request.cookies\"}",
                "Cookie",
                "acookie=cookievalue; secondcookie=another=value; bare");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(json(r.body()).asText()))
                .isEqualTo(json("{\"acookie\":\"cookievalue\",\"secondcookie\":\"another=value\",\"bare\":\"\"}"));

        HttpResponse<String> headers =
                raw("POST", "/rpc/request_setting", "{\"name\":\"request.headers\"}", "Cookie", "acookie=x");
        assertThat(json(json(headers.body()).asText()).has("cookie")).isFalse();

        Rest.Response none = rest.post("/rpc/request_setting", "{\"name\":\"request.cookies\"}");
        assertThat(none.json().asText()).isEqualTo("{}");
    }

    @Test
    void aHeaderSentTwiceIsPublishedWithItsLastValue() throws Exception {
        HttpResponse<String> r = raw(
                "POST",
                "/rpc/request_setting",
                "{\"name\":\"request.headers\"}",
                "X-Twice",
                "first",
                "X-Twice",
                "last");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(json(r.body()).asText()).get("x-twice").asText()).isEqualTo("last");
    }

    @Test
    void theCopyIsBoundedByTheServersHeaderLimit() throws Exception {
        // Within server.max-http-request-header-size (16 KB): copied whole.
        String big = "v".repeat(12 * 1024);
        JsonNode headers = json(setting(rest.with("X-Big", big), "request.headers"));
        assertThat(headers.get("x-big").asText()).isEqualTo(big);
        // Beyond it: Jetty refuses the request before it reaches the data API, let alone SQL.
        Rest.Response tooBig = rest.with("X-Big", "v".repeat(20 * 1024)).post("/rpc/request_setting", "{}");
        assertThat(tooBig.status()).as(tooBig.toString()).isEqualTo(431);
    }

    @Test
    void aServerWithALargerHeaderLimitIsStillBoundedAt431() {
        org.springframework.mock.web.MockHttpServletRequest http =
                new org.springframework.mock.web.MockHttpServletRequest("GET", "/rest/v1/characters");
        http.addHeader("X-Fits", "v".repeat(RequestContext.MAX_JSON_CHARS / 2));
        assertThat(RequestContext.of(http, "GET", "/characters").settings())
                .containsKeys("request.method", "request.path", "request.headers", "request.cookies");
        http.addHeader("X-Too-Much", "v".repeat(RequestContext.MAX_JSON_CHARS / 2));
        assertThatThrownBy(() -> RequestContext.of(http, "GET", "/characters"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status).isEqualTo(431);
                    assertThat(e.code).isEqualTo("PGRSTX02");
                });
    }

    @Test
    void theSettingsEndWithTheRequestsTransaction() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(rest.with("X-Leak", "yes").get("/characters?limit=1").status())
                    .isEqualTo(200);
        }
        Database database = TestServer.get().component(Database.class);
        for (int i = 0; i < 10; i++) {
            String leaked = database.transaction(Caller.anon(), tx -> {
                try (PreparedStatement ps = tx.connection()
                                .prepareStatement("select nullif(current_setting('request.headers', true), '')");
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertThat(leaked).isNull();
        }
    }

    @Test
    void aTransactionMakesCustomSettingsOnlyNeverTheRoleOrTheClaims() {
        Database database = TestServer.get().component(Database.class);
        for (String name : List.of("role", "search_path", "request.jwt.claims", "request.jwt.claim.sub")) {
            assertThatThrownBy(() -> database.transaction(Caller.anon(), false, Map.of(name, "x"), tx -> 1))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    // Feature 2: the pre-request function.

    @Test
    void thePreRequestRefusesWithPtStatusBeforeAWriteHappens() throws Exception {
        String note = "refused-" + UUID.randomUUID();
        Rest.Response r = rest.with("X-Pre-Request", "refuse").post("/receipts", Rest.json(Map.of("note", note)));
        assertError(r, 401, "PT401", "refused by the pre-request");
        assertThat(r.json().get("hint").asText()).isEqualTo("sign in first");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(rest.get("/receipts?note=eq." + note).json()).isEmpty();

        Rest.Response read = Fixtures.anon().with("X-Pre-Request", "refuse").get("/events?limit=1");
        assertError(read, 401, "PT401", "refused by the pre-request");
        // The OpenAPI root goes through it too, as in PostgREST.
        Rest.Response root = Fixtures.anon().with("X-Pre-Request", "refuse").get("/");
        assertError(root, 401, "PT401", "refused by the pre-request");
    }

    @Test
    void aPlainErrorOrAPrivilegeErrorOfThePreRequestKeepsItsUsualStatus() {
        assertError(rest.with("X-Pre-Request", "fail").get("/characters"), 400, "P0001", "the pre-request failed");
        assertError(rest.with("X-Pre-Request", "anon-only").get("/characters"), 403, "42501", "anonymous callers only");
        assertThat(Fixtures.anon()
                        .with("X-Pre-Request", "anon-only")
                        .get("/events")
                        .status())
                .isEqualTo(200);
        // GET runs read-only, the pre-request included (25006: 405); a POST may write.
        Rest.Response write = rest.with("X-Pre-Request", "write").get("/characters");
        assertThat(write.status()).as(write.toString()).isEqualTo(405);
        assertThat(write.json().get("code").asText()).isEqualTo("25006");
        assertThat(rest.with("X-Pre-Request", "write")
                        .post("/rpc/plus", "{\"a\":1}")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void thePreRequestSetsHeadersAndStatusOnEveryVerb() {
        Rest pre = rest.with("X-Pre-Request", "headers");
        assertThat(pre.get("/characters").header("X-Pre-Request")).isEqualTo("GET /characters");
        Rest.Response post = pre.post("/receipts", Rest.json(Map.of("note", "pre-" + UUID.randomUUID())));
        // The trigger's response.headers replaced the pre-request's (one setting, set twice).
        assertThat(post.status()).isEqualTo(202);
        assertThat(post.header("X-Pre-Request")).isNull();
        Rest.Response patch = pre.patch("/characters?name=eq.nobody", "{\"appearance\":\"x\"}");
        assertThat(patch.status()).isEqualTo(204);
        assertThat(patch.header("X-Pre-Request")).isEqualTo("PATCH /characters");
        Rest.Response delete = pre.delete("/characters?name=eq.nobody");
        assertThat(delete.header("X-Pre-Request")).isEqualTo("DELETE /characters");
        Rest.Response rpc = pre.post("/rpc/plus", "{\"a\":1}");
        assertThat(rpc.header("X-Pre-Request")).isEqualTo("POST /rpc/plus");
        // A function that sets none keeps the pre-request's; one that sets its own replaces them.
        Rest.Response own = pre.post("/rpc/respond_with", "{\"headers\":\"[{\\\"X-Own\\\":\\\"1\\\"}]\"}");
        assertThat(own.header("X-Own")).isEqualTo("1");
        assertThat(own.header("X-Pre-Request")).isNull();

        Rest.Response status = rest.with("X-Pre-Request", "status").get("/characters");
        assertThat(status.status()).isEqualTo(299);
        assertThat(status.header("Content-Range")).isNotNull();
    }

    // Feature 3: response.headers and response.status.

    @Test
    void aFunctionSetsHeadersAndStatus() {
        String headers = "[{\"X-Test\": \"key1=val1; someValue; key2=val2\"}, {\"X-Test-2\": \"key1=val1\"}]";
        Rest.Response r = rest.post("/rpc/respond_with", Rest.json(Map.of("headers", headers, "status", "201")));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.header("X-Test")).isEqualTo("key1=val1; someValue; key2=val2");
        assertThat(r.header("X-Test-2")).isEqualTo("key1=val1");
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().get("ok").asBoolean()).isTrue();

        // Over GET (a read-only transaction may still set them), and for HEAD.
        Rest.Response get = rest.get("/rpc/respond_with?status=418");
        assertThat(get.status()).isEqualTo(418);
        Rest.Response head = rest.head("/rpc/respond_rows?n=3&status=203");
        assertThat(head.status()).isEqualTo(203);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void headersSetTwiceAreBothSentAndOneNamedAsOursReplacesIt() {
        String cookies = "[{\"Set-Cookie\": \"sessionid=38afes7a8; HttpOnly; Path=/\"},"
                + " {\"Set-Cookie\": \"id=a3fWa; Secure; HttpOnly\"}]";
        Rest.Response r = rest.post("/rpc/respond_void", Rest.json(Map.of("headers", cookies)));
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.raw().headers().allValues("Set-Cookie"))
                .containsExactly("sessionid=38afes7a8; HttpOnly; Path=/", "id=a3fWa; Secure; HttpOnly");

        String type = "[{\"Content-Type\": \"application/custom+json\"}, {\"Content-Range\": \"0-0/42\"}]";
        Rest.Response rows = rest.post("/rpc/respond_rows", Rest.json(Map.of("n", 2, "headers", type)));
        assertThat(rows.status()).isEqualTo(200);
        assertThat(rows.raw().headers().allValues("Content-Type")).containsExactly("application/custom+json");
        assertThat(rows.raw().headers().allValues("Content-Range")).containsExactly("0-0/42");
        assertThat(rows.json().toString()).isEqualTo("[1,2]");

        // Content-Length and the like stay the server's: the body arrives whole.
        String framing = "[{\"Content-Length\": \"1\"}, {\"X-Kept\": \"yes\"}]";
        Rest.Response framed = rest.post("/rpc/respond_with", Rest.json(Map.of("headers", framing)));
        assertThat(framed.json().get("ok").asBoolean()).isTrue();
        assertThat(framed.header("X-Kept")).isEqualTo("yes");
    }

    @Test
    void invalidHeadersArePgrst111() {
        String message =
                "response.headers guc must be a JSON array composed of objects with a single key and a string value";
        for (String bad : List.of(
                "{\"X-Test\": \"invalid structure for headers\"}",
                "[\"invalid\", \"structure\", \"for\", \"headers\"]",
                "[{\"X-Test\": \"invalid\", \"X-Test-2\": \"structure\"}]",
                "[{\"X-Number\": 1}]",
                "not json",
                "[{\"X-Split\": \"a\\r\\nInjected: yes\"}]",
                "[{\"Bad Name\": \"a\"}]")) {
            Rest.Response r = rest.post("/rpc/respond_with", Rest.json(Map.of("headers", bad)));
            assertError(r, 500, "PGRST111", message);
            assertThat(r.header("Injected")).isNull();
        }
    }

    @Test
    void anInvalidStatusIsPgrst112AndAWriteIsRolledBack() {
        for (String bad : List.of("bad", "99", "600", "2001", "-1", " 201")) {
            assertError(
                    rest.post("/rpc/respond_with", Rest.json(Map.of("status", bad))),
                    500,
                    "PGRST112",
                    "response.status guc must be a valid status code");
        }
        String name = "bad-status-" + UUID.randomUUID();
        Rest.Response r = rest.with("X-Pre-Request", "bad-status")
                .post("/characters", Rest.json(Fixtures.character(user.id(), name, "brave", "kind")));
        assertError(r, 500, "PGRST112", "response.status guc must be a valid status code");
        assertThat(rest.get("/characters?name=eq." + name).json()).isEmpty();
    }

    @Test
    void triggersSetThemForWrites() {
        String note = "trigger-" + UUID.randomUUID();
        Rest.Response inserted = rest.post("/receipts", Rest.json(Map.of("note", note)));
        assertThat(inserted.status()).as(inserted.toString()).isEqualTo(202);
        assertThat(inserted.header("X-Receipt")).isEqualTo(note);

        Rest.Response represented =
                rest.with("Prefer", "return=representation").post("/receipts", Rest.json(Map.of("note", note + "-2")));
        assertThat(represented.status()).isEqualTo(202);
        assertThat(represented.header("X-Receipt")).isEqualTo(note + "-2");
        assertThat(represented.json().get(0).get("note").asText()).isEqualTo(note + "-2");

        Rest.Response updated = rest.patch("/receipts?note=eq." + note, "{\"note\":\"" + note + "-3\"}");
        assertThat(updated.status()).isEqualTo(205);
        // Unchanged rows fire no trigger: the usual status.
        assertThat(rest.patch("/receipts?note=eq.none-" + note, "{\"note\":\"x\"}")
                        .status())
                .isEqualTo(204);
        Set<String> notes = new HashSet<>(
                rest.get("/receipts?select=note&note=like." + note + "*").json().findValuesAsText("note"));
        assertThat(notes).containsExactlyInAnyOrder(note + "-2", note + "-3");
    }

    @Test
    void withoutSettingsTheResponseIsUnchanged() {
        Rest.Response r = rest.post("/rpc/respond_with", "{}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Range")).isEqualTo("0-0/*");
        assertThat(r.json().get("ok").asBoolean()).isTrue();
        Rest.Response rows = rest.get("/rpc/respond_rows?n=3");
        assertThat(rows.status()).isEqualTo(200);
        assertThat(rows.header("Content-Range")).isEqualTo("0-2/*");
    }

    @Test
    void thePreRequestNameMustBeSchemaQualified() {
        assertThat(Executor.preRequestFunction("rest_fixture.pre_request"))
                .isEqualTo("\"rest_fixture\".\"pre_request\"");
        assertThat(Executor.preRequestFunction("a\".b")).isEqualTo("\"a\"\"\".\"b\"");
        for (String bad : List.of("pre_request", "a.b.c", ".b", "a.")) {
            assertThatThrownBy(() -> Executor.preRequestFunction(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
