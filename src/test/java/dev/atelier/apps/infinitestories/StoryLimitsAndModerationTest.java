package dev.atelier.apps.infinitestories;

import static dev.atelier.apps.infinitestories.StoriesApi.call;
import static dev.atelier.apps.infinitestories.StoriesApi.exec;
import static dev.atelier.apps.infinitestories.StoriesApi.fault;
import static dev.atelier.apps.infinitestories.StoriesApi.hero;
import static dev.atelier.apps.infinitestories.StoriesApi.illustrationsSettled;
import static dev.atelier.apps.infinitestories.StoriesApi.rows;
import static dev.atelier.apps.infinitestories.StoriesApi.server;
import static dev.atelier.apps.infinitestories.StoriesApi.settled;
import static dev.atelier.apps.infinitestories.StoriesApi.story;
import static dev.atelier.apps.infinitestories.StoriesApi.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.TestServer.TestUser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gates before a story exists: the per-user rate limit (10 stories an hour by default, a
 * sliding window on the database's clock, one place each under concurrent requests) and the
 * moderation of the prompt (refused → 422 and a content flag, no story; a provider that cannot
 * moderate → 503, nothing created).
 */
class StoryLimitsAndModerationTest {

    private final List<String> stories = new ArrayList<>();

    @AfterEach
    void settle() throws Exception {
        fault("moderation", "");
        for (String id : stories) {
            settled(id);
            illustrationsSettled(id);
        }
    }

    @AfterAll
    static void ledger() throws Exception {
        StoriesApi.assertNoLedgerDrift();
    }

    @Test
    void theEleventhStoryInTheHourIsRefusedWithRetryAfterAndTheWindowSlides() throws Exception {
        TestUser user = server.newUser();
        String heroId = hero(user, "Tam");
        for (int i = 1; i <= 10; i++) {
            StoriesApi.Answer answer = story(user.accessToken(), heroId, "a sleepy dragon");
            assertThat(answer.status()).as("story " + i + ": " + answer.json()).isEqualTo(202);
            stories.add(answer.json().get("story_id").asText());
        }
        StoriesApi.Answer eleventh = story(user.accessToken(), heroId, "a sleepy dragon");
        assertThat(eleventh.status()).isEqualTo(429);
        assertThat(eleventh.header("Content-Type")).startsWith("application/problem+json");
        long retryAfter = Long.parseLong(eleventh.header("Retry-After"));
        assertThat(retryAfter).isBetween(3590L, 3600L);
        assertThat(eleventh.header("RateLimit-Policy")).matches("\"infinitestories\\.[a-z_-]+\";q=10;w=3600");
        assertThat(eleventh.header("RateLimit")).endsWith(";r=0;t=" + retryAfter);
        assertThat(eleventh.json().get("title").asText()).isEqualTo("Too many requests");
        assertThat(eleventh.json().get("detail").asText()).contains("at most 10 stories");
        assertThat(eleventh.json().get("retry_after_seconds").asLong()).isEqualTo(retryAfter);
        assertThat(eleventh.json().get("limit").asInt()).isEqualTo(10);
        assertThat(text(
                        "select sum(request_count) from infinitestories.rate_limits where user_id = ?::uuid "
                                + "and function_name = 'story-generation'",
                        user.id().toString()))
                .isEqualTo("10");
        // the user reads their own window through the data API
        assertThat(dev.atelier.testing.Rest.as(user.accessToken())
                        .get("/rate_limits?select=request_count")
                        .json()
                        .size())
                .isPositive();
        // half an hour later (the rows' time moved back on the database's clock): still full, half the wait
        age(user, "1800 seconds");
        StoriesApi.Answer later = story(user.accessToken(), heroId, "a sleepy dragon");
        assertThat(later.status()).isEqualTo(429);
        assertThat(Long.parseLong(later.header("Retry-After"))).isBetween(1790L, 1800L);
        // an hour after: the requests left the window, a new one is counted
        age(user, "1801 seconds");
        StoriesApi.Answer again = story(user.accessToken(), heroId, "a sleepy dragon");
        assertThat(again.status()).as(again.json().toString()).isEqualTo(202);
        stories.add(again.json().get("story_id").asText());
        assertThat(text(
                        "select sum(request_count) from infinitestories.rate_limits where user_id = ?::uuid",
                        user.id().toString()))
                .isEqualTo("1");
        // avatars are another function with a window of their own
        assertThat(call("POST", "/api/v1/infinitestories/heroes/" + heroId + "/avatar", user.accessToken(), "{}")
                        .status())
                .isEqualTo(202);
    }

    @Test
    void concurrentRequestsOfOneUserTakeExactlyTheTenPlaces() throws Exception {
        TestUser user = server.newUser();
        String heroId = hero(user, "Noor");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<StoriesApi.Answer>> tasks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                tasks.add(() -> story(user.accessToken(), heroId, "a paper boat"));
            }
            int accepted = 0;
            int limited = 0;
            for (Future<StoriesApi.Answer> f : pool.invokeAll(tasks)) {
                StoriesApi.Answer a = f.get();
                if (a.status() == 202) {
                    accepted++;
                    stories.add(a.json().get("story_id").asText());
                } else {
                    assertThat(a.status()).as(a.json().toString()).isEqualTo(429);
                    assertThat(a.header("Retry-After")).isNotNull();
                    limited++;
                }
            }
            assertThat(accepted).isEqualTo(10);
            assertThat(limited).isEqualTo(6);
        } finally {
            pool.shutdown();
        }
        assertThat(text(
                        "select sum(request_count) from infinitestories.rate_limits where user_id = ?::uuid",
                        user.id().toString()))
                .isEqualTo("10");
        assertThat(text(
                        "select count(*) from infinitestories.stories where user_id = ?::uuid",
                        user.id().toString()))
                .isEqualTo("10");
    }

    @Test
    void twoServersOnOneDatabaseShareTheWindow() throws Exception {
        // A second "server": its own pool of the login role, its own RateLimits, the same database.
        org.postgresql.ds.PGSimpleDataSource login =
                (org.postgresql.ds.PGSimpleDataSource) server.loginRoleDataSource();
        try (dev.atelier.platform.db.Database other = dev.atelier.platform.db.Database.connect(
                server.databaseTarget(), login.getUser(), login.getPassword(), () -> true)) {
            RateLimits[] servers = {server.component(RateLimits.class), new RateLimits(other)};
            java.util.UUID user = java.util.UUID.randomUUID();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Callable<Boolean>> tasks = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    RateLimits limits = servers[i % 2];
                    tasks.add(() -> limits.take(user, "test-function", 10, java.time.Duration.ofHours(1))
                            .isEmpty());
                }
                int allowed = 0;
                for (Future<Boolean> f : pool.invokeAll(tasks)) {
                    allowed += f.get() ? 1 : 0;
                }
                assertThat(allowed).isEqualTo(10);
            } finally {
                pool.shutdown();
            }
            assertThat(servers[1].take(user, "test-function", 10, java.time.Duration.ofHours(1)))
                    .hasValueSatisfying(wait -> assertThat(wait.toSeconds()).isBetween(3590L, 3600L));
            // another function of the same user has a window of its own
            assertThat(servers[0].take(user, "other-function", 10, java.time.Duration.ofHours(1)))
                    .isEmpty();
        }
    }

    @Test
    void aRefusedPromptIsAnsweredWith422AndAFlagAndNoStory() throws Exception {
        TestUser user = server.newUser();
        String heroId = hero(user, "Ivo");
        StoriesApi.Answer refused = story(user.accessToken(), heroId, "a knight who likes blood and gore");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        assertThat(refused.json().get("title").asText()).isEqualTo("Content refused");
        assertThat(refused.json().get("field").asText()).isEqualTo("event_data");
        assertThat(refused.json().get("detail").asText()).contains("violence").contains("no story was created");
        String content = refused.json().get("content_id").asText();
        assertThat(rows(
                        "select content_type || ' ' || flag_type || ' ' || severity || ' ' || action_taken || ' ' "
                                + "|| ai_confidence || ' ' || (reviewed_at is null) || ' ' || original_content "
                                + "from infinitestories.content_flags where content_id = ?::uuid",
                        content))
                .isNotEmpty()
                .allMatch(
                        f -> f.matches(
                                "prompt violence high rejected (0\\.[5-9][0-9]|1\\.00) true a knight who likes blood and gore"));
        assertThat(text(
                        "select count(*) from infinitestories.stories where user_id = ?::uuid",
                        user.id().toString()))
                .isEqualTo("0");
        assertThat(text(
                        "select function_name || ' ' || status from infinitestories.api_usage where request_id = ?",
                        "moderation:" + content + ":1"))
                .isEqualTo("moderation success");
        // users do not see content flags
        assertThat(dev.atelier.testing.Rest.as(user.accessToken())
                        .get("/content_flags?select=id")
                        .status())
                .isIn(401, 403);
        // a refused request still counts against the limit: refusals are not free probes
        assertThat(text(
                        "select sum(request_count) from infinitestories.rate_limits where user_id = ?::uuid",
                        user.id().toString()))
                .isEqualTo("1");
        // an acceptable prompt from the same user goes through
        StoriesApi.Answer fine = story(user.accessToken(), heroId, "a knight who likes soup");
        assertThat(fine.status()).isEqualTo(202);
        stories.add(fine.json().get("story_id").asText());
        assertThat(fine.json().get("moderation").asText()).isEqualTo("approved");
    }

    @Test
    void aPromptModerationSoftensIsFlaggedAndTheStoryIsWrittenFromTheSanitizedText() throws Exception {
        TestUser user = server.newUser();
        String heroId = hero(user, "Una");
        String prompt = "a stupid dragon who hates broccoli";
        StoriesApi.Answer accepted = story(user.accessToken(), heroId, prompt);
        assertThat(accepted.status()).as(accepted.json().toString()).isEqualTo(202);
        assertThat(accepted.json().get("moderation").asText()).isEqualTo("modified");
        String storyId = accepted.json().get("story_id").asText();
        stories.add(storyId);
        String sanitized = text(
                "select generation_metadata->>'sanitized_prompt' from infinitestories.stories where id = ?::uuid",
                storyId);
        assertThat(sanitized).isNotBlank().doesNotContain("stupid").doesNotContain("hates");
        assertThat(rows(
                        "select flag_type || ' ' || severity || ' ' || action_taken || ' ' || original_content || ' | ' "
                                + "|| modified_content from infinitestories.content_flags where content_id = ?::uuid",
                        storyId))
                .isNotEmpty()
                .allMatch(f -> f.startsWith("inappropriate low modified " + prompt + " | " + sanitized));
        assertThat(text(
                        "select (generation_metadata->>'filter_changes')::int > 0 from infinitestories.stories "
                                + "where id = ?::uuid",
                        storyId))
                .isEqualTo("t");
        // the job was given the sanitized text, not the original
        assertThat(text(
                        "select args->>'event' from platform.jobs where kind = 'infinitestories.story' "
                                + "and args->>'story_id' = ?",
                        storyId))
                .isEqualTo(sanitized);
        assertThat(settled(storyId)).isEqualTo("completed");
        assertThat(text("select content from infinitestories.stories where id = ?::uuid", storyId))
                .doesNotContain("stupid");
    }

    @Test
    void aProviderThatRefusesToModerateRefusesTheStoryAndOneThatFailsCreatesNothing() throws Exception {
        TestUser user = server.newUser();
        String heroId = hero(user, "Lea");
        fault("moderation", "reject");
        StoriesApi.Answer refused = story(user.accessToken(), heroId, "a garden");
        assertThat(refused.status()).isEqualTo(422);
        fault("moderation", "fail");
        StoriesApi.Answer down = story(user.accessToken(), heroId, "a garden");
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.header("Retry-After")).isNotNull();
        assertThat(down.json().get("error_code").asText()).isEqualTo("transient");
        assertThat(text(
                        "select count(*) from infinitestories.stories where user_id = ?::uuid",
                        user.id().toString()))
                .isEqualTo("0");
        assertThat(rows(
                        "select status || ' ' || error_code from infinitestories.api_usage where user_id = ?::uuid "
                                + "and function_name = 'moderation' order by created_at",
                        user.id().toString()))
                .containsExactly("error rejected", "error transient");
    }

    private static void age(TestUser user, String interval) throws Exception {
        exec(
                "update infinitestories.rate_limits set window_start = window_start - ?::interval, "
                        + "window_end = window_end - ?::interval where user_id = ?::uuid",
                interval,
                interval,
                user.id().toString());
    }
}
