package dev.atelier.apps.infinitestories;

import static dev.atelier.apps.infinitestories.StoryRequests.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.ai.AiException;
import dev.atelier.platform.ai.ImagePrompt;
import dev.atelier.platform.ai.Media;
import dev.atelier.platform.ai.Scene;
import dev.atelier.platform.ai.StoryPrompt;
import dev.atelier.platform.ai.Text;
import dev.atelier.platform.ai.Thumbnails;
import dev.atelier.platform.cache.Caches;
import dev.atelier.platform.cache.SharedCache;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.GiveUpNow;
import dev.atelier.platform.jobs.JobContext;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.JobType;
import dev.atelier.platform.storage.ServerFiles;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The work of InfiniteStories' generation on the job engine (ADR 14): the story job (text and
 * scenes, then the scenes and one pending illustration per scene written in the completing
 * transaction), the illustration jobs ({@code story_illustrations} rows, V72) and the avatar job.
 * Every database effect of a job is in {@code onComplete}, so a worker that lost its lease
 * changes nothing; files are written under names derived from the record, so a second run
 * overwrites rather than adds.
 */
@Component
class StoryJobs {

    /** The story cache's name: its cache_config patterns start {@code infinitestories.cache_entries:}. */
    static final String CACHE = "infinitestories.cache_entries";

    static final String ILLUSTRATION_KIND = "infinitestories.illustration";
    static final String ILLUSTRATIONS_BUCKET = "illustrations";
    static final String AVATARS_BUCKET = "avatars";
    private static final long MAX_REFERENCE_BYTES = 20L * 1024 * 1024;
    private static final Map<String, String> EMOTIONS = Map.ofEntries(
            Map.entry("joyful", "joyful"),
            Map.entry("happy", "joyful"),
            Map.entry("peaceful", "peaceful"),
            Map.entry("calm", "peaceful"),
            Map.entry("sleepy", "peaceful"),
            Map.entry("exciting", "exciting"),
            Map.entry("excited", "exciting"),
            Map.entry("mysterious", "mysterious"),
            Map.entry("curious", "mysterious"),
            Map.entry("heartwarming", "heartwarming"),
            Map.entry("warm", "heartwarming"),
            Map.entry("adventurous", "adventurous"),
            Map.entry("brave", "adventurous"),
            Map.entry("contemplative", "contemplative"),
            Map.entry("thoughtful", "contemplative"),
            Map.entry("sad", "contemplative"));

    private final Database database;
    private final ProviderCalls calls;
    private final ServerFiles files;
    private final SharedCache stories;
    private final int imageSize;
    private volatile Duration storyTimeout;
    private volatile Duration imageTimeout;

    StoryJobs(
            JobEngine jobs,
            Database database,
            Caches caches,
            ProviderCalls calls,
            ServerFiles files,
            @Value("${ATELIER_INFINITESTORIES_CACHE_TTL_SECONDS:${atelier.infinitestories.cache-ttl-seconds:86400}}")
                    long cacheTtlSeconds,
            @Value(
                            "${ATELIER_INFINITESTORIES_STORY_TIMEOUT_SECONDS:${atelier.infinitestories.story-timeout-seconds:90}}")
                    long storyTimeoutSeconds,
            @Value(
                            "${ATELIER_INFINITESTORIES_IMAGE_TIMEOUT_SECONDS:${atelier.infinitestories.image-timeout-seconds:120}}")
                    long imageTimeoutSeconds,
            @Value("${ATELIER_INFINITESTORIES_IMAGE_SIZE:${atelier.infinitestories.image-size:1024}}") int imageSize) {
        if (imageSize < 64 || imageSize > 2048) {
            throw new IllegalArgumentException("atelier.infinitestories.image-size must be between 64 and 2048");
        }
        this.database = database;
        this.calls = calls;
        this.files = files;
        // The document's cache_entries, through the platform's PostgreSQL cache: its TTL unless a
        // cache_config pattern (infinitestories.cache_entries:story:*) says otherwise; the hourly
        // clean-up calls the document's cleanup_expired_cache().
        this.stories = caches.keyValue(
                CACHE,
                "infinitestories.cache_entries",
                "infinitestories.cleanup_expired_cache",
                Duration.ofSeconds(Math.max(1, cacheTtlSeconds)),
                null);
        this.imageSize = imageSize;
        this.storyTimeout = Duration.ofSeconds(Math.max(1, storyTimeoutSeconds));
        this.imageTimeout = Duration.ofSeconds(Math.max(1, imageTimeoutSeconds));
        jobs.register(storyType());
        jobs.register(illustrationType());
        jobs.register(avatarType());
    }

    /** The story job: at most 3 attempts, each within two provider timeouts and a margin. */
    JobType storyType() {
        return JobType.of(StoryRequests.STORY_KIND, this::story)
                .withMaxAttempts(3)
                .withTimeout(storyTimeout.multipliedBy(2).plusSeconds(30))
                .withBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5))
                .withGiveUpHook(StoryJobs::storyFailed);
    }

    /** An illustration: the app table's 6 attempts (the document's at most 5 retries). */
    JobType illustrationType() {
        return JobType.of(ILLUSTRATION_KIND, this::illustration)
                .withTimeout(imageTimeout.plusSeconds(60))
                .withBackoff(Duration.ofSeconds(1), Duration.ofMinutes(10));
    }

    JobType avatarType() {
        return JobType.of(StoryRequests.AVATAR_KIND, this::avatar)
                .withMaxAttempts(3)
                .withTimeout(imageTimeout.plusSeconds(60))
                .withBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5));
    }

    /** Tests shorten the provider calls' timeouts (the engine's per-attempt deadline stays). */
    void providerTimeouts(Duration story, Duration image) {
        this.storyTimeout = story;
        this.imageTimeout = image;
    }

    // ---------------------------------------------------------------------------------------------
    // The story
    // ---------------------------------------------------------------------------------------------

    void story(JobContext job) throws Exception {
        JsonNode args = JSON.readTree(job.args());
        UUID storyId = UUID.fromString(args.path("story_id").asText());
        UUID user = UUID.fromString(args.path("user_id").asText());
        String status = database.transaction(Caller.serviceRole(), tx -> {
                    String current =
                            text(tx.connection(), "select status from infinitestories.stories where id = ?", storyId);
                    if ("pending".equals(current)) {
                        try (PreparedStatement update = tx.connection()
                                .prepareStatement("update infinitestories.stories set status = 'processing' "
                                        + "where id = ? and status = 'pending'")) {
                            update.setObject(1, storyId);
                            update.executeUpdate();
                        }
                    }
                    return java.util.Optional.ofNullable(current);
                })
                .orElse(null);
        if (status == null || status.equals("completed") || status.equals("failed")) {
            return; // deleted meanwhile, or already decided
        }
        job.progress(5, "writing the story");
        String cacheKey = args.path("cache_key").asText();
        JsonNode hero = args.path("hero");
        String language = args.path("language").asText("en");
        int maxScenes = args.path("max_scenes").asInt(5);
        long started = System.nanoTime();
        JsonNode cached = stories.get(cacheKey).map(StoryJobs::parse).orElse(null);
        ObjectNode result;
        boolean hit = cached != null && cached.path("content").isTextual();
        if (hit && cached instanceof ObjectNode cachedObject) {
            result = cachedObject;
        } else {
            result = JSON.createObjectNode();
            List<String> traits = new ArrayList<>();
            hero.path("traits").forEach(t -> traits.add(t.asText()));
            String ability = hero.path("ability").asText("");
            StoryPrompt prompt = new StoryPrompt(
                    hero.path("name").asText(),
                    traits,
                    hero.path("appearance").asText(""),
                    ability.isBlank() ? "kindness" : ability,
                    args.path("event").asText(),
                    language);
            ObjectNode meta = JSON.createObjectNode().put("story_id", storyId.toString());
            try {
                Text text = calls.call(
                        user,
                        "story",
                        storyId.toString(),
                        job.attempt(),
                        storyTimeout,
                        meta,
                        Text::usage,
                        (p, c) -> p.story(c, prompt));
                if (text.text().isBlank()) {
                    throw new AiException(AiException.Kind.TRANSIENT, "the provider wrote an empty story");
                }
                job.progress(40, "cutting the story into scenes");
                List<Scene> scenes = calls.call(
                        user,
                        "scenes",
                        storyId.toString(),
                        job.attempt(),
                        storyTimeout,
                        JSON.createObjectNode().put("story_id", storyId.toString()),
                        s -> null,
                        (p, c) -> p.scenes(c, text.text(), language, maxScenes));
                result.put("content", text.text());
                result.put("provider", text.usage().provider());
                result.put("model", text.usage().model());
                result.put(
                        "tokens_used", text.usage().inputTokens() + text.usage().outputTokens());
                result.put("cost_estimate", text.usage().costEstimate());
                ArrayNode sceneNodes = result.putArray("scenes");
                for (Scene scene : scenes) {
                    if (scene.text().isBlank()) {
                        continue;
                    }
                    sceneNodes
                            .addObject()
                            .put("text", scene.text())
                            .put(
                                    "prompt",
                                    scene.illustrationPrompt().isBlank() ? scene.text() : scene.illustrationPrompt())
                            .put("timestamp", Math.max(0, scene.timestampSeconds()))
                            .put("emotion", scene.emotion())
                            .put("importance", scene.importance());
                    if (sceneNodes.size() >= maxScenes) {
                        break;
                    }
                }
            } catch (AiException e) {
                throw ProviderCalls.forJob(e);
            }
        }
        job.progress(70, "saving the story");
        long millis = (System.nanoTime() - started) / 1_000_000;
        UUID heroId = UUID.fromString(hero.path("id").asText());
        ObjectNode finalResult = result;
        job.onComplete(tx -> finishStory(tx.connection(), storyId, user, heroId, cacheKey, finalResult, hit, millis));
    }

    private void finishStory(
            Connection c,
            UUID storyId,
            UUID user,
            UUID heroId,
            String cacheKey,
            ObjectNode result,
            boolean hit,
            long millis)
            throws SQLException {
        String content = result.path("content").asText();
        int words = Texts.words(content);
        JsonNode scenes = result.path("scenes");
        ObjectNode meta = JSON.createObjectNode();
        meta.put("provider", result.path("provider").asText(null));
        meta.put("model", result.path("model").asText(null));
        meta.put("tokens_used", hit ? 0 : result.path("tokens_used").asInt());
        meta.put("processing_time_ms", millis);
        meta.put("scene_count", scenes.size());
        meta.put("cache_hit", hit);
        if (hit) {
            meta.put("cache_key", cacheKey);
        }
        int updated;
        try (PreparedStatement update = c.prepareStatement("""
                update infinitestories.stories
                set content = ?, word_count = ?, estimated_duration = ? * interval '1 second', status = 'completed',
                    generation_metadata = coalesce(generation_metadata, '{}'::jsonb) || ?::jsonb
                where id = ? and status in ('pending', 'processing')""")) {
            update.setString(1, content);
            update.setObject(2, words > 0 ? words : null);
            update.setDouble(3, Math.round(words / 2.5 * 10) / 10.0);
            update.setString(4, meta.toString());
            update.setObject(5, storyId);
            updated = update.executeUpdate();
        }
        if (updated == 0) {
            return; // deleted, or failed meanwhile
        }
        String previousGeneration = null;
        int number = 0;
        try (PreparedStatement scene = c.prepareStatement("""
                        insert into infinitestories.story_scenes (id, story_id, scene_number, text_segment,
                            illustration_prompt, timestamp_seconds, emotion, importance)
                        values (?, ?, ?, ?, ?, ?, ?, ?)""");
                PreparedStatement illustration = c.prepareStatement("""
                        insert into infinitestories.story_illustrations (id, scene_id, story_id, generation_id,
                            previous_generation_id, status, generation_metadata)
                        values (?, ?, ?, ?, ?, 'pending', ?::jsonb)""")) {
            for (JsonNode s : scenes) {
                number++;
                UUID sceneId = UUID.randomUUID();
                UUID illustrationId = UUID.randomUUID();
                String prompt = s.path("prompt").asText();
                scene.setObject(1, sceneId);
                scene.setObject(2, storyId);
                scene.setInt(3, number);
                scene.setString(4, s.path("text").asText());
                scene.setString(5, prompt);
                scene.setBigDecimal(6, BigDecimal.valueOf(s.path("timestamp").asDouble()));
                scene.setString(7, emotion(s.path("emotion").asText("")));
                scene.setString(8, importance(s.path("importance").asText("")));
                scene.addBatch();
                String generation = illustrationId.toString();
                ObjectNode meta2 = JSON.createObjectNode();
                meta2.put("prompt", prompt);
                meta2.put("user_id", user.toString());
                meta2.put("hero_id", heroId.toString());
                meta2.put("scene_number", number);
                illustration.setObject(1, illustrationId);
                illustration.setObject(2, sceneId);
                illustration.setObject(3, storyId);
                illustration.setString(4, generation);
                illustration.setString(5, previousGeneration);
                illustration.setString(6, meta2.toString());
                illustration.addBatch();
                previousGeneration = generation;
            }
            scene.executeBatch();
            illustration.executeBatch(); // each pending row is an illustration job (V72)
        }
        if (!hit) {
            stories.put(c, cacheKey, result.toString());
        }
    }

    /** The story job ended without success: the story says so, with the last error. */
    private static void storyFailed(Database.Transaction tx, long jobId, @Nullable String appKey, String outcome)
            throws SQLException {
        try (PreparedStatement update = tx.connection().prepareStatement("""
                        update infinitestories.stories s
                        set status = 'failed',
                            generation_metadata = coalesce(s.generation_metadata, '{}'::jsonb)
                                || jsonb_build_object('error', j.last_error, 'outcome', ?::text)
                        from platform.jobs j
                        where j.id = ? and s.id = (j.args->>'story_id')::uuid and s.status in ('pending', 'processing')""")) {
            update.setString(1, outcome);
            update.setLong(2, jobId);
            update.executeUpdate();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Illustrations
    // ---------------------------------------------------------------------------------------------

    void illustration(JobContext job) throws Exception {
        UUID id = UUID.fromString(java.util.Objects.requireNonNull(job.appKey()));
        JsonNode row = database.transaction(
                        Caller.serviceRole(),
                        true,
                        tx -> java.util.Optional.ofNullable(jsonOrNull(tx.connection(), """
                        select jsonb_build_object('story_id', i.story_id, 'user_id', s.user_id, 'hero_id', s.hero_id,
                                   'scene_number', sc.scene_number, 'prompt', coalesce(i.generation_metadata->>'prompt',
                                   sc.illustration_prompt), 'previous', i.previous_generation_id)::text
                        from infinitestories.story_illustrations i
                        join infinitestories.stories s on s.id = i.story_id
                        join infinitestories.story_scenes sc on sc.id = i.scene_id
                        where i.id = ?""", id)))
                .orElse(null);
        if (row == null || !row.path("prompt").isTextual()) {
            throw new GiveUpNow("the illustration has no story, scene or prompt");
        }
        UUID storyId = UUID.fromString(row.path("story_id").asText());
        UUID user = UUID.fromString(row.path("user_id").asText());
        int sceneNumber = row.path("scene_number").asInt();
        job.progress(10, "looking for the previous illustration");
        String referenceFrom = null;
        byte[] reference = null;
        String previous = row.path("previous").asText(null);
        if (previous != null) {
            String url = database.transaction(
                            Caller.serviceRole(),
                            true,
                            tx -> java.util.Optional.ofNullable(text(
                                    tx.connection(),
                                    "select image_url from infinitestories.story_illustrations where story_id = ? "
                                            + "and generation_id = ? and status = 'completed'",
                                    storyId,
                                    previous)))
                    .orElse(null);
            reference = readPublic(url, ILLUSTRATIONS_BUCKET);
            referenceFrom = reference == null ? null : "previous_illustration";
        }
        if (reference == null && row.path("hero_id").isTextual()) {
            UUID heroId = UUID.fromString(row.path("hero_id").asText());
            String url = database.transaction(
                            Caller.serviceRole(),
                            true,
                            tx -> java.util.Optional.ofNullable(text(
                                    tx.connection(),
                                    "select image_url from infinitestories.hero_gallery where hero_id = ? and is_primary",
                                    heroId)))
                    .orElse(null);
            reference = readPublic(url, AVATARS_BUCKET);
            referenceFrom = reference == null ? null : "hero_avatar";
        }
        job.progress(30, "drawing");
        ImagePrompt prompt = new ImagePrompt(
                row.path("prompt").asText(),
                storyId.getMostSignificantBits() ^ sceneNumber,
                imageSize,
                imageSize,
                List.of(),
                reference);
        Media image;
        try {
            image = calls.call(
                    user,
                    "illustration",
                    id.toString(),
                    job.attempt(),
                    imageTimeout,
                    JSON.createObjectNode().put("story_id", storyId.toString()).put("scene_number", sceneNumber),
                    Media::usage,
                    (p, c) -> p.image(c, prompt));
        } catch (AiException e) {
            throw ProviderCalls.forJob(e);
        }
        job.progress(80, "storing");
        String base = user + "/" + storyId + "/scene-" + sceneNumber;
        Stored stored = store(ILLUSTRATIONS_BUCKET, base, user, image);
        ObjectNode meta = JSON.createObjectNode();
        meta.put("provider", image.usage().provider());
        meta.put("model", image.usage().model());
        meta.put("width", image.width());
        meta.put("height", image.height());
        meta.put("content_type", image.contentType());
        meta.put("reference", referenceFrom);
        job.onComplete(tx -> {
            try (PreparedStatement update = tx.connection().prepareStatement("""
                            update infinitestories.story_illustrations
                            set image_url = ?, thumbnail_url = ?,
                                generation_metadata = coalesce(generation_metadata, '{}'::jsonb) || ?::jsonb
                            where id = ?""")) {
                update.setString(1, stored.image());
                update.setString(2, stored.thumbnail());
                update.setString(3, meta.toString());
                update.setObject(4, id);
                update.executeUpdate();
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Avatars
    // ---------------------------------------------------------------------------------------------

    void avatar(JobContext job) throws Exception {
        JsonNode args = JSON.readTree(job.args());
        UUID heroId = UUID.fromString(args.path("hero_id").asText());
        UUID user = UUID.fromString(args.path("user_id").asText());
        String generation = args.path("generation_id").asText();
        String promptText = args.path("prompt").asText();
        boolean primary = args.path("primary").asBoolean(true);
        String exists = database.transaction(
                        Caller.serviceRole(),
                        true,
                        tx -> java.util.Optional.ofNullable(text(
                                tx.connection(), "select id::text from infinitestories.heroes where id = ?", heroId)))
                .orElse(null);
        if (exists == null) {
            return; // the hero was deleted meanwhile
        }
        job.progress(20, "drawing the avatar");
        Media image;
        try {
            image = calls.call(
                    user,
                    "avatar",
                    generation,
                    job.attempt(),
                    imageTimeout,
                    JSON.createObjectNode().put("hero_id", heroId.toString()),
                    Media::usage,
                    (p, c) -> p.image(
                            c, ImagePrompt.of(promptText, heroId.getMostSignificantBits(), imageSize, imageSize)));
        } catch (AiException e) {
            throw ProviderCalls.forJob(e);
        }
        job.progress(80, "storing");
        Stored stored = store(AVATARS_BUCKET, user + "/heroes/" + heroId + "/" + generation, user, image);
        job.onComplete(tx -> {
            Connection c = tx.connection();
            if (text(c, "select id::text from infinitestories.heroes where id = ? for update", heroId) == null) {
                return;
            }
            if (primary) {
                try (PreparedStatement demote = c.prepareStatement(
                        "update infinitestories.hero_gallery set is_primary = false where hero_id = ? and is_primary")) {
                    demote.setObject(1, heroId);
                    demote.executeUpdate();
                }
            }
            try (PreparedStatement insert = c.prepareStatement("""
                    insert into infinitestories.hero_gallery (hero_id, image_url, thumbnail_url, generation_id,
                        prompt_used, is_primary)
                    values (?, ?, ?, ?, ?, ?)""")) {
                insert.setObject(1, heroId);
                insert.setString(2, stored.image());
                insert.setString(3, stored.thumbnail());
                insert.setString(4, generation);
                insert.setString(5, promptText);
                insert.setBoolean(6, primary);
                insert.executeUpdate();
            }
            if (primary) {
                try (PreparedStatement hero = c.prepareStatement(
                        "update infinitestories.heroes set avatar_url = ?, avatar_prompt = ?, avatar_generation_id = ? "
                                + "where id = ?")) {
                    hero.setString(1, stored.image());
                    hero.setString(2, promptText);
                    hero.setString(3, generation);
                    hero.setObject(4, heroId);
                    hero.executeUpdate();
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    private record Stored(String image, String thumbnail) {}

    private Stored store(String bucket, String base, UUID owner, Media image) throws Exception {
        String extension = image.contentType().toLowerCase(Locale.ROOT).contains("png")
                ? "png"
                : image.contentType().toLowerCase(Locale.ROOT).contains("jpeg") ? "jpg" : "img";
        ServerFiles.Stored full =
                files.put(bucket, base + "." + extension, owner.toString(), image.bytes(), image.contentType());
        ServerFiles.Stored thumb = files.put(
                bucket, base + "-thumb.png", owner.toString(), Thumbnails.png(image.bytes(), 256), "image/png");
        return new Stored(full.publicPath(), thumb.publicPath());
    }

    /** The bytes of a file this app stored in a public bucket, from its public path; null otherwise. */
    private byte @Nullable [] readPublic(@Nullable String url, String bucket) throws Exception {
        String prefix = ServerFiles.PUBLIC_PREFIX + bucket + "/";
        if (url == null || !url.startsWith(prefix)) {
            return null;
        }
        return files.read(bucket, url.substring(prefix.length()), MAX_REFERENCE_BYTES);
    }

    static @Nullable String emotion(String emotion) {
        return EMOTIONS.get(emotion.toLowerCase(Locale.ROOT));
    }

    static @Nullable String importance(String importance) {
        return switch (importance.toLowerCase(Locale.ROOT)) {
            case "key", "high", "critical" -> "key";
            case "major", "medium" -> "major";
            case "minor", "low" -> "minor";
            default -> null;
        };
    }

    private static @Nullable String text(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static @Nullable JsonNode jsonOrNull(Connection c, String sql, Object... args) throws SQLException {
        String text = text(c, sql, args);
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
