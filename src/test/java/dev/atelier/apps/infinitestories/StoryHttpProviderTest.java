package dev.atelier.apps.infinitestories;

import static dev.atelier.apps.infinitestories.StoriesApi.assertPng;
import static dev.atelier.apps.infinitestories.StoriesApi.hero;
import static dev.atelier.apps.infinitestories.StoriesApi.providers;
import static dev.atelier.apps.infinitestories.StoriesApi.rows;
import static dev.atelier.apps.infinitestories.StoriesApi.server;
import static dev.atelier.apps.infinitestories.StoriesApi.story;
import static dev.atelier.apps.infinitestories.StoriesApi.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OpenAiStub;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer.TestUser;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same flow with the OpenAI-compatible HTTP provider against a local server that speaks the
 * API ({@link OpenAiStub}): a story written, cut into scenes, moderated and illustrated remotely;
 * 5xx answers ending the story failed; a 429 with Retry-After then success; a provider too slow
 * for the call's timeout.
 */
class StoryHttpProviderTest {

    private static final String PROVIDER = "stories-stub";
    private static OpenAiStub stub;
    private static TestUser user;
    private static String heroId;
    private static StoryJobs jobs;
    private static TestEngine second;

    @BeforeAll
    static void routeInfiniteStoriesToTheStub() {
        stub = OpenAiStub.start();
        providers().define(stub.settings(PROVIDER));
        providers().route("infinitestories", "*", PROVIDER);
        user = server.newUser();
        heroId = hero(user, "Zoe");
        jobs = server.component(StoryJobs.class);
        second = new TestEngine(jobs.storyType(), jobs.illustrationType());
    }

    @AfterEach
    void calm() {
        stub.reset();
        jobs.providerTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(120));
        providers().clearRoute("infinitestories", "moderation");
    }

    @AfterAll
    static void back() throws Exception {
        providers().clearRoute("infinitestories", "*");
        second.close();
        stub.close();
        StoriesApi.assertNoLedgerDrift();
    }

    private static String start(String event) throws Exception {
        return StoriesApi.started(user.accessToken(), heroId, event);
    }

    private static String settle(String storyId) throws Exception {
        return second.settle(storyId);
    }

    private static void illustrationsSettle(String storyId) throws Exception {
        Poll.until("the illustrations settle", StoriesApi.WITHIN, () -> {
            second.skipAhead();
            return "0"
                    .equals(text(
                            "select count(*) from infinitestories.story_illustrations where story_id = ?::uuid "
                                    + "and status not in ('completed', 'failed')",
                            storyId));
        });
    }

    @Test
    void aStoryIsModeratedWrittenCutAndIllustratedByTheRemoteProvider() throws Exception {
        String storyId = start("a treehouse");
        assertThat(settle(storyId)).isEqualTo("completed");
        illustrationsSettle(storyId);
        assertThat(rows(
                        "select status || ' ' || coalesce(image_url, '') from infinitestories.story_illustrations "
                                + "where story_id = ?::uuid",
                        storyId))
                .isNotEmpty()
                .allMatch(s -> s.startsWith("completed /storage/v1/object/public/illustrations/"));
        for (String url : rows(
                "select thumbnail_url from infinitestories.story_illustrations where story_id = ?::uuid", storyId)) {
            assertPng(url);
        }
        assertThat(rows(
                        "select distinct function_name || ' ' || status || ' ' || (metadata->>'provider') "
                                + "from infinitestories.api_usage where metadata->>'story_id' = ? "
                                + "or metadata->>'content_id' = ?",
                        storyId,
                        storyId))
                .containsExactlyInAnyOrder(
                        "moderation success " + PROVIDER,
                        "story success " + PROVIDER,
                        "scenes success " + PROVIDER,
                        "illustration success " + PROVIDER);
        assertThat(text(
                        "select tokens_used > 0 from infinitestories.api_usage where request_id = ?",
                        "story:" + storyId + ":1"))
                .isEqualTo("t");
        assertThat(stub.requests("/v1/moderations")).isEqualTo(1);
        assertThat(stub.requests("/v1/chat/completions")).isEqualTo(2);
        assertThat(stub.requests("/v1/images/generations"))
                .isEqualTo(Integer.parseInt(
                        text("select count(*) from infinitestories.story_scenes where story_id = ?::uuid", storyId)));
        // each call's request key reaches the provider as its idempotency key
        assertThat(stub.received())
                .anyMatch(r -> r.path().equals("/v1/chat/completions")
                        && r.idempotencyKey() != null
                        && ("story:" + storyId).equals(r.idempotencyKey()));
        assertThat(stub.received())
                .anyMatch(r ->
                        r.path().equals("/v1/chat/completions") && ("scenes:" + storyId).equals(r.idempotencyKey()));
        // a prompt the remote moderation flags is refused
        StoriesApi.Answer refused = story(user.accessToken(), heroId, "they kill the dragon, blood everywhere");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(text(
                        "select flag_type || ' ' || action_taken from infinitestories.content_flags "
                                + "where content_id = ?::uuid",
                        refused.json().get("content_id").asText()))
                .isEqualTo("violence rejected");
        // one it flags mildly is written from the sanitized text
        StoriesApi.Answer softened = story(user.accessToken(), heroId, "a stupid goose " + UUID.randomUUID());
        assertThat(softened.status()).as(softened.json().toString()).isEqualTo(202);
        assertThat(softened.json().get("moderation").asText()).isEqualTo("modified");
        String softenedId = softened.json().get("story_id").asText();
        assertThat(text(
                        "select action_taken from infinitestories.content_flags where content_id = ?::uuid",
                        softenedId))
                .isEqualTo("modified");
        assertThat(settle(softenedId)).isEqualTo("completed");
        illustrationsSettle(softenedId);
    }

    @Test
    void aProviderAnswering5xxEndsTheStoryFailedWithEveryAttemptMetered() throws Exception {
        providers().route("infinitestories", "moderation", "local");
        stub.failNext(1000, 503);
        String storyId = start("a broken bridge");
        assertThat(settle(storyId)).isEqualTo("failed");
        assertThat(rows(
                        "select request_id || ' ' || status || ' ' || error_code from infinitestories.api_usage "
                                + "where function_name = 'story' and metadata->>'story_id' = ? order by request_id",
                        storyId))
                .containsExactly(
                        "story:" + storyId + ":1 error transient",
                        "story:" + storyId + ":2 error transient",
                        "story:" + storyId + ":3 error transient");
        // each attempt is the provider's own retries (2) plus the first try
        assertThat(stub.requests("/v1/chat/completions")).isEqualTo(9);
    }

    @Test
    void aRateLimitedProviderIsWaitedForAndTheStoryCompleted() throws Exception {
        providers().route("infinitestories", "moderation", "local");
        stub.rateLimitNext(1, Duration.ofMillis(300));
        String storyId = start("a crowded bus");
        assertThat(settle(storyId)).isEqualTo("completed");
        illustrationsSettle(storyId);
        assertThat(stub.requests("/v1/chat/completions")).isEqualTo(3); // the 429, then story, then scenes
        assertThat(text(
                        "select count(*) from infinitestories.story_illustrations where story_id = ?::uuid "
                                + "and status = 'completed'",
                        storyId))
                .isEqualTo(text("select count(*) from infinitestories.story_scenes where story_id = ?::uuid", storyId));
    }

    @Test
    void aProviderSlowerThanTheTimeoutEndsTheStoryFailedAsTimedOut() throws Exception {
        providers().route("infinitestories", "moderation", "local");
        jobs.providerTimeouts(Duration.ofMillis(300), Duration.ofSeconds(120));
        stub.slow(Duration.ofSeconds(2));
        String storyId = start("a slow snail");
        assertThat(settle(storyId)).isEqualTo("failed");
        assertThat(rows(
                        "select distinct error_code from infinitestories.api_usage "
                                + "where function_name = 'story' and metadata->>'story_id' = ?",
                        storyId))
                .containsExactly("timeout");
        assertThat(rows(
                        "select response_time_ms < 1500 from infinitestories.api_usage "
                                + "where function_name = 'story' and metadata->>'story_id' = ?",
                        storyId))
                .hasSize(3)
                .allMatch(t -> t.equals("t"));
    }
}
