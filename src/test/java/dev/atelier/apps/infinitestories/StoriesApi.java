package dev.atelier.apps.infinitestories;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ledger.Ledger;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the InfiniteStories generation tests share: requests to /api/v1/infinitestories, heroes, polling, owner SQL. */
final class StoriesApi {

    static final TestServer server = TestServer.get();
    static final Duration WITHIN = Duration.ofSeconds(30);

    private StoriesApi() {}

    record Answer(int status, JsonNode json, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    static Answer call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .header("apikey", server.anonKey());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() ? Rest.JSON.nullNode() : Rest.JSON.readTree(r.body());
        return new Answer(r.statusCode(), json, r);
    }

    /** Starts a story about {@code event} (made unique, so no cache hit) and returns its id; 202 expected. */
    static String started(String token, String heroId, String event) throws Exception {
        Answer answer = story(token, heroId, event + " " + java.util.UUID.randomUUID());
        org.assertj.core.api.Assertions.assertThat(answer.status())
                .as(answer.json().toString())
                .isEqualTo(202);
        return answer.json().get("story_id").asText();
    }

    static Answer story(String token, String heroId, String event) throws Exception {
        return story(token, heroId, event, "en");
    }

    static Answer story(String token, String heroId, String event, String language) throws Exception {
        return call(
                "POST",
                "/api/v1/infinitestories/stories",
                token,
                Rest.json(Map.of(
                        "hero_id",
                        heroId,
                        "event_type",
                        "built_in",
                        "event_data",
                        Map.of("title", event),
                        "language",
                        language)));
    }

    static String hero(TestUser user, String name) {
        JsonNode created = Rest.as(user.accessToken())
                .with("Prefer", "return=representation")
                .post(
                        "/heroes",
                        Rest.json(Map.of(
                                "name",
                                name,
                                "primary_trait",
                                "brave",
                                "secondary_trait",
                                "kind",
                                "appearance",
                                "curly red hair",
                                "special_ability",
                                "talking to owls")))
                .json();
        return created.get(0).get("id").asText();
    }

    static AiProviders providers() {
        return server.component(AiProviders.class);
    }

    static void fault(String target, String fault) {
        providers().localFaults().set("infinitestories", target, fault);
    }

    static String text(String sql, Object... args) throws Exception {
        try (Connection c = server.ownerPool().getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static List<String> rows(String sql, Object... args) throws Exception {
        try (Connection c = server.ownerPool().getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    static int exec(String sql, Object... args) throws Exception {
        try (Connection c = server.ownerPool().getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            return s.executeUpdate();
        }
    }

    static String storyStatus(String storyId) throws Exception {
        return text("select status from infinitestories.stories where id = ?::uuid", storyId);
    }

    /** Waits until the story is completed or failed, and returns which. */
    static String settled(String storyId) throws Exception {
        Poll.until("story " + storyId + " settles", WITHIN, () -> {
            String s = storyStatus(storyId);
            return "completed".equals(s) || "failed".equals(s);
        });
        return storyStatus(storyId);
    }

    /** Waits until every illustration of the story is completed or failed. */
    static void illustrationsSettled(String storyId) throws Exception {
        Poll.until(
                "the illustrations of " + storyId + " settle",
                WITHIN,
                () -> "0"
                        .equals(text(
                                "select count(*) from infinitestories.story_illustrations where story_id = ?::uuid "
                                        + "and status not in ('completed', 'failed')",
                                storyId)));
    }

    static HttpResponse<byte[]> download(String path) throws Exception {
        return server.http()
                .send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
    }

    static void assertPng(String path) throws Exception {
        HttpResponse<byte[]> file = download(path);
        assertThat(file.statusCode()).as(path).isEqualTo(200);
        assertThat(file.body()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }

    /** The ledger has no drift (InfiniteStories charges nothing; the ledger must not notice it ran). */
    static void assertNoLedgerDrift() throws Exception {
        assertThat(server.component(Ledger.class).reconcile()).isEmpty();
    }
}
