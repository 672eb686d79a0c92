package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/algorhythmic/telemetry}: events land in telemetry_events with the session's
 * counters, checked fields refuse the whole batch, sessions stay their owner's, and a database
 * that falls behind gets 429 rather than memory, with every acknowledged event kept.
 */
class TelemetryTest {

    private static final String PATH = "/api/v1/algorhythmic/telemetry";
    private static final TestServer server = TestServer.get();

    private static String batch(String sessionField, String... events) {
        StringJoiner list = new StringJoiner(",", "[", "]");
        for (String e : events) {
            list.add(e);
        }
        return "{" + sessionField + ",\"events\":" + list + "}";
    }

    private static String client(String clientSessionId) {
        return "\"session\":{\"client_session_id\":\"" + clientSessionId
                + "\",\"platform\":\"ios\",\"screen_size\":\"1170x2532\"}";
    }

    private static String event(String type, String data) {
        return "{\"event_type\":\"" + type + "\",\"event_data\":" + data + ",\"visual_state\":{\"palette\":\"dusk\"}}";
    }

    private static long count(String where) throws Exception {
        return Long.parseLong(
                OwnerSql.queryString("select count(*) from algorhythmic.telemetry_events where " + where));
    }

    @Test
    void eventsAreStoredAndTheSessionCountsThem() throws Exception {
        TestServer.TestUser u = server.newUser();
        Rest rest = Rest.as(u.accessToken());
        Rest.Response first = rest.post(
                PATH,
                batch(
                        client("c-1"),
                        event("interaction.tap", "{\"x\":1}"),
                        event("interaction.swipe", "{\"dir\":\"left\"}"),
                        event("frames_displayed", "{\"count\":120}"),
                        event("audio_peak", "{\"db\":-3.5,\"note\":\"tab\\tand\\nnewline \\\\ \\u00e9\"}")));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().path("accepted").asInt()).isEqualTo(4);
        String session = first.json().path("session_id").asText();

        // The same client session id goes on in the same session; session_end closes it.
        Rest.Response second = rest.post(
                PATH,
                batch(
                        client("c-1"),
                        event("interaction.vote", "{\"up\":true}"),
                        event("frames_displayed", "{\"count\":30}"),
                        event("session_end", "{}")));
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.json().path("session_id").asText()).isEqualTo(session);

        assertThat(OwnerSql.rows("select user_id || ' ' || client_session_id || ' ' || platform || ' '"
                        + " || total_interactions || ' ' || total_frames_displayed || ' ' || (ended_at is not null)"
                        + " from algorhythmic.rai_sessions where id = '" + session + "'"))
                .containsExactly(u.id() + " c-1 ios 3 150 true");
        assertThat(count("session_id = '" + session + "' and user_id = '" + u.id() + "'"))
                .isEqualTo(7);
        // Text goes through COPY's escaping unharmed; JSON stays JSON.
        assertThat(OwnerSql.queryString("select (event_data::jsonb)->>'note' from algorhythmic.telemetry_events"
                        + " where session_id = '" + session + "' and event_type = 'audio_peak'"))
                .isEqualTo("tab\tand\nnewline \\ é");
        assertThat(OwnerSql.queryString("select visual_state from algorhythmic.telemetry_events"
                        + " where session_id = '" + session + "' and event_type = 'audio_peak'"))
                .isEqualTo("{\"palette\":\"dusk\"}");

        // After session_end, the client session id opens a new session.
        Rest.Response third = rest.post(PATH, batch(client("c-1"), event("interaction.tap", "{}")));
        assertThat(third.status()).as(third.body()).isEqualTo(200);
        assertThat(third.json().path("session_id").asText()).isNotEqualTo(session);

        // The user reads their own events through the data API, as before.
        Rest.Response own = rest.with("Accept-Profile", "algorhythmic")
                .get("/telemetry_events?select=event_type&session_id=eq." + session);
        assertThat(own.json()).hasSize(7);
    }

    @Test
    void aBadEventRefusesTheWholeBatchAndNamesTheField() throws Exception {
        TestServer.TestUser u = server.newUser();
        Rest rest = Rest.as(u.accessToken());
        String ok = event("interaction.tap", "{}");
        String future = "{\"event_type\":\"x\",\"event_data\":{},\"timestamp\":\""
                + Instant.now().plus(Duration.ofHours(2)) + "\"}";
        String[][] cases = {
            {batch(client("bad"), ok, "{\"event_type\":\"has space\",\"event_data\":{}}"), "events[1].event_type"},
            {batch(client("bad"), ok, "{\"event_type\":\"x\"}"), "events[1].event_data"},
            {batch(client("bad"), future), "events[0].timestamp"},
            {
                batch(client("bad"), "{\"event_type\":\"x\",\"event_data\":{},\"timestamp\":\"yesterday\"}"),
                "events[0].timestamp"
            },
            {batch(client("bad"), event("frames_displayed", "{\"count\":-1}")), "events[0].event_data.count"},
            {batch(client("bad"), event("x", "{\"s\":\"\\u0000\"}")), "events[0].event_data"},
            {batch(client("bad"), "7"), "events[0]"},
            {"{" + client("bad") + ",\"events\":[]}", "events"},
            {batch("\"session\":{}", ok), "session.client_session_id"},
            {batch("\"nothing\":1", ok), "session"},
        };
        for (String[] c : cases) {
            Rest.Response r = rest.post(PATH, c[0]);
            assertThat(r.status()).as(c[0] + " → " + r.body()).isEqualTo(400);
            assertThat(r.json().path("field").asText()).as(r.body()).isEqualTo(c[1]);
        }
        StringJoiner tooMany = new StringJoiner(",");
        for (int i = 0; i < Telemetry.MAX_EVENTS + 1; i++) {
            tooMany.add(ok);
        }
        Rest.Response big = rest.post(PATH, "{" + client("bad") + ",\"events\":[" + tooMany + "]}");
        assertThat(big.status()).as(big.body()).isEqualTo(400);
        assertThat(count("user_id = '" + u.id() + "'")).isZero();
    }

    @Test
    void sessionsAreTheirOwnersAndAnonIsRefused() throws Exception {
        TestServer.TestUser owner = server.newUser();
        TestServer.TestUser other = server.newUser();
        Rest.Response mine =
                Rest.as(owner.accessToken()).post(PATH, batch(client("own"), event("interaction.tap", "{}")));
        String session = mine.json().path("session_id").asText();

        Rest.Response theirs = Rest.as(other.accessToken())
                .post(PATH, batch("\"session_id\":\"" + session + "\"", event("interaction.tap", "{}")));
        assertThat(theirs.status()).as(theirs.body()).isEqualTo(404);
        assertThat(Rest.anon()
                        .post(PATH, batch(client("anon"), event("x", "{}")))
                        .status())
                .isEqualTo(401);
        assertThat(count("session_id = '" + session + "'")).isEqualTo(1);

        Rest.Response byId = Rest.as(owner.accessToken())
                .post(PATH, batch("\"session_id\":\"" + session + "\"", event("interaction.tap", "{}")));
        assertThat(byId.status()).as(byId.body()).isEqualTo(200);
        assertThat(count("session_id = '" + session + "'")).isEqualTo(2);
    }

    /**
     * The writer is held up by a lock on the table, as by a database that has fallen behind: five
     * batches of a thousand fill the test server's room for 5,000 events, the sixth is refused
     * with 429 and Retry-After at once, and when the lock goes every acknowledged event is there
     * and none of the refused batch.
     */
    @Test
    void aSlowDatabaseGets429AndLosesNothingAcknowledged() throws Exception {
        TestServer.TestUser u = server.newUser();
        Rest rest = Rest.as(u.accessToken());
        String session = rest.post(PATH, batch(client("slow"), event("warmup", "{}")))
                .json()
                .path("session_id")
                .asText();
        StringJoiner thousand = new StringJoiner(",");
        for (int i = 0; i < 1000; i++) {
            thousand.add(event("interaction.tap", "{\"i\":" + i + "}"));
        }
        String full = "{\"session_id\":\"" + session + "\",\"events\":[" + thousand + "]}";
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        try (Connection lock = OwnerSql.owner()) {
            lock.setAutoCommit(false);
            OwnerSql.exec(lock, "lock table algorhythmic.telemetry_events in exclusive mode");
            for (int i = 0; i < 5; i++) {
                waiting.add(server.http().sendAsync(post(u, full), HttpResponse.BodyHandlers.ofString()));
            }
            Poll.until(
                    "five batches wait for the writer",
                    Duration.ofSeconds(10),
                    () -> server.component(Telemetry.class).writer().waitingRows() >= 5000);
            Rest.Response refused = rest.post(PATH, full);
            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).matches("[1-9][0-9]*");
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            lock.rollback();
        }
        for (CompletableFuture<HttpResponse<String>> w : waiting) {
            HttpResponse<String> r = w.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(count("session_id = '" + session + "' and event_type = 'interaction.tap'"))
                .isEqualTo(5000);
        assertThat(OwnerSql.queryString(
                        "select total_interactions from algorhythmic.rai_sessions where id = '" + session + "'"))
                .isEqualTo("5000");
    }

    private static HttpRequest post(TestServer.TestUser u, String body) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + PATH))
                .header("apikey", server.anonKey())
                .header("Authorization", "Bearer " + u.accessToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
