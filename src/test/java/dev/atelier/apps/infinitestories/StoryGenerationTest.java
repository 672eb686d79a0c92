package dev.atelier.apps.infinitestories;

import static dev.atelier.apps.infinitestories.StoriesApi.assertPng;
import static dev.atelier.apps.infinitestories.StoriesApi.call;
import static dev.atelier.apps.infinitestories.StoriesApi.hero;
import static dev.atelier.apps.infinitestories.StoriesApi.illustrationsSettled;
import static dev.atelier.apps.infinitestories.StoriesApi.rows;
import static dev.atelier.apps.infinitestories.StoriesApi.server;
import static dev.atelier.apps.infinitestories.StoriesApi.settled;
import static dev.atelier.apps.infinitestories.StoriesApi.story;
import static dev.atelier.apps.infinitestories.StoriesApi.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.cache.Caches;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer.TestUser;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A story end to end with the local provider: POST → a pending story and its job → text and scenes
 * → one illustration job per scene → PNGs and thumbnails in the illustrations bucket, every
 * provider call in api_usage; the same request again served from the cache; what the owner reads
 * through /rest/v1 and what others cannot.
 */
class StoryGenerationTest {

    private static TestUser ayla;
    private static TestUser bram;
    private static String heroOfAyla;
    private static String heroOfBram;

    @BeforeAll
    static void users() {
        ayla = server.newUser();
        bram = server.newUser();
        heroOfAyla = hero(ayla, "Ayla");
        heroOfBram = hero(bram, "Bram");
    }

    @AfterAll
    static void ledger() throws Exception {
        StoriesApi.assertNoLedgerDrift();
    }

    @Test
    void aStoryIsWrittenCutIntoScenesAndEverySceneIllustratedWithFilesThatDownload() throws Exception {
        StoriesApi.Answer accepted = story(ayla.accessToken(), heroOfAyla, "a lantern festival " + UUID.randomUUID());
        assertThat(accepted.status()).as(accepted.json().toString()).isEqualTo(202);
        String storyId = accepted.json().get("story_id").asText();
        assertThat(accepted.json().get("status").asText()).isEqualTo("pending");
        assertThat(accepted.header("Location")).isEqualTo("/rest/v1/stories?id=eq." + storyId);

        assertThat(settled(storyId)).isEqualTo("completed");
        illustrationsSettled(storyId);

        JsonNode story = Rest.as(ayla.accessToken())
                .get(
                        "/stories?id=eq." + storyId
                                + "&select=status,content,word_count,title,language,generation_metadata,"
                                + "story_scenes(scene_number,text_segment,illustration_prompt,timestamp_seconds,emotion,importance),"
                                + "story_illustrations(status,image_url,thumbnail_url,generation_id,previous_generation_id,retry_count)")
                .json()
                .get(0);
        assertThat(story.get("status").asText()).isEqualTo("completed");
        assertThat(story.get("content").asText()).contains("Ayla");
        assertThat(story.get("word_count").asInt()).isPositive();
        assertThat(story.get("generation_metadata").get("cache_hit").asBoolean())
                .isFalse();
        assertThat(story.get("generation_metadata").get("request_id").asText()).isEqualTo(storyId);
        JsonNode scenes = story.get("story_scenes");
        JsonNode illustrations = story.get("story_illustrations");
        assertThat(scenes.size()).isBetween(1, 5);
        assertThat(story.get("generation_metadata").get("scene_count").asInt()).isEqualTo(scenes.size());
        assertThat(illustrations.size()).isEqualTo(scenes.size());
        for (JsonNode scene : scenes) {
            assertThat(scene.get("text_segment").asText()).isNotBlank();
            assertThat(scene.get("illustration_prompt").asText()).isNotBlank();
            assertThat(scene.get("timestamp_seconds").asDouble()).isGreaterThanOrEqualTo(0);
        }
        int chained = 0;
        for (JsonNode illustration : illustrations) {
            assertThat(illustration.get("status").asText()).isEqualTo("completed");
            assertThat(illustration.get("retry_count").asInt()).isZero();
            assertPng(illustration.get("image_url").asText());
            assertPng(illustration.get("thumbnail_url").asText());
            if (!illustration.get("previous_generation_id").isNull()) {
                chained++;
            }
        }
        // every scene but the first names the one before it
        assertThat(chained).isEqualTo(illustrations.size() - 1);
        assertThat(text(
                        "select count(*) from storage.objects where bucket_id = 'illustrations' and name like ?",
                        ayla.id() + "/" + storyId + "/%"))
                .isEqualTo(String.valueOf(2 * illustrations.size()));
        assertThat(text(
                        "select min((generation_metadata->'job'->>'progress')::numeric) from infinitestories.story_illustrations "
                                + "where story_id = ?::uuid",
                        storyId))
                .isEqualTo("100");

        // every provider call metered: moderation, story, scenes, one illustration per scene
        List<String> usage = rows(
                "select function_name || ' ' || status from infinitestories.api_usage "
                        + "where user_id = ?::uuid and (metadata->>'story_id' = ? or metadata->>'content_id' = ?) "
                        + "order by function_name",
                ayla.id().toString(),
                storyId,
                storyId);
        assertThat(usage)
                .contains("moderation success", "story success", "scenes success")
                .filteredOn(u -> u.startsWith("illustration"))
                .hasSize(illustrations.size())
                .allMatch(u -> u.endsWith("success"));
        assertThat(text(
                        "select count(*) from infinitestories.api_usage where user_id = ?::uuid and request_id = ?",
                        ayla.id().toString(),
                        "story:" + storyId + ":1"))
                .isEqualTo("1");
        // the owner reads their usage through the data API, and nobody else's
        assertThat(Rest.as(ayla.accessToken())
                        .get("/api_usage?select=function_name&metadata->>story_id=eq." + storyId)
                        .json()
                        .size())
                .isGreaterThanOrEqualTo(2);
        assertThat(Rest.as(bram.accessToken())
                        .get("/api_usage?select=function_name&metadata->>story_id=eq." + storyId)
                        .json())
                .isEmpty();
        assertThat(Rest.as(bram.accessToken())
                        .get("/stories?id=eq." + storyId + "&select=id")
                        .json())
                .isEmpty();
        assertThat(Rest.as(bram.accessToken())
                        .get("/story_illustrations?story_id=eq." + storyId + "&select=id")
                        .json())
                .isEmpty();
    }

    @Test
    void theSameRequestWithinTheTtlIsServedFromTheCacheAndCounted() throws Exception {
        String event = "a snowy mountain " + UUID.randomUUID();
        String first = story(ayla.accessToken(), heroOfAyla, event)
                .json()
                .get("story_id")
                .asText();
        assertThat(settled(first)).isEqualTo("completed");
        String second = story(ayla.accessToken(), heroOfAyla, event)
                .json()
                .get("story_id")
                .asText();
        assertThat(settled(second)).isEqualTo("completed");

        String key = text(
                "select key from infinitestories.cache_entries where value->>'content' = "
                        + "(select content from infinitestories.stories where id = ?::uuid)",
                first);
        assertThat(key).startsWith("story:");
        // reads are counted in memory and written at each flush (ADR 0018), not one UPDATE per hit
        server.component(Caches.class).flush();
        assertThat(text("select access_count from infinitestories.cache_entries where key = ?", key))
                .isEqualTo("1");
        assertThat(text(
                        "select (generation_metadata->>'cache_hit') || ' ' || (generation_metadata->>'cache_key') "
                                + "from infinitestories.stories where id = ?::uuid",
                        second))
                .isEqualTo("true " + key);
        assertThat(text("select content from infinitestories.stories where id = ?::uuid", second))
                .isEqualTo(text("select content from infinitestories.stories where id = ?::uuid", first));
        // the hit made no story or scenes call, and still has its own scenes and illustrations
        assertThat(text(
                        "select count(*) from infinitestories.api_usage where metadata->>'story_id' = ? "
                                + "and function_name in ('story', 'scenes')",
                        second))
                .isEqualTo("0");
        assertThat(text("select count(*) from infinitestories.story_scenes where story_id = ?::uuid", second))
                .isEqualTo(text("select count(*) from infinitestories.story_scenes where story_id = ?::uuid", first));
        illustrationsSettled(second);

        // another language is another request
        String spanish = story(ayla.accessToken(), heroOfAyla, event, "es")
                .json()
                .get("story_id")
                .asText();
        assertThat(settled(spanish)).isEqualTo("completed");
        assertThat(text(
                        "select generation_metadata->>'cache_hit' from infinitestories.stories where id = ?::uuid",
                        spanish))
                .isEqualTo("false");
        illustrationsSettled(spanish);
    }

    @Test
    void badRequestsNameTheirFieldAndOthersHeroesAreNotFound() throws Exception {
        String path = "/api/v1/infinitestories/stories";
        String token = ayla.accessToken();
        Map<String, String> cases = Map.of(
                "{\"event_type\":\"built_in\",\"event_data\":{\"title\":\"x\"}}",
                "hero_id",
                "{\"hero_id\":\"nope\",\"event_type\":\"built_in\",\"event_data\":{\"title\":\"x\"}}",
                "hero_id",
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"other\",\"event_data\":{\"title\":\"x\"}}",
                "event_type",
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"built_in\"}",
                "event_data",
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"built_in\",\"event_data\":{\"n\":1}}",
                "event_data",
                "{\"hero_id\":\"" + heroOfAyla
                        + "\",\"event_type\":\"built_in\",\"event_data\":{\"title\":\"x\"},\"language\":\"pt\"}",
                "language",
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"custom\"}",
                "custom_event_id",
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"custom\",\"custom_event_id\":\""
                        + UUID.randomUUID() + "\",\"event_data\":{\"title\":\"x\"}}",
                "event_data",
                "[]",
                "body");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            StoriesApi.Answer answer = call("POST", path, token, c.getKey());
            assertThat(answer.status()).as(c.getKey()).isEqualTo(400);
            assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
            assertThat(answer.json().get("field").asText()).as(c.getKey()).isEqualTo(c.getValue());
        }
        StoriesApi.Answer others = story(token, heroOfBram, "a picnic");
        assertThat(others.status()).isEqualTo(404);
        StoriesApi.Answer privateEvent = call(
                "POST",
                path,
                token,
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"custom\",\"custom_event_id\":\""
                        + privateEventOf(bram) + "\"}");
        assertThat(privateEvent.status()).isEqualTo(404);
        assertThat(call("POST", path, null, "{}").status()).isEqualTo(401);
        assertThat(call("POST", path, server.serviceKey(), "{}").status()).isEqualTo(403);
        // refused requests count nothing
        assertThat(text(
                        "select count(*) from infinitestories.rate_limits where user_id = ?::uuid",
                        bram.id().toString()))
                .isEqualTo("0");
    }

    @Test
    void aStoryFromACustomEventUsesTheEventAndCountsItsUse() throws Exception {
        JsonNode event = Rest.as(ayla.accessToken())
                .with("Prefer", "return=representation")
                .post(
                        "/custom_events",
                        Rest.json(Map.of(
                                "title",
                                "The Moon Picnic",
                                "prompt_seed",
                                "a picnic on the moon with friendly aliens")))
                .json()
                .get(0);
        StoriesApi.Answer accepted = call(
                "POST",
                "/api/v1/infinitestories/stories",
                ayla.accessToken(),
                "{\"hero_id\":\"" + heroOfAyla + "\",\"event_type\":\"custom\",\"custom_event_id\":\""
                        + event.get("id").asText() + "\",\"language\":\"fr\"}");
        assertThat(accepted.status()).as(accepted.json().toString()).isEqualTo(202);
        String storyId = accepted.json().get("story_id").asText();
        assertThat(settled(storyId)).isEqualTo("completed");
        assertThat(text(
                        "select event_type || ' ' || language || ' ' || (event_data->>'title') || ' ' || custom_event_id "
                                + "from infinitestories.stories where id = ?::uuid",
                        storyId))
                .isEqualTo("custom fr The Moon Picnic " + event.get("id").asText());
        assertThat(text(
                        "select usage_count from infinitestories.custom_events where id = ?::uuid",
                        event.get("id").asText()))
                .isEqualTo("1");
        illustrationsSettled(storyId);
    }

    @Test
    void usersCannotMakeIllustrationsOrSetAStorysStatusThemselves() throws Exception {
        String storyId = Rest.as(bram.accessToken())
                .with("Prefer", "return=representation")
                .post(
                        "/stories",
                        Rest.json(Map.of(
                                "title", "Mine", "content", "Once.", "event_type", "built_in", "event_data", Map.of())))
                .json()
                .get(0)
                .get("id")
                .asText();
        assertThat(storyStatusOverRest(bram, storyId)).isEqualTo("completed");
        assertThat(Rest.as(bram.accessToken())
                        .post("/story_illustrations", Rest.json(Map.of("story_id", storyId)))
                        .status())
                .isIn(401, 403);
        assertThat(Rest.as(bram.accessToken())
                        .patch("/stories?id=eq." + storyId, "{\"status\":\"failed\"}")
                        .status())
                .isIn(401, 403);
        assertThat(storyStatusOverRest(bram, storyId)).isEqualTo("completed");
    }

    @Test
    void anAvatarIsDrawnIntoTheGalleryAndTheNewOneBecomesThePrimary() throws Exception {
        String path = "/api/v1/infinitestories/heroes/" + heroOfAyla + "/avatar";
        StoriesApi.Answer first = call("POST", path, ayla.accessToken(), "{}");
        assertThat(first.status()).as(first.json().toString()).isEqualTo(202);
        String firstGeneration = first.json().get("generation_id").asText();
        awaitAvatar(first);
        StoriesApi.Answer second =
                call("POST", path, ayla.accessToken(), "{\"prompt\":\"Ayla in a knight's armour, smiling\"}");
        awaitAvatar(second);
        StoriesApi.Answer third = call("POST", path, ayla.accessToken(), "{\"make_primary\":false}");
        awaitAvatar(third);

        JsonNode gallery = Rest.as(ayla.accessToken())
                .get("/hero_gallery?hero_id=eq." + heroOfAyla
                        + "&select=generation_id,is_primary,image_url,thumbnail_url" + "&order=created_at")
                .json();
        assertThat(gallery).hasSize(3);
        assertThat(gallery.get(0).get("generation_id").asText()).isEqualTo(firstGeneration);
        assertThat(gallery.get(0).get("is_primary").asBoolean()).isFalse();
        assertThat(gallery.get(1).get("is_primary").asBoolean()).isTrue();
        assertThat(gallery.get(2).get("is_primary").asBoolean()).isFalse();
        for (JsonNode image : gallery) {
            assertPng(image.get("image_url").asText());
            assertPng(image.get("thumbnail_url").asText());
        }
        JsonNode hero = Rest.as(ayla.accessToken())
                .get("/heroes?id=eq." + heroOfAyla + "&select=avatar_url,avatar_prompt,avatar_generation_id")
                .json()
                .get(0);
        assertThat(hero.get("avatar_url").asText())
                .isEqualTo(gallery.get(1).get("image_url").asText());
        assertThat(hero.get("avatar_prompt").asText()).isEqualTo("Ayla in a knight's armour, smiling");
        // the job's state is its owner's only
        String status = "/api/v1/infinitestories/heroes/" + heroOfAyla + "/avatar/"
                + second.json().get("job_id").asText();
        assertThat(call("GET", status, ayla.accessToken(), null)
                        .json()
                        .get("is_primary")
                        .asBoolean())
                .isTrue();
        assertThat(call("GET", status, bram.accessToken(), null).status()).isEqualTo(404);
        assertThat(call("POST", "/api/v1/infinitestories/heroes/" + heroOfBram + "/avatar", ayla.accessToken(), "{}")
                        .status())
                .isEqualTo(404);
        // one primary per hero is the database's rule
        assertThat(Rest.as(ayla.accessToken())
                        .post(
                                "/hero_gallery",
                                Rest.json(Map.of("hero_id", heroOfAyla, "image_url", "/x.png", "is_primary", true)))
                        .status())
                .isEqualTo(409);
        assertThat(text(
                        "select count(*) from infinitestories.api_usage where user_id = ?::uuid and function_name = 'avatar'",
                        ayla.id().toString()))
                .isEqualTo("3");
    }

    @Test
    void illustrationsTakeTheHerosAvatarOrThePreviousSceneAsTheirReference() throws Exception {
        TestUser cleo = server.newUser();
        String heroId = hero(cleo, "Cleo");
        StoriesApi.Answer avatar =
                call("POST", "/api/v1/infinitestories/heroes/" + heroId + "/avatar", cleo.accessToken(), "{}");
        assertThat(avatar.status()).isEqualTo(202);
        Poll.until(
                "the avatar is drawn",
                StoriesApi.WITHIN,
                () -> "1"
                        .equals(text(
                                "select count(*) from infinitestories.hero_gallery where hero_id = ?::uuid and is_primary",
                                heroId)));
        String storyId = story(cleo.accessToken(), heroId, "a lighthouse")
                .json()
                .get("story_id")
                .asText();
        assertThat(settled(storyId)).isEqualTo("completed");
        illustrationsSettled(storyId);
        List<String> references = rows(
                "select coalesce(i.generation_metadata->>'reference', 'none') from infinitestories.story_illustrations i "
                        + "join infinitestories.story_scenes s on s.id = i.scene_id where i.story_id = ?::uuid "
                        + "order by s.scene_number",
                storyId);
        assertThat(references.get(0)).isEqualTo("hero_avatar"); // the first scene has no previous one
        assertThat(references).allMatch(r -> r.equals("hero_avatar") || r.equals("previous_illustration"));
    }

    @Test
    void onlyAModeratorListsAndReviewsFlags() throws Exception {
        String flags = "/api/v1/infinitestories/moderation/flags";
        assertThat(call("GET", flags, null, null).status()).isEqualTo(401);
        assertThat(call("GET", flags, ayla.accessToken(), null).status()).isEqualTo(403);
        StoriesApi.Answer refused = story(bram.accessToken(), heroOfBram, "a dragon covered in blood");
        assertThat(refused.status()).isEqualTo(422);
        String content = refused.json().get("content_id").asText();

        JsonNode unreviewed =
                call("GET", flags + "?limit=1000", server.serviceKey(), null).json();
        JsonNode flag = null;
        for (JsonNode f : unreviewed) {
            if (f.get("content_id").asText().equals(content)) {
                flag = f;
            }
        }
        assertThat(flag).isNotNull();
        assertThat(flag.get("user_id").asText()).isEqualTo(bram.id().toString());
        assertThat(flag.get("action_taken").asText()).isEqualTo("rejected");
        String review = flags + "/" + flag.get("id").asText() + "/review";
        assertThat(call("POST", review, ayla.accessToken(), "{}").status()).isEqualTo(403);
        assertThat(call("POST", review, server.serviceKey(), "{\"action_taken\":\"maybe\"}")
                        .json()
                        .get("field")
                        .asText())
                .isEqualTo("action_taken");
        StoriesApi.Answer done = call(
                "POST",
                review,
                server.serviceKey(),
                "{\"action_taken\":\"approved\",\"reviewer_id\":\"" + ayla.id() + "\"}");
        assertThat(done.status()).as(done.json().toString()).isEqualTo(200);
        assertThat(done.json().get("action_taken").asText()).isEqualTo("approved");
        assertThat(done.json().get("reviewed_by").asText()).isEqualTo(ayla.id().toString());
        assertThat(call("POST", review, server.serviceKey(), "{}").status()).isEqualTo(409);
        assertThat(call("POST", flags + "/" + UUID.randomUUID() + "/review", server.serviceKey(), "{}")
                        .status())
                .isEqualTo(404);
        JsonNode reviewed = call("GET", flags + "?reviewed=true&limit=1000", server.serviceKey(), null)
                .json();
        assertThat(reviewed.findValuesAsText("id")).contains(flag.get("id").asText());
    }

    private static void awaitAvatar(StoriesApi.Answer accepted) throws Exception {
        assertThat(accepted.status()).as(accepted.json().toString()).isEqualTo(202);
        String status = accepted.header("Location");
        Poll.until("the avatar is drawn", StoriesApi.WITHIN, () -> {
            JsonNode state = call("GET", status, ayla.accessToken(), null).json();
            assertThat(state.get("state").asText()).isNotIn("failed", "cancelled");
            return state.get("state").asText().equals("completed");
        });
    }

    private static String storyStatusOverRest(TestUser user, String storyId) {
        return Rest.as(user.accessToken())
                .get("/stories?id=eq." + storyId + "&select=status")
                .json()
                .get(0)
                .get("status")
                .asText();
    }

    private static String privateEventOf(TestUser user) {
        return Rest.as(user.accessToken())
                .with("Prefer", "return=representation")
                .post("/custom_events", Rest.json(Map.of("title", "secret", "prompt_seed", "a secret garden")))
                .json()
                .get(0)
                .get("id")
                .asText();
    }
}
