package dev.atelier.apps.infinitestories;

import static dev.atelier.apps.infinitestories.StoriesApi.fault;
import static dev.atelier.apps.infinitestories.StoriesApi.hero;
import static dev.atelier.apps.infinitestories.StoriesApi.illustrationsSettled;
import static dev.atelier.apps.infinitestories.StoriesApi.rows;
import static dev.atelier.apps.infinitestories.StoriesApi.server;
import static dev.atelier.apps.infinitestories.StoriesApi.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer.TestUser;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The failure paths with the local provider's deliberate faults: a story whose provider fails or
 * times out ends failed after its 3 attempts; one that fails once, or is rate limited once, is
 * completed by the next attempt; an illustration whose provider always fails is retried 5 times
 * and then failed, with the error kept; a worker that loses its lease mid-story leaves the story
 * completed exactly once. Retries that would wait real seconds run on a second engine whose clock
 * the test moves.
 */
class StoryFailuresTest {

    private static TestUser user;
    private static String heroId;
    private static StoryJobs jobs;
    private static TestEngine second;

    @BeforeAll
    static void prepare() {
        user = server.newUser();
        heroId = hero(user, "Mira");
        jobs = server.component(StoryJobs.class);
        second = new TestEngine(jobs.storyType(), jobs.illustrationType());
    }

    @AfterEach
    void clearFaults() {
        for (String target : new String[] {"story", "scenes", "illustration", "moderation"}) {
            fault(target, "");
        }
        jobs.providerTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        second.close();
        StoriesApi.assertNoLedgerDrift();
    }

    private static String start(String event) throws Exception {
        return StoriesApi.started(user.accessToken(), heroId, event);
    }

    private static String settle(String storyId) throws Exception {
        return second.settle(storyId);
    }

    @Test
    void aStoryWhoseProviderFailsEndsFailedAfterThreeAttemptsWithEveryCallMetered() throws Exception {
        fault("story", "fail");
        String storyId = start("a rainy day");
        assertThat(settle(storyId)).isEqualTo("failed");
        assertThat(text(
                        "select generation_metadata->>'error' from infinitestories.stories where id = ?::uuid",
                        storyId))
                .contains("failing on purpose");
        assertThat(rows(
                        "select request_id || ' ' || status || ' ' || error_code from infinitestories.api_usage "
                                + "where function_name = 'story' and metadata->>'story_id' = ? order by request_id",
                        storyId))
                .containsExactly(
                        "story:" + storyId + ":1 error transient",
                        "story:" + storyId + ":2 error transient",
                        "story:" + storyId + ":3 error transient");
        assertThat(text("select count(*) from infinitestories.story_scenes where story_id = ?::uuid", storyId))
                .isEqualTo("0");
    }

    @Test
    void aStoryWhoseProviderTimesOutEndsFailed() throws Exception {
        jobs.providerTimeouts(Duration.ofMillis(200), Duration.ofSeconds(120));
        fault("story", "timeout");
        String storyId = start("a long night");
        assertThat(settle(storyId)).isEqualTo("failed");
        assertThat(rows(
                        "select distinct error_code from infinitestories.api_usage "
                                + "where function_name = 'story' and metadata->>'story_id' = ?",
                        storyId))
                .containsExactly("timeout");
        assertThat(text(
                        "select response_time_ms >= 200 from infinitestories.api_usage where request_id = ?",
                        "story:" + storyId + ":1"))
                .isEqualTo("t");
    }

    @Test
    void aStoryThatFailsOnceIsCompletedByTheNextAttempt() throws Exception {
        fault("story", "fail-once");
        String storyId = start("a kite contest");
        assertThat(settle(storyId)).isEqualTo("completed");
        assertThat(rows(
                        "select status from infinitestories.api_usage where function_name = 'story' "
                                + "and metadata->>'story_id' = ? order by request_id",
                        storyId))
                .containsExactly("error", "success");
        illustrationsSettled(storyId);
    }

    @Test
    void illustrationsRateLimitedOnceAreDrawnOnTheirNextAttempt() throws Exception {
        fault("illustration", "rate-limited");
        String storyId = start("a busy market");
        assertThat(settle(storyId)).isEqualTo("completed");
        Poll.until("the illustrations settle", StoriesApi.WITHIN, () -> {
            second.skipAhead();
            return "0"
                    .equals(text(
                            "select count(*) from infinitestories.story_illustrations where story_id = ?::uuid "
                                    + "and status not in ('completed', 'failed')",
                            storyId));
        });
        assertThat(rows(
                        "select status || ' ' || retry_count from infinitestories.story_illustrations "
                                + "where story_id = ?::uuid",
                        storyId))
                .isNotEmpty()
                .allMatch(s -> s.equals("completed 1"));
        assertThat(rows(
                        "select distinct status from infinitestories.api_usage where function_name = 'illustration' "
                                + "and metadata->>'story_id' = ? and request_id like '%:1'",
                        storyId))
                .containsExactly("rate_limited");
    }

    @Test
    void anIllustrationWhoseProviderAlwaysFailsIsRetriedFiveTimesThenFailed() throws Exception {
        fault("illustration", "fail");
        String storyId = start("a windy beach");
        assertThat(settle(storyId)).isEqualTo("completed");
        Poll.until("the illustrations fail for good", StoriesApi.WITHIN, () -> {
            second.skipAhead();
            return "0"
                    .equals(text(
                            "select count(*) from infinitestories.story_illustrations where story_id = ?::uuid "
                                    + "and status <> 'failed'",
                            storyId));
        });
        assertThat(rows(
                        "select retry_count || ' ' || error_message from infinitestories.story_illustrations "
                                + "where story_id = ?::uuid",
                        storyId))
                .isNotEmpty()
                .allMatch(s -> s.startsWith("5 ") && s.contains("failing on purpose"));
        assertThat(rows(
                        "select count(*) from infinitestories.api_usage where function_name = 'illustration' "
                                + "and metadata->>'story_id' = ? group by metadata->>'scene_number'",
                        storyId))
                .allMatch(n -> n.equals("6"));
        assertThat(rows(
                        "select j.attempt || ' ' || j.state from platform.jobs j join infinitestories.story_illustrations i "
                                + "on j.app_table = 'infinitestories.story_illustrations' and j.app_key = i.id::text "
                                + "where i.story_id = ?::uuid",
                        storyId))
                .allMatch(s -> s.equals("6 failed"));
    }

    @Test
    void aRefusedIllustrationFailsAtOnce() throws Exception {
        fault("illustration", "reject");
        String storyId = start("a quiet pond");
        assertThat(settle(storyId)).isEqualTo("completed");
        illustrationsSettled(storyId);
        assertThat(rows(
                        "select status || ' ' || retry_count from infinitestories.story_illustrations "
                                + "where story_id = ?::uuid",
                        storyId))
                .isNotEmpty()
                .allMatch(s -> s.equals("failed 0"));
    }

    @Test
    void anIllustrationWhoseWorkerLosesItsLeaseIsDrawnOnceByTheNextAttempt() throws Exception {
        fault("illustration", "slow:2500");
        String next = start("a glass castle");
        assertThat(settle(next)).isEqualTo("completed");
        String illustration = text(
                "select i.id from infinitestories.story_illustrations i join infinitestories.story_scenes s "
                        + "on s.id = i.scene_id where i.story_id = ?::uuid and s.scene_number = 1",
                next);
        long job = Long.parseLong(text(
                "select id from platform.jobs where app_table = 'infinitestories.story_illustrations' and app_key = ?",
                illustration));
        Poll.until(
                "the first attempt is in its provider call",
                StoriesApi.WITHIN,
                () -> "running 1 drawing"
                        .equals(text(
                                "select state || ' ' || attempt || ' ' || progress_message from platform.jobs where id = ?",
                                job)));
        JobEngine rescuer =
                text("select lease_owner from platform.jobs where id = ?", job).equals(second.engine.owner())
                        ? server.component(JobEngine.class)
                        : second.engine;
        Poll.until("the lease is lost and the job rescued", StoriesApi.WITHIN, () -> {
            StoriesApi.exec(
                    "update platform.jobs set lease_expires_at = now() - interval '1 hour' where id = ? and attempt = 1",
                    job);
            return rescuer.rescue() > 0
                    || !"running 1".equals(text("select state || ' ' || attempt from platform.jobs where id = ?", job));
        });
        fault("illustration", "");
        Poll.until("the illustration is drawn", StoriesApi.WITHIN, () -> {
            second.skipAhead();
            return "completed"
                    .equals(text(
                            "select status from infinitestories.story_illustrations where id = ?::uuid", illustration));
        });
        Poll.until(
                "the first attempt's call has ended",
                StoriesApi.WITHIN,
                () -> text(
                                "select status from infinitestories.api_usage where request_id = ?",
                                "illustration:" + illustration + ":1")
                        != null);
        illustrationsSettled(next);
        assertThat(text("select attempt || ' ' || state from platform.jobs where id = ?", job))
                .isEqualTo("2 completed");
        assertThat(text(
                        "select retry_count || ' ' || image_url from infinitestories.story_illustrations where id = ?::uuid",
                        illustration))
                .isEqualTo("1 /storage/v1/object/public/illustrations/" + user.id() + "/" + next + "/scene-1.png");
        // one image and one thumbnail per scene: the late worker's upload replaced, never added
        assertThat(text(
                        "select count(*) from storage.objects where bucket_id = 'illustrations' and name like ?",
                        user.id() + "/" + next + "/%"))
                .isEqualTo(String.valueOf(2
                        * Integer.parseInt(text(
                                "select count(*) from infinitestories.story_scenes where story_id = ?::uuid", next))));
    }

    @Test
    void aWorkerThatLosesItsLeaseMidStoryLeavesTheStoryCompletedOnce() throws Exception {
        fault("story", "slow:2500");
        String storyId = start("a clockwork owl");
        long job = Long.parseLong(text(
                "select id from platform.jobs where kind = 'infinitestories.story' and args->>'story_id' = ?",
                storyId));
        // Running, and past the progress it reports just before its (slow) provider call.
        Poll.until(
                "the first attempt is in its provider call",
                StoriesApi.WITHIN,
                () -> "running 1 writing the story"
                        .equals(text(
                                "select state || ' ' || attempt || ' ' || progress_message from platform.jobs where id = ?",
                                job)));
        String firstOwner = text("select lease_owner from platform.jobs where id = ?", job);
        // The worker's lease is lost (a server paused or cut off): another engine rescues the job.
        JobEngine rescuer =
                firstOwner.equals(second.engine.owner()) ? server.component(JobEngine.class) : second.engine;
        Poll.until("the lease is lost and the job rescued", StoriesApi.WITHIN, () -> {
            StoriesApi.exec(
                    "update platform.jobs set lease_expires_at = now() - interval '1 hour' where id = ? and attempt = 1",
                    job);
            return rescuer.rescue() > 0
                    || !"running 1".equals(text("select state || ' ' || attempt from platform.jobs where id = ?", job));
        });
        fault("story", "");
        assertThat(settle(storyId)).isEqualTo("completed");
        // the first attempt's call ends (its answer or its interruption), and its completion is fenced off
        Poll.until(
                "the first attempt's call has ended",
                StoriesApi.WITHIN,
                () -> text(
                                "select status from infinitestories.api_usage where request_id = ?",
                                "story:" + storyId + ":1")
                        != null);
        illustrationsSettled(storyId);
        assertThat(text("select attempt || ' ' || state from platform.jobs where id = ?", job))
                .isEqualTo("2 completed");
        assertThat(text("select last_error from platform.jobs where id = ?", job))
                .contains("worker lost");
        String scenes = text("select count(*) from infinitestories.story_scenes where story_id = ?::uuid", storyId);
        assertThat(Integer.parseInt(scenes)).isPositive();
        assertThat(text("select count(*) from infinitestories.story_illustrations where story_id = ?::uuid", storyId))
                .isEqualTo(scenes);
        assertThat(text("select max(scene_number) from infinitestories.story_scenes where story_id = ?::uuid", storyId))
                .isEqualTo(scenes);
    }
}
