package dev.atelier.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The HTTP layer every surface shares, over raw sockets where the wire matters: reason phrases on
 * the status line, PostgREST's raw query characters, every error as JSON in its surface's shape
 * (also those the container or Spring MVC raise), the /api/v1 body cap, X-Request-Id and the
 * request log.
 */
class HttpSurfaceTest {

    private static final TestServer server = TestServer.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final BlockingQueue<ILoggingEvent> requestLines = new LinkedBlockingQueue<>();
    private static final Appender appender = new Appender(requestLines);

    private static String host;
    private static int port;

    private static Level requestLevel;

    @BeforeAll
    static void connectAndListen() {
        URI base = URI.create(server.baseUrl());
        host = base.getHost();
        port = base.getPort();
        appender.start();
        Logger requests = (Logger) LoggerFactory.getLogger("atelier.request");
        requestLevel = requests.getLevel();
        requests.setLevel(Level.INFO); // logback-test.xml quiets it for the rest of the suite
        requests.addAppender(appender);
    }

    @AfterAll
    static void stopListening() {
        Logger requests = (Logger) LoggerFactory.getLogger("atelier.request");
        requests.detachAppender(appender);
        requests.setLevel(requestLevel);
    }

    // ---- status line ----

    @Test
    void statusLinesCarryTheReasonPhraseAsPostgrestsDo() throws IOException {
        assertThat(send("GET /health HTTP/1.1\r\n", "").statusLine).isEqualTo("HTTP/1.1 200 OK");
        TestServer.TestUser user = server.newUser();
        String hero = "{\"user_id\":\"" + user.id()
                + "\",\"name\":\"Ayla\",\"primary_trait\":\"brave\",\"secondary_trait\":\"kind\"}";
        Raw created = send(
                "POST /rest/v1/heroes HTTP/1.1\r\n",
                hero,
                "apikey: " + server.anonKey(),
                "Authorization: Bearer " + user.accessToken(),
                "Content-Type: application/json");
        assertThat(created.statusLine).as(created.body).isEqualTo("HTTP/1.1 201 Created");
        assertThat(send("GET /rest/v1/no_such_table HTTP/1.1\r\n", "", "apikey: " + server.anonKey()).statusLine)
                .isEqualTo("HTTP/1.1 404 Not Found");
        assertThat(send("GET /auth/v1/user HTTP/1.1\r\n", "", "apikey: " + server.anonKey()).statusLine)
                .isEqualTo("HTTP/1.1 401 Unauthorized");
    }

    @Test
    void postgrestQueryCharactersReachTheDataApiUnescaped() throws IOException {
        // As browsers' fetch and curl send them: { } [ ] | ^ ` " < > \ raw in the query string.
        Raw r = send(
                "GET /rest/v1/custom_events?select=id,title&id=in.(\"00000000-0000-0000-0000-000000000000\")"
                        + "&keywords=cs.{a,b}&description=match.^[ab]|c&title=like.*<>\\*&prompt_seed=neq.`x` HTTP/1.1\r\n",
                "",
                "apikey: " + server.anonKey());
        assertThat(r.statusLine).as(r.body).isEqualTo("HTTP/1.1 200 OK");
        assertThat(r.body).isEqualTo("[]");
    }

    @Test
    void aLongInFilterOfThreeHundredIdsFits() throws IOException {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            ids.append(i == 0 ? "" : "%2C").append(UUID.randomUUID());
        }
        // postgrest-js's .in() percent-encodes the list; with an anon key and a user token beside it.
        Raw r = send(
                "GET /rest/v1/custom_events?select=id&id=in.%28" + ids + "%29 HTTP/1.1\r\n",
                "",
                "apikey: " + server.anonKey(),
                "Authorization: Bearer " + server.newUser().accessToken());
        assertThat(r.statusLine).as(r.body).isEqualTo("HTTP/1.1 200 OK");
    }

    // ---- errors, in each surface's shape ----

    @Test
    void errorAskedForDirectlyIsA404Problem() throws IOException {
        assertProblem(send("GET /error HTTP/1.1\r\n", ""), 404);
    }

    @Test
    void unknownPathsAre404JsonEvenForBrowsers() throws IOException {
        assertProblem(send("GET /nope HTTP/1.1\r\n", "", "Accept: text/html"), 404);
        assertProblem(send("GET /api/v1/nope HTTP/1.1\r\n", ""), 404);
        assertGoTrue(send("GET /auth/v1/nope HTTP/1.1\r\n", "", "Accept: text/html"), 404, "not_found");
        Raw rest = send("GET /rest/v1/nope HTTP/1.1\r\n", "", "apikey: " + server.anonKey());
        assertPostgrest(rest, 404);
        assertThat(rest.json().get("code").asText()).isEqualTo("PGRST205");
    }

    @Test
    void domainEndpointsAnswerMethodAndMediaTypeMistakesAsProblems() throws IOException {
        Raw method = send("POST /api/v1/rotation/discogs-connection HTTP/1.1\r\n", "");
        assertProblem(method, 405);
        assertThat(method.header("Allow")).contains("GET").contains("PUT").contains("DELETE");
        Raw media = send("PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\n", "hi", "Content-Type: text/plain");
        assertProblem(media, 415);
        assertThat(media.json().get("detail").asText()).contains("text/plain");
        assertProblem(
                send(
                        "PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\n",
                        "{\"username\":",
                        "Content-Type: application/json"),
                400);
    }

    @Test
    void authAnswersMethodMistakesInGoTruesShape() throws IOException {
        assertGoTrue(send("DELETE /auth/v1/signup HTTP/1.1\r\n", ""), 405, "method_not_allowed");
    }

    @Test
    void tooLongUrlsAre414PostgrestJson() throws IOException {
        Raw r = send("GET /rest/v1/custom_events?select=" + "a".repeat(17 * 1024) + " HTTP/1.1\r\n", "");
        assertPostgrest(r, 414);
        assertThat(r.json().get("message").asText()).contains("16384 bytes");
    }

    @Test
    void tooLargeHeadersAre431InTheSurfacesShape() throws IOException {
        String big = "X-Padding: " + "a".repeat(17 * 1024);
        assertGoTrue(send("GET /auth/v1/user HTTP/1.1\r\n", "", big), 431, "request_too_large");
        assertPostgrest(send("GET /rest/v1/custom_events HTTP/1.1\r\n", "", big), 431);
        assertProblem(send("GET /api/v1/rotation/discogs-connection HTTP/1.1\r\n", "", big), 431);
    }

    @Test
    void requestsTheContainerRefusesAreJsonToo() throws IOException {
        assertPostgrest(send("GET /rest/v1/custom_events?id=in.(\"a b\") HTTP/1.1\r\n", ""), 400);
        assertPostgrest(send("GET /rest/v1/a%2Fb HTTP/1.1\r\n", ""), 400);
        assertProblem(sendRaw("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"), 400); // no Host
    }

    @Test
    void traceIsRefusedAndEchoesNothing() throws IOException {
        Raw r = send("TRACE /health HTTP/1.1\r\n", "", "Authorization: Bearer secret-token-value");
        assertProblem(r, 405);
        assertThat(r.body).doesNotContain("secret-token-value");
        assertPostgrest(
                send("TRACE /rest/v1/custom_events HTTP/1.1\r\n", "", "Authorization: Bearer secret-token-value"), 405);
        Raw preflight = send(
                "OPTIONS /auth/v1/token HTTP/1.1\r\n",
                "",
                "Origin: http://app.example",
                "Access-Control-Request-Method: POST");
        assertThat(preflight.statusLine).isEqualTo("HTTP/1.1 200 OK");
        assertThat(preflight.header("Allow")).contains("POST").doesNotContain("TRACE");
    }

    @Test
    void dataApiErrorsStayPostgrestsAndPreflightsStayItsOwn() throws IOException {
        Raw bad = send("GET /rest/v1/custom_events?id=nope.1 HTTP/1.1\r\n", "", "apikey: " + server.anonKey());
        assertPostgrest(bad, 400);
        assertThat(bad.json().get("code").asText()).isEqualTo("PGRST100");
        Raw preflight = send(
                "OPTIONS /rest/v1/custom_events HTTP/1.1\r\n",
                "",
                "Origin: http://app.example",
                "Access-Control-Request-Method: POST");
        assertThat(preflight.statusLine).isEqualTo("HTTP/1.1 200 OK");
        assertThat(preflight.header("Access-Control-Allow-Methods")).contains("PATCH");
        Raw head = send("HEAD /rest/v1/custom_events?select=id HTTP/1.1\r\n", "", "apikey: " + server.anonKey());
        assertThat(head.statusLine).isEqualTo("HTTP/1.1 200 OK");
        assertThat(head.body).isEmpty();
    }

    // ---- the /api/v1 body cap ----

    @Test
    void domainBodiesOverTheCapAre413BeforeAnyControllerReadsThem() throws IOException {
        String big = "{\"username\":\"" + "a".repeat(70_000) + "\"}";
        assertProblem(
                send("PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\n", big, "Content-Type: application/json"),
                413);

        // A declared length over the cap is refused without waiting for the body.
        assertProblem(
                sendRaw("PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"),
                413);

        // A chunked body that never ends is refused once the cap is passed: the server reads no further.
        String chunk = "a".repeat(70_000);
        assertProblem(
                sendRaw("PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"),
                413);
    }

    @Test
    void aDomainBodyCutShortIsA400Problem() throws IOException {
        assertProblem(
                sendRaw(
                        "PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\nHost: x\r\n"
                                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\":",
                        true),
                400);
    }

    @Test
    void domainBodiesWithinTheCapReachTheController() throws IOException {
        String body = "{\"username\":\"" + "a".repeat(60_000) + "\"}";
        Raw r = send(
                "PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\n",
                body,
                "Content-Type: application/json",
                "Transfer-Encoding: chunked");
        assertThat(r.status()).as(r.body).isNotEqualTo(413);
        assertThat(r.status()).isBetween(400, 499);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }

    // ---- X-Request-Id ----

    @Test
    void aSaneRequestIdIsEchoedAndAnyOtherReplaced() throws IOException {
        assertThat(send("GET /health HTTP/1.1\r\n", "", "X-Request-Id: trace-42.a:b")
                        .header("X-Request-Id"))
                .isEqualTo("trace-42.a:b");
        assertThat(send("GET /health HTTP/1.1\r\n", "").header("X-Request-Id")).matches(UUID_PATTERN);
        for (String insane : List.of("a".repeat(129), "two words", "<script>", "a\"b")) {
            assertThat(send("GET /health HTTP/1.1\r\n", "", "X-Request-Id: " + insane)
                            .header("X-Request-Id"))
                    .as(insane)
                    .matches(UUID_PATTERN);
        }
    }

    @Test
    void everyErrorCarriesTheRequestId() throws IOException {
        assertThat(send("GET /nope HTTP/1.1\r\n", "", "X-Request-Id: err-404").header("X-Request-Id"))
                .isEqualTo("err-404");
        assertThat(send("GET /rest/v1/nope HTTP/1.1\r\n", "", "X-Request-Id: err-rest")
                        .header("X-Request-Id"))
                .isEqualTo("err-rest");
        assertThat(send(
                                "PUT /api/v1/rotation/discogs-connection HTTP/1.1\r\n",
                                "x".repeat(70_000),
                                "Content-Type: application/json",
                                "X-Request-Id: err-413")
                        .header("X-Request-Id"))
                .isEqualTo("err-413");
        assertThat(send("GET /rest/v1/x?select=" + "a".repeat(17 * 1024) + " HTTP/1.1\r\n", "")
                        .header("X-Request-Id"))
                .matches(UUID_PATTERN);
    }

    // ---- the request log ----

    @Test
    void everyRequestIsLoggedOnceWithRoleAndIdButNeverItsQueryOrCredentials() throws Exception {
        TestServer.TestUser user = server.newUser();
        String id = "log-" + UUID.randomUUID();
        send(
                "GET /rest/v1/heroes?select=id&name=eq.secret-filter-value HTTP/1.1\r\n",
                "",
                "apikey: " + server.anonKey(),
                "Authorization: Bearer " + user.accessToken(),
                "X-Request-Id: " + id);
        String line = lineFor(id);
        assertThat(line).isEqualTo("GET /rest/v1/heroes 200 " + millis(line) + "ms role=authenticated id=" + id);
        assertThat(line)
                .doesNotContain(user.accessToken())
                .doesNotContain(server.anonKey())
                .doesNotContain("secret-filter-value")
                .doesNotContain("select");

        String anon = "log-" + UUID.randomUUID();
        send(
                "GET /rest/v1/custom_events?select=id HTTP/1.1\r\n",
                "",
                "apikey: " + server.anonKey(),
                "X-Request-Id: " + anon);
        assertThat(lineFor(anon)).startsWith("GET /rest/v1/custom_events 200 ").endsWith("role=anon id=" + anon);

        String service = "log-" + UUID.randomUUID();
        send(
                "GET /rest/v1/custom_events?select=id HTTP/1.1\r\n",
                "",
                "apikey: " + server.serviceKey(),
                "X-Request-Id: " + service);
        assertThat(lineFor(service)).endsWith("role=service_role id=" + service);

        String auth = "log-" + UUID.randomUUID();
        send(
                "GET /auth/v1/user HTTP/1.1\r\n",
                "",
                "apikey: " + server.anonKey(),
                "Authorization: Bearer " + user.accessToken(),
                "X-Request-Id: " + auth);
        assertThat(lineFor(auth)).startsWith("GET /auth/v1/user 200 ").endsWith("role=authenticated id=" + auth);

        String signIn = "log-" + UUID.randomUUID();
        send(
                "POST /auth/v1/token?grant_type=password HTTP/1.1\r\n",
                "{\"email\":\"" + user.email() + "\",\"password\":\"correct horse battery\"}",
                "apikey: " + server.anonKey(),
                "Content-Type: application/json",
                "X-Request-Id: " + signIn);
        assertThat(lineFor(signIn))
                .startsWith("POST /auth/v1/token 200 ")
                .endsWith("role=- id=" + signIn)
                .doesNotContain("correct horse")
                .doesNotContain(user.email())
                .doesNotContain("grant_type");

        String missing = "log-" + UUID.randomUUID();
        send("GET /nope?token=abc HTTP/1.1\r\n", "", "X-Request-Id: " + missing);
        assertThat(lineFor(missing)).startsWith("GET /nope 404 ").endsWith("role=- id=" + missing);

        String refused = "log-" + UUID.randomUUID();
        send("GET /rest/v1/a%2Fb HTTP/1.1\r\n", "", "X-Request-Id: " + refused);
        assertThat(lineFor(refused)).startsWith("GET /rest/v1/a%2Fb 400 ").endsWith("role=- id=" + refused);

        assertThat(requestLines.stream().filter(e -> e.getFormattedMessage().endsWith(" id=" + id)))
                .as("once")
                .isEmpty();
    }

    @Test
    void linesLoggedWhileARequestRunsCarryItsId() throws Exception {
        // Spring MVC's note about an unknown path is logged inside the request.
        Logger pageNotFound = (Logger) LoggerFactory.getLogger("org.springframework.web.servlet.PageNotFound");
        BlockingQueue<ILoggingEvent> events = new LinkedBlockingQueue<>();
        Appender inside = new Appender(events);
        inside.start();
        Level level = pageNotFound.getLevel();
        pageNotFound.setLevel(Level.WARN);
        pageNotFound.addAppender(inside);
        try {
            send("GET /nothing-here HTTP/1.1\r\n", "", "X-Request-Id: mdc-check");
            ILoggingEvent event = events.poll(5, TimeUnit.SECONDS);
            assertThat(event).isNotNull();
            assertThat(event.getMDCPropertyMap()).containsEntry(RequestLog.MDC_KEY, "mdc-check");
        } finally {
            pageNotFound.detachAppender(inside);
            pageNotFound.setLevel(level);
        }
        lineFor("mdc-check");
    }

    // ---- helpers ----

    /** The request log line of the request with this id; the line is written as the response completes. */
    private static String lineFor(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<ILoggingEvent> others = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                ILoggingEvent event = requestLines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event == null) {
                    break;
                }
                if (event.getFormattedMessage().endsWith(" id=" + id)) {
                    assertThat(event.getLevel()).isEqualTo(Level.INFO);
                    return event.getFormattedMessage();
                }
                others.add(event);
            }
        } finally {
            requestLines.addAll(others);
        }
        throw new AssertionError("no request log line for " + id);
    }

    private static String millis(String line) {
        return line.replaceAll("^.* (\\d+)ms .*$", "$1");
    }

    private static void assertProblem(Raw r, int status) {
        assertThat(r.status()).as(r.statusLine + " " + r.body).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode json = r.json();
        assertThat(json.get("status").asInt()).isEqualTo(status);
        assertThat(json.get("title").asText()).isNotBlank();
        assertThat(json.get("detail").asText()).isNotBlank();
    }

    private static void assertGoTrue(Raw r, int status, String errorCode) {
        assertThat(r.status()).as(r.statusLine + " " + r.body).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode json = r.json();
        assertThat(json.get("code").asInt()).isEqualTo(status);
        assertThat(json.get("error_code").asText()).isEqualTo(errorCode);
        assertThat(json.get("msg").asText()).isNotBlank();
    }

    private static void assertPostgrest(Raw r, int status) {
        assertThat(r.status()).as(r.statusLine + " " + r.body).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode json = r.json();
        assertThat(json.get("code").asText()).isNotBlank();
        assertThat(json.get("message").asText()).isNotBlank();
        assertThat(json.has("details") && json.has("hint")).isTrue();
    }

    /** A request line, a body (sent with its Content-Length unless chunked) and headers, on a new connection. */
    private static Raw send(String requestLine, String body, String... headers) throws IOException {
        StringBuilder request =
                new StringBuilder(requestLine).append("Host: ").append(host).append("\r\n");
        boolean chunked = false;
        for (String header : headers) {
            request.append(header).append("\r\n");
            chunked |= header.toLowerCase(Locale.ROOT).startsWith("transfer-encoding: chunked");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (chunked) {
            request.append("Connection: close\r\n\r\n")
                    .append(Integer.toHexString(bytes.length))
                    .append("\r\n")
                    .append(body)
                    .append("\r\n0\r\n\r\n");
        } else {
            if (!body.isEmpty()) {
                request.append("Content-Length: ").append(bytes.length).append("\r\n");
            }
            request.append("Connection: close\r\n\r\n").append(body);
        }
        return sendRaw(request.toString());
    }

    private static Raw sendRaw(String request) throws IOException {
        return sendRaw(request, false);
    }

    /**
     * Writes the bytes as they are (then, if {@code thenHangUp}, stops sending) and reads the
     * response until the server closes the connection.
     */
    private static Raw sendRaw(String request, boolean thenHangUp) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (thenHangUp) {
                socket.shutdownOutput();
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    response.write(buffer, 0, n);
                    if (Raw.complete(response.toString(StandardCharsets.ISO_8859_1))) {
                        break;
                    }
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no complete response within 10 s; got: " + response, e);
            } catch (IOException e) {
                // The server may close while the client is still sending a refused body; what arrived counts.
                if (response.size() == 0) {
                    throw e;
                }
            }
            return Raw.parse(response.toString(StandardCharsets.UTF_8));
        }
    }

    /** A response as it came over the wire. */
    private record Raw(String statusLine, Map<String, String> headers, String body) {

        static Raw parse(String text) {
            int end = text.indexOf("\r\n\r\n");
            String[] head = (end < 0 ? text : text.substring(0, end)).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                headers.merge(
                        head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        head[i].substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
            String body = end < 0 ? "" : text.substring(end + 4);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = dechunk(body);
            }
            return new Raw(head[0], headers, body);
        }

        /** Whether the response is all there: by Content-Length, the last chunk, or a HEAD-like empty body. */
        static boolean complete(String text) {
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                return false;
            }
            Raw partial = parse(text.substring(0, end + 4));
            String length = partial.headers.get("content-length");
            int bodyBytes = text.length() - end - 4;
            if (length != null) {
                return bodyBytes >= Integer.parseInt(length);
            }
            if ("chunked".equalsIgnoreCase(partial.headers.get("transfer-encoding"))) {
                return text.endsWith("\r\n0\r\n\r\n");
            }
            return false;
        }

        private static String dechunk(String chunked) {
            StringBuilder out = new StringBuilder();
            int at = 0;
            while (true) {
                int eol = chunked.indexOf("\r\n", at);
                int size = Integer.parseInt(chunked.substring(at, eol).trim(), 16);
                if (size == 0) {
                    return out.toString();
                }
                out.append(chunked, eol + 2, eol + 2 + size);
                at = eol + 2 + size + 2;
            }
        }

        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + statusLine + " " + body, e);
            }
        }
    }

    /** Collects the events of the loggers it is attached to. */
    private static final class Appender extends AppenderBase<ILoggingEvent> {

        private final BlockingQueue<ILoggingEvent> events;

        Appender(BlockingQueue<ILoggingEvent> events) {
            this.events = events;
        }

        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            events.add(event);
        }
    }
}
