package dev.atelier.apps.infinitestories;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.ai.AiException;
import dev.atelier.platform.ai.Moderation;
import dev.atelier.platform.ai.StoryPrompt;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.NewJob;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * The request side of InfiniteStories' generation (ADR 14): checks the request, counts it against
 * the user's rate limit, has the prompt moderated, then creates the story (pending) and enqueues
 * the job that writes it, or the avatar job, in one transaction. Nothing is charged: the document
 * has no credits.
 */
@Service
class StoryRequests {

    static final String STORY_KIND = "infinitestories.story";
    static final String AVATAR_KIND = "infinitestories.avatar";
    static final String QUEUE = "infinitestories";
    /** The rate limits' function names (rate_limits.function_name). */
    static final String STORY_FUNCTION = "story-generation";

    static final String AVATAR_FUNCTION = "avatar-generation";

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_EVENT_TEXT = 2000;
    private static final int MAX_EVENT_DATA = 8192;

    private final Database database;
    private final RateLimits rateLimits;
    private final ProviderCalls calls;
    private final int storiesPerWindow;
    private final int avatarsPerWindow;
    private final Duration window;
    private final Duration moderationTimeout;
    private final int maxScenes;

    StoryRequests(
            Database database,
            RateLimits rateLimits,
            ProviderCalls calls,
            @Value("${ATELIER_INFINITESTORIES_STORIES_PER_WINDOW:${atelier.infinitestories.stories-per-window:10}}")
                    int storiesPerWindow,
            @Value("${ATELIER_INFINITESTORIES_AVATARS_PER_WINDOW:${atelier.infinitestories.avatars-per-window:10}}")
                    int avatarsPerWindow,
            @Value("${ATELIER_INFINITESTORIES_RATE_WINDOW_SECONDS:${atelier.infinitestories.rate-window-seconds:3600}}")
                    long windowSeconds,
            @Value(
                            "${ATELIER_INFINITESTORIES_MODERATION_TIMEOUT_SECONDS:${atelier.infinitestories.moderation-timeout-seconds:15}}")
                    long moderationTimeoutSeconds,
            @Value("${ATELIER_INFINITESTORIES_MAX_SCENES:${atelier.infinitestories.max-scenes:5}}") int maxScenes) {
        if (storiesPerWindow < 1 || avatarsPerWindow < 1 || windowSeconds < 1) {
            throw new IllegalArgumentException("InfiniteStories rate limits must be at least 1 per window of 1 s");
        }
        if (maxScenes < 1 || maxScenes > 20) {
            throw new IllegalArgumentException("atelier.infinitestories.max-scenes must be between 1 and 20");
        }
        this.database = database;
        this.rateLimits = rateLimits;
        this.calls = calls;
        this.storiesPerWindow = storiesPerWindow;
        this.avatarsPerWindow = avatarsPerWindow;
        this.window = Duration.ofSeconds(windowSeconds);
        this.moderationTimeout = Duration.ofSeconds(Math.max(1, moderationTimeoutSeconds));
        this.maxScenes = maxScenes;
    }

    /** The accepted story: its id and status (pending), and what moderation said. */
    record AcceptedStory(UUID storyId, String status, String moderation, int flags, long jobId) {}

    /** The accepted avatar: the job that draws it and the generation id its gallery row will carry. */
    record AcceptedAvatar(long jobId, String generationId, String status) {}

    /** A hero as the story and avatar jobs need it. */
    record Hero(
            UUID id,
            String name,
            String primaryTrait,
            String secondaryTrait,
            @Nullable String appearance,
            @Nullable String ability) {}

    // ---------------------------------------------------------------------------------------------
    // Stories
    // ---------------------------------------------------------------------------------------------

    AcceptedStory createStory(Caller caller, @Nullable JsonNode raw) throws SQLException {
        UUID user = user(caller);
        JsonNode body = JsonBody.object(raw);
        UUID heroId = uuid(body, "hero_id", true);
        String eventType = JsonBody.text(body, "event_type");
        if (eventType == null || !(eventType.equals("built_in") || eventType.equals("custom"))) {
            throw Problem.badInput("event_type", "event_type must be \"built_in\" or \"custom\"");
        }
        JsonNode eventData = body.get("event_data");
        boolean hasEventData = eventData != null && !eventData.isNull();
        UUID customEventId = uuid(body, "custom_event_id", false);
        String language = JsonBody.text(body, "language");
        if (language == null) {
            language = "en";
        }
        if (!StoryPrompt.LANGUAGES.contains(language)) {
            throw Problem.badInput("language", "language must be one of en, es, fr, de, it");
        }
        String eventText;
        ObjectNode storedEventData;
        String eventField;
        if (eventType.equals("built_in")) {
            if (customEventId != null) {
                throw Problem.badInput("custom_event_id", "custom_event_id goes with event_type \"custom\"");
            }
            if (!hasEventData || !eventData.isObject()) {
                throw Problem.badInput("event_data", "event_data must be a JSON object describing the event");
            }
            if (eventData.toString().length() > MAX_EVENT_DATA) {
                throw Problem.badInput("event_data", "event_data must be at most " + MAX_EVENT_DATA + " characters");
            }
            eventText = eventText(eventData);
            storedEventData = (ObjectNode) eventData.deepCopy();
            eventField = "event_data";
        } else {
            if (customEventId == null) {
                throw Problem.badInput("custom_event_id", "custom_event_id is required for event_type \"custom\"");
            }
            if (hasEventData) {
                throw Problem.badInput("event_data", "send either event_data (built_in) or custom_event_id (custom)");
            }
            storedEventData = null;
            eventText = "";
            eventField = "custom_event_id";
        }
        Hero hero = hero(caller, java.util.Objects.requireNonNull(heroId));
        if (customEventId != null) {
            ObjectNode event = customEvent(caller, customEventId);
            storedEventData = event;
            eventText = event.path("title").asText() + ": "
                    + event.path("prompt_seed").asText();
        }
        ObjectNode eventDataToStore = java.util.Objects.requireNonNull(storedEventData);

        limit(user, STORY_FUNCTION, storiesPerWindow, "stories");

        UUID storyId = UUID.randomUUID();
        Verdict verdict = moderate(user, storyId, eventText, eventField);
        String prompt = verdict.prompt();

        ObjectNode args = JSON.createObjectNode();
        args.put("story_id", storyId.toString());
        args.put("user_id", user.toString());
        ObjectNode heroNode = args.putObject("hero");
        heroNode.put("id", hero.id().toString());
        heroNode.put("name", hero.name());
        heroNode.putArray("traits").add(hero.primaryTrait()).add(hero.secondaryTrait());
        heroNode.put("appearance", hero.appearance() == null ? "" : hero.appearance());
        heroNode.put("ability", hero.ability() == null ? "" : hero.ability());
        args.put("event", prompt);
        args.put("language", language);
        args.put("max_scenes", maxScenes);
        args.put("cache_key", cacheKey(heroNode, prompt, language, maxScenes));

        ObjectNode metadata = JSON.createObjectNode();
        metadata.put("request_id", storyId.toString());
        metadata.put("cache_hit", false);
        metadata.put("filter_changes", verdict.flags());
        metadata.put("moderation", verdict.action());
        if (!prompt.equals(eventText)) {
            metadata.put("sanitized_prompt", prompt);
        }
        String title = Texts.clip(hero.name() + ": " + firstLine(prompt), 120);
        String finalEventType = eventType;
        long jobId = database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement insert = tx.connection().prepareStatement("""
                            insert into infinitestories.stories (id, user_id, hero_id, custom_event_id, title, content,
                                event_type, event_data, language, status, generation_metadata)
                            values (?, ?, ?, ?, ?, '', ?, ?::jsonb, ?, 'pending', ?::jsonb)""")) {
                insert.setObject(1, storyId);
                insert.setObject(2, user);
                insert.setObject(3, heroId);
                insert.setObject(4, customEventId);
                insert.setString(5, title);
                insert.setString(6, finalEventType);
                insert.setString(7, eventDataToStore.toString());
                insert.setString(8, args.path("language").asText());
                insert.setString(9, metadata.toString());
                insert.executeUpdate();
            }
            return JobEngine.enqueue(
                    tx,
                    NewJob.of(STORY_KIND)
                            .withQueue(QUEUE)
                            .withArgs(args.toString())
                            .withIdempotencyKey("story:" + storyId));
        });
        return new AcceptedStory(storyId, "pending", verdict.action(), verdict.flags(), jobId);
    }

    // ---------------------------------------------------------------------------------------------
    // Avatars
    // ---------------------------------------------------------------------------------------------

    AcceptedAvatar createAvatar(Caller caller, UUID heroId, @Nullable JsonNode raw) throws SQLException {
        UUID user = user(caller);
        JsonNode body = raw == null || raw.isNull() ? JSON.createObjectNode() : JsonBody.object(raw);
        String prompt = JsonBody.text(body, "prompt");
        if (prompt != null && (prompt.isBlank() || prompt.length() > 1000)) {
            throw Problem.badInput("prompt", "prompt must be 1 to 1000 characters");
        }
        JsonNode primaryNode = body.get("make_primary");
        boolean primary = true;
        if (primaryNode != null && !primaryNode.isNull()) {
            if (!primaryNode.isBoolean()) {
                throw Problem.badInput("make_primary", "make_primary must be true or false");
            }
            primary = primaryNode.booleanValue();
        }
        Hero hero = hero(caller, heroId);
        String text = prompt != null
                ? prompt
                : "A friendly portrait of " + hero.name() + ", a " + hero.primaryTrait() + " and "
                        + hero.secondaryTrait() + " child hero"
                        + (hero.appearance() == null || hero.appearance().isBlank() ? "" : ", " + hero.appearance());
        limit(user, AVATAR_FUNCTION, avatarsPerWindow, "avatars");
        UUID generation = UUID.randomUUID();
        Verdict verdict = moderate(user, generation, text, prompt == null ? "hero_id" : "prompt");
        ObjectNode args = JSON.createObjectNode();
        args.put("generation_id", generation.toString());
        args.put("hero_id", heroId.toString());
        args.put("user_id", user.toString());
        args.put("prompt", verdict.prompt());
        args.put("primary", primary);
        long jobId = database.transaction(
                Caller.serviceRole(),
                tx -> JobEngine.enqueue(
                        tx,
                        NewJob.of(AVATAR_KIND)
                                .withQueue(QUEUE)
                                .withArgs(args.toString())
                                .withIdempotencyKey("avatar:" + generation)));
        return new AcceptedAvatar(jobId, generation.toString(), "pending");
    }

    /** The avatar job's state for its owner; empty when there is none of theirs. */
    Optional<ObjectNode> avatarStatus(Caller caller, UUID heroId, long jobId) throws SQLException {
        UUID user = user(caller);
        return database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("""
                            select state, attempt, progress, progress_message, last_error, args->>'generation_id'
                            from platform.jobs
                            where id = ? and kind = ? and args->>'user_id' = ? and args->>'hero_id' = ?""")) {
                s.setLong(1, jobId);
                s.setString(2, AVATAR_KIND);
                s.setString(3, user.toString());
                s.setString(4, heroId.toString());
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ObjectNode>empty();
                    }
                    ObjectNode out = JSON.createObjectNode();
                    out.put("job_id", jobId);
                    out.put("state", rs.getString(1));
                    out.put("attempt", rs.getInt(2));
                    out.put("progress", rs.getBigDecimal(3));
                    out.put("progress_message", rs.getString(4));
                    out.put("error", rs.getString(5));
                    String generation = rs.getString(6);
                    out.put("generation_id", generation);
                    try (PreparedStatement g = tx.connection()
                            .prepareStatement(
                                    "select image_url, thumbnail_url, is_primary from infinitestories.hero_gallery "
                                            + "where hero_id = ? and generation_id = ?")) {
                        g.setObject(1, heroId);
                        g.setString(2, generation);
                        try (ResultSet row = g.executeQuery()) {
                            if (row.next()) {
                                out.put("image_url", row.getString(1));
                                out.put("thumbnail_url", row.getString(2));
                                out.put("is_primary", row.getBoolean(3));
                            }
                        }
                    }
                    return Optional.of(out);
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Steps
    // ---------------------------------------------------------------------------------------------

    static UUID user(Caller caller) {
        Optional<UUID> user = caller.userId();
        if (user.isPresent()) {
            return user.get();
        }
        if ("anon".equals(caller.role())) {
            throw Problem.signInRequired();
        }
        throw Problem.forbidden("this endpoint acts for a signed-in user: use the user's access token");
    }

    private void limit(UUID user, String function, int limit, String what) throws SQLException {
        Optional<Duration> wait = rateLimits.take(user, function, limit, window);
        if (wait.isPresent()) {
            Refusal refusal = new Refusal(
                    429,
                    "Too many requests",
                    "at most " + limit + " " + what + " per user in " + window.toSeconds() + " s; try again in "
                            + Math.max(1, (wait.get().toMillis() + 999) / 1000) + " s",
                    wait.get(),
                    null,
                    Map.of("limit", limit, "window_seconds", window.toSeconds(), "function", function));
            throw refusal;
        }
    }

    /** What moderation decided, the prompt to use and how many flags were recorded. */
    record Verdict(String action, String prompt, int flags) {}

    private Verdict moderate(UUID user, UUID contentId, String text, String field) throws SQLException {
        ObjectNode meta = JSON.createObjectNode();
        meta.put("content_id", contentId.toString());
        Moderation verdict;
        try {
            verdict = calls.call(
                    user,
                    "moderation",
                    contentId.toString(),
                    1,
                    moderationTimeout,
                    meta,
                    Moderation::usage,
                    (provider, call) -> provider.moderate(call, text));
        } catch (AiException e) {
            if (e.kind() == AiException.Kind.REJECTED) {
                recordFlags(contentId, text, null, "rejected", List.of(new Moderation.Flag("other", "high", 1.0)));
                throw refused(contentId, field, List.of(new Moderation.Flag("other", "high", 1.0)));
            }
            throw new Refusal(
                    503,
                    "Service unavailable",
                    "the moderation provider did not answer (" + e.code() + "); nothing was created, try again",
                    e.retryAfter() == null ? Duration.ofSeconds(5) : e.retryAfter(),
                    null,
                    Map.of("error_code", e.code()));
        }
        String action = switch (verdict.action()) {
            case "reject" -> "rejected";
            case "modify" -> "modified";
            default -> "approved";
        };
        String sanitized = verdict.sanitized();
        List<Moderation.Flag> flags = verdict.flags();
        if (flags.isEmpty() && !action.equals("approved")) {
            flags = List.of(new Moderation.Flag("other", "medium", 1.0));
        }
        if (!flags.isEmpty()) {
            recordFlags(contentId, text, action.equals("modified") ? sanitized : null, action, flags);
        }
        if (verdict.rejected()) {
            throw refused(contentId, field, flags);
        }
        String prompt = action.equals("modified") && sanitized != null && !sanitized.isBlank() ? sanitized : text;
        return new Verdict(action, prompt, flags.size());
    }

    private static Refusal refused(UUID contentId, String field, List<Moderation.Flag> flags) {
        List<Map<String, Object>> found = flags.stream()
                .map(f -> Map.<String, Object>of(
                        "flag_type",
                        flagType(f.type()),
                        "severity",
                        severity(f.severity()),
                        "confidence",
                        f.confidence()))
                .toList();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("content_id", contentId.toString());
        properties.put("flags", found);
        return new Refusal(
                422,
                "Content refused",
                "the prompt was refused by moderation ("
                        + String.join(
                                ", ",
                                flags.stream()
                                        .map(f -> flagType(f.type()) + ", " + severity(f.severity()))
                                        .toList())
                        + "); no story was created",
                null,
                field,
                properties);
    }

    private void recordFlags(
            UUID contentId, String original, @Nullable String modified, String action, List<Moderation.Flag> flags)
            throws SQLException {
        database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement insert = tx.connection().prepareStatement("""
                            insert into infinitestories.content_flags (content_type, content_id, flag_type, severity,
                                action_taken, original_content, modified_content, ai_confidence)
                            values ('prompt', ?, ?, ?, ?, ?, ?, ?)""")) {
                for (Moderation.Flag flag : flags) {
                    insert.setObject(1, contentId);
                    insert.setString(2, flagType(flag.type()));
                    insert.setString(3, severity(flag.severity()));
                    insert.setString(4, action);
                    insert.setString(5, Texts.clip(original, 4000));
                    insert.setString(6, modified == null ? null : Texts.clip(modified, 4000));
                    double confidence = Double.isFinite(flag.confidence()) ? flag.confidence() : 1.0;
                    insert.setBigDecimal(
                            7,
                            BigDecimal.valueOf(Math.max(0, Math.min(1, confidence)))
                                    .setScale(2, RoundingMode.HALF_UP));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return Boolean.TRUE;
        });
    }

    /** A provider's category in the document's words (violence, fear, inappropriate, isolation, medical, other). */
    static String flagType(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        if (t.contains("violen") || t.contains("weapon") || t.contains("gore")) {
            return "violence";
        }
        if (t.contains("fear") || t.contains("scar") || t.contains("horror")) {
            return "fear";
        }
        if (t.contains("sexual")
                || t.contains("hate")
                || t.contains("harass")
                || t.contains("profan")
                || t.contains("inappropriate")
                || t.contains("personal")) {
            return "inappropriate";
        }
        if (t.contains("isolat") || t.contains("abandon") || t.contains("lonel")) {
            return "isolation";
        }
        if (t.contains("self") || t.contains("medical") || t.contains("drug") || t.contains("health")) {
            return "medical";
        }
        return "other";
    }

    static String severity(String severity) {
        String s = severity.toLowerCase(Locale.ROOT);
        return List.of("low", "medium", "high", "critical").contains(s) ? s : "medium";
    }

    private Hero hero(Caller caller, UUID heroId) throws SQLException {
        Optional<Hero> hero = database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement("select name, primary_trait, secondary_trait, appearance, special_ability "
                            + "from infinitestories.heroes where id = ?")) {
                s.setObject(1, heroId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Hero>empty();
                    }
                    return Optional.of(new Hero(
                            heroId,
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5)));
                }
            }
        });
        return hero.orElseThrow(() -> Problem.notFound("no hero " + heroId + " of yours"));
    }

    private ObjectNode customEvent(Caller caller, UUID eventId) throws SQLException {
        Optional<ObjectNode> event = database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement(
                            "select title, description, prompt_seed, category, tone from infinitestories.custom_events "
                                    + "where id = ?")) {
                s.setObject(1, eventId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<ObjectNode>empty();
                    }
                    ObjectNode node = JSON.createObjectNode();
                    node.put("custom_event_id", eventId.toString());
                    node.put("title", rs.getString(1));
                    node.put("description", rs.getString(2));
                    node.put("prompt_seed", rs.getString(3));
                    node.put("category", rs.getString(4));
                    node.put("tone", rs.getString(5));
                    return Optional.of(node);
                }
            }
        });
        return event.orElseThrow(() -> Problem.notFound("no custom event " + eventId + " you may use"));
    }

    private static @Nullable UUID uuid(JsonNode body, String field, boolean required) {
        String text = JsonBody.text(body, field);
        if (text == null) {
            if (required) {
                throw Problem.badInput(field, field + " is required");
            }
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw Problem.badInput(field, field + " must be a uuid");
        }
    }

    /** The event's text: the first of prompt, description, title, event or name that is a non-empty string. */
    private static String eventText(JsonNode eventData) {
        for (String key : List.of("prompt", "description", "title", "event", "name")) {
            JsonNode value = eventData.get(key);
            if (value != null && value.isTextual() && !value.textValue().isBlank()) {
                String text = value.textValue().trim();
                if (text.length() > MAX_EVENT_TEXT) {
                    throw Problem.badInput(
                            "event_data", "event_data." + key + " must be at most " + MAX_EVENT_TEXT + " characters");
                }
                return text;
            }
        }
        throw Problem.badInput(
                "event_data",
                "event_data must name the event in a string field: prompt, description, title, event or name");
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    static String cacheKey(ObjectNode hero, String event, String language, int maxScenes) {
        ObjectNode key = JSON.createObjectNode();
        key.put("v", 1);
        key.set("hero", hero);
        key.put("event", event);
        key.put("language", language);
        key.put("max_scenes", maxScenes);
        return "story:" + Texts.sha256(key.toString());
    }
}
