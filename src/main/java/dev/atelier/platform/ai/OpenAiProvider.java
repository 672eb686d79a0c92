package dev.atelier.platform.ai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider that speaks the OpenAI API over HTTP (OpenAI itself or a compatible server):
 * {@code /v1/images/generations}, {@code /v1/chat/completions} (story text; scenes as JSON),
 * {@code /v1/moderations}, {@code /v1/audio/speech} and, when a video model is configured,
 * {@code /v1/videos}. See docs/adr/0012-ai-providers.md for the rules it follows: the call's
 * timeout bounds everything (waiting for a concurrency slot, every attempt, every pause between
 * them), 429 and 5xx are retried a few times honouring Retry-After, other 4xx are refused, bodies
 * are size-bounded, and the key is sent only as the Authorization header and appears nowhere else.
 */
final class OpenAiProvider implements AiProvider {

    private static final Logger log = LoggerFactory.getLogger(OpenAiProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** JSON answers (chat, moderation, video status) are small; media may be up to the configured bound. */
    private static final long MAX_JSON_TEXT_BYTES = 2L * 1024 * 1024;

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(2);
    private static final Duration VIDEO_POLL = Duration.ofSeconds(2);
    private static final Pattern SECRET_LOOKING =
            Pattern.compile("(?i)(bearer\\s+\\S+|sk-[A-Za-z0-9_*.\\-]{4,}|api[_-]?key[\"']?\\s*[:=]\\s*\\S+)");

    private static final Map<String, String> LANGUAGE_NAMES =
            Map.of("en", "English", "es", "Spanish", "fr", "French", "de", "German", "it", "Italian");

    private final RemoteSettings settings;
    private final HttpClient http;
    private final @Nullable ProviderSlots slots;
    /** Requests whose scene answer was malformed once: a second malformed answer is refused for good. */
    private final Cache<String, Boolean> malformedScenes = Caffeine.newBuilder()
            .maximumSize(10_000)
            .expireAfterWrite(Duration.ofHours(6))
            .build();

    OpenAiProvider(RemoteSettings settings, HttpClient http, @Nullable ProviderSlots slots) {
        this.settings = settings;
        this.http = http;
        this.slots = slots;
    }

    static HttpClient newClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    RemoteSettings settings() {
        return settings;
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public String toString() {
        return "OpenAiProvider[" + settings.name() + " at " + settings.baseUrl() + "]";
    }

    // ------------------------------------------------------------------------------------------
    // Capabilities

    @Override
    public Media image(AiCall call, ImagePrompt prompt) throws AiException {
        String model = model("image");
        long started = System.nanoTime();
        String text = prompt.prompt();
        if (!prompt.dna().isEmpty()) {
            text = text + (text.isBlank() ? "" : "\n") + Dna.of(prompt.dna()).describe();
        }
        ObjectNode body = JSON.createObjectNode()
                .put("model", model)
                .put("prompt", text)
                .put("n", 1)
                .put("size", prompt.width() + "x" + prompt.height());
        if (!model.startsWith("gpt-image")) {
            body.put("response_format", "b64_json"); // gpt-image models always answer b64_json and refuse the field
        }
        Reply reply = post(
                call,
                "image",
                "/v1/images/generations",
                body,
                MAX_JSON_TEXT_BYTES + settings.maxResponseBytes() * 4 / 3);
        JsonNode json = reply.json();
        JsonNode first = json.path("data").path(0);
        byte[] bytes;
        if (first.path("b64_json").isTextual()) {
            try {
                bytes = Base64.getMimeDecoder().decode(first.path("b64_json").asText());
            } catch (IllegalArgumentException e) {
                throw malformed("image", "b64_json is not base64");
            }
        } else if (first.path("url").isTextual()) {
            bytes = download(call, first.path("url").asText(), started);
        } else {
            throw malformed("image", "no data[0].b64_json or data[0].url");
        }
        if (bytes.length > settings.maxResponseBytes()) {
            throw tooLarge("image");
        }
        ImageInfo info = ImageInfo.of(bytes);
        if (info == null) {
            throw malformed("image", "the image is not PNG, JPEG, WebP or GIF");
        }
        int in = json.path("usage").path("input_tokens").asInt(0);
        int out = json.path("usage").path("output_tokens").asInt(0);
        BigDecimal cost = tokens(in, out).add(settings.prices().perImage());
        return new Media(bytes, info.contentType(), info.width(), info.height(), usage(model, in, out, cost, started));
    }

    @Override
    public Media video(AiCall call, VideoPrompt prompt) throws AiException {
        String model = settings.model("video");
        if (model == null) {
            throw new AiException(
                    AiException.Kind.UNSUPPORTED, "provider " + name() + " has no video model configured");
        }
        long started = System.nanoTime();
        ObjectNode body = JSON.createObjectNode()
                .put("model", model)
                .put("prompt", prompt.prompt())
                .put("size", prompt.width() + "x" + prompt.height())
                .put("seconds", String.valueOf(Math.max(1, (prompt.frames() + 11) / 12)));
        Reply created = post(call, "video", "/v1/videos", body, MAX_JSON_TEXT_BYTES);
        String id = created.json().path("id").asText("");
        if (!id.matches("[A-Za-z0-9_\\-]{1,200}")) {
            throw malformed("video", "no usable video id");
        }
        String status = created.json().path("status").asText("");
        while (!status.equals("completed")) {
            if (status.equals("failed")) {
                throw new AiException(
                        AiException.Kind.REJECTED,
                        "provider " + name() + ": video: the provider failed the video: "
                                + excerpt(created.json()
                                        .path("error")
                                        .path("message")
                                        .asText("")));
            }
            pause(call, started, VIDEO_POLL, "video");
            created = get(call, "video", "/v1/videos/" + id, started, MAX_JSON_TEXT_BYTES);
            status = created.json().path("status").asText("");
        }
        Reply content = get(call, "video", "/v1/videos/" + id + "/content", started, settings.maxResponseBytes());
        String type = content.headers().firstValue("content-type").orElse("video/mp4");
        return new Media(
                content.body(),
                type.split(";")[0].trim(),
                prompt.width(),
                prompt.height(),
                usage(model, 0, 0, settings.prices().perVideo(), started));
    }

    @Override
    public Text story(AiCall call, StoryPrompt prompt) throws AiException {
        String model = model("story");
        long started = System.nanoTime();
        String language = LANGUAGE_NAMES.getOrDefault(prompt.language(), "English");
        String system = "You write gentle bedtime stories for children aged 4 to 8. Write in " + language
                + ". Four to six short paragraphs separated by blank lines, a calm happy ending, no title,"
                + " no markdown, nothing frightening.";
        String user = "Hero: " + prompt.heroName() + "\nTraits: " + String.join(", ", prompt.traits())
                + "\nAppearance: " + prompt.appearance() + "\nSpecial ability: " + prompt.ability()
                + "\nTonight's story is about: " + prompt.event();
        ObjectNode body = chat(model, system, user, 0.8);
        Reply reply = post(call, "story", "/v1/chat/completions", body, MAX_JSON_TEXT_BYTES);
        String text = content(reply.json(), "story");
        int in = reply.json().path("usage").path("prompt_tokens").asInt(0);
        int out = reply.json().path("usage").path("completion_tokens").asInt(0);
        return new Text(text.strip(), usage(model, in, out, tokens(in, out), started));
    }

    @Override
    public List<Scene> scenes(AiCall call, String story, String language, int maxScenes) throws AiException {
        if (maxScenes < 1 || maxScenes > 50) {
            throw new AiException(AiException.Kind.REJECTED, "maxScenes must be between 1 and 50");
        }
        String model = model("scenes");
        String system = "You cut children's stories into scenes for an illustrated book. Answer with one JSON"
                + " object only: {\"scenes\": [{\"text\": the scene's exact part of the story,"
                + " \"illustration_prompt\": an English prompt for its picture, \"timestamp_seconds\": where it"
                + " starts when read aloud, \"emotion\": one word, \"importance\": \"low\", \"medium\" or"
                + " \"high\"}]}, between " + Math.min(3, maxScenes) + " and " + maxScenes + " scenes in story order.";
        ObjectNode body = chat(model, system, story, 0.2);
        body.putObject("response_format").put("type", "json_object");
        Reply reply = post(call, "scenes", "/v1/chat/completions", body, MAX_JSON_TEXT_BYTES);
        String content = content(reply.json(), "scenes");
        try {
            return parseScenes(content, maxScenes);
        } catch (IllegalArgumentException e) {
            String key = call.app() + ":" + call.target() + ":" + call.requestId();
            boolean again = malformedScenes.getIfPresent(key) != null;
            malformedScenes.put(key, Boolean.TRUE);
            throw new AiException(
                    again ? AiException.Kind.REJECTED : AiException.Kind.TRANSIENT,
                    "provider " + name() + ": scenes: the answer is not the scene JSON asked for (" + e.getMessage()
                            + ")" + (again ? ", twice for this request" : ""));
        }
    }

    /** The scene JSON a chat model was asked for, checked field by field; IllegalArgumentException says what is wrong. */
    static List<Scene> parseScenes(String content, int maxScenes) {
        JsonNode root;
        try {
            root = JSON.readTree(content.strip());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (root == null || !root.isObject() || !root.path("scenes").isArray()) {
            throw new IllegalArgumentException("no \"scenes\" array");
        }
        ArrayNode array = (ArrayNode) root.path("scenes");
        if (array.isEmpty() || array.size() > maxScenes) {
            throw new IllegalArgumentException(array.size() + " scenes, expected 1 to " + maxScenes);
        }
        List<Scene> scenes = new ArrayList<>();
        double last = 0;
        for (JsonNode s : array) {
            int n = scenes.size() + 1;
            String text = requiredText(s, "text", 10_000, n);
            String prompt = requiredText(s, "illustration_prompt", 4_000, n);
            JsonNode at = s.path("timestamp_seconds");
            if (!at.isNumber() || at.asDouble() < 0 || at.asDouble() < last || !Double.isFinite(at.asDouble())) {
                throw new IllegalArgumentException(
                        "scene " + n + ": timestamp_seconds must be a number, not decreasing");
            }
            last = at.asDouble();
            String emotion = requiredText(s, "emotion", 40, n).toLowerCase(Locale.ROOT);
            String importance = requiredText(s, "importance", 10, n).toLowerCase(Locale.ROOT);
            if (!importance.equals("low") && !importance.equals("medium") && !importance.equals("high")) {
                throw new IllegalArgumentException("scene " + n + ": importance must be low, medium or high");
            }
            scenes.add(new Scene(n, text, prompt, last, emotion, importance));
        }
        return scenes;
    }

    private static String requiredText(JsonNode scene, String field, int max, int n) {
        JsonNode value = scene.path(field);
        if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > max) {
            throw new IllegalArgumentException(
                    "scene " + n + ": " + field + " must be a non-empty string of at most " + max + " characters");
        }
        return value.asText().strip();
    }

    @Override
    public Moderation moderate(AiCall call, String text) throws AiException {
        String model = model("moderation");
        long started = System.nanoTime();
        ObjectNode body = JSON.createObjectNode().put("model", model).put("input", text);
        Reply reply = post(call, "moderation", "/v1/moderations", body, MAX_JSON_TEXT_BYTES);
        JsonNode result = reply.json().path("results").path(0);
        if (!result.isObject() || !result.path("categories").isObject()) {
            throw malformed("moderation", "no results[0].categories");
        }
        List<Moderation.Flag> flags = new ArrayList<>();
        Map<String, double[]> byType = new java.util.LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> categories =
                result.path("categories").fields();
        while (categories.hasNext()) {
            Map.Entry<String, JsonNode> category = categories.next();
            double score = result.path("category_scores")
                    .path(category.getKey())
                    .asDouble(category.getValue().asBoolean() ? 1 : 0);
            if (!category.getValue().asBoolean()) {
                continue;
            }
            String type = moderationType(category.getKey());
            double severity = category.getKey().equals("sexual/minors") ? 2 : score;
            byType.merge(type, new double[] {severity, score}, (a, b) -> a[0] >= b[0] ? a : b);
        }
        boolean severe = false;
        for (Map.Entry<String, double[]> e : byType.entrySet()) {
            double s = e.getValue()[0];
            String severity = s > 1 ? "critical" : s >= 0.8 ? "high" : s >= 0.5 ? "medium" : "low";
            severe |= severity.equals("critical") || severity.equals("high");
            flags.add(new Moderation.Flag(e.getKey(), severity, Math.min(1, Math.max(0, e.getValue()[1]))));
        }
        String action = "allow";
        String sanitized = null;
        if (!flags.isEmpty()) {
            String cleaned = LocalModeration.sanitize(text);
            if (!severe && !cleaned.equals(text)) {
                action = "modify";
                sanitized = cleaned;
            } else {
                action = "reject";
            }
        }
        int in = Math.max(1, text.length() / 4);
        return new Moderation(action, flags, sanitized, usage(model, in, 0, tokens(in, 0), started));
    }

    static String moderationType(String category) {
        String root = category.split("/")[0];
        return switch (root) {
            case "violence", "illicit" -> "violence";
            case "hate", "harassment" -> "hate";
            case "sexual" -> "sexual";
            case "self-harm" -> "self_harm";
            default -> root.replace('-', '_');
        };
    }

    @Override
    public Media speech(AiCall call, String text, String voice) throws AiException {
        String model = model("speech");
        long started = System.nanoTime();
        ObjectNode body = JSON.createObjectNode()
                .put("model", model)
                .put("input", text)
                .put("voice", voice.isBlank() ? "alloy" : voice)
                .put("response_format", "mp3");
        Reply reply = post(call, "speech", "/v1/audio/speech", body, settings.maxResponseBytes());
        String type = reply.headers()
                .firstValue("content-type")
                .orElse("audio/mpeg")
                .split(";")[0]
                .trim();
        if (type.startsWith("application/json")) {
            throw malformed("speech", "JSON instead of audio");
        }
        BigDecimal cost = settings.prices()
                .perThousandSpeechCharacters()
                .multiply(BigDecimal.valueOf(text.length()))
                .divide(BigDecimal.valueOf(1000), 6, RoundingMode.HALF_UP);
        return new Media(reply.body(), type, 0, 0, usage(model, Math.max(1, text.length() / 4), 0, cost, started));
    }

    // ------------------------------------------------------------------------------------------
    // HTTP

    /** One answer: status 2xx, its headers and bytes. */
    record Reply(int status, HttpHeaders headers, byte[] body, int attempts) {
        JsonNode json() throws AiException {
            try {
                JsonNode node = JSON.readTree(body);
                if (node == null || !node.isObject()) {
                    throw new AiException(AiException.Kind.TRANSIENT, "the provider's answer is not a JSON object");
                }
                return node;
            } catch (IOException e) {
                throw new AiException(AiException.Kind.TRANSIENT, "the provider's answer is not JSON");
            }
        }
    }

    private Reply post(AiCall call, String capability, String path, ObjectNode body, long limit) throws AiException {
        long started = System.nanoTime();
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return exchange(call, capability, "POST", path, bytes, started, limit);
    }

    private Reply get(AiCall call, String capability, String path, long started, long limit) throws AiException {
        return exchange(call, capability, "GET", path, null, started, limit);
    }

    /**
     * Sends one request, retrying 429 and 5xx (and failed connections) while attempts and the call's
     * time last, inside one concurrency slot of the provider.
     */
    private Reply exchange(
            AiCall call,
            String capability,
            String method,
            String path,
            byte @Nullable [] body,
            long started,
            long limit)
            throws AiException {
        long deadline = started + call.timeout().toNanos();
        URI uri = endpoint(path);
        ProviderSlots.Permit permit =
                slots == null ? () -> {} : slots.acquire(name(), settings.maxConcurrent(), call.requestId(), deadline);
        try (permit) {
            for (int attempt = 1; ; attempt++) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw timedOut(capability, call);
                }
                Duration attemptTimeout =
                        Duration.ofNanos(Math.min(left, settings.timeout().toNanos()));
                HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                        .timeout(attemptTimeout)
                        .header("Idempotency-Key", call.requestId())
                        .header("User-Agent", "atelier");
                String key = settings.apiKey();
                if (key != null) {
                    request.header("Authorization", "Bearer " + key);
                }
                if (body != null) {
                    request.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
                } else {
                    request.method(method, HttpRequest.BodyPublishers.noBody());
                }
                HttpResponse<byte[]> response;
                CompletableFuture<HttpResponse<byte[]>> future =
                        http.sendAsync(request.build(), BoundedBody.handler(limit));
                try {
                    response = future.get(attemptTimeout.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    future.cancel(true);
                    if (deadline - System.nanoTime() <= 0) {
                        throw timedOut(capability, call);
                    }
                    retryOrThrow(
                            call,
                            capability,
                            attempt,
                            deadline,
                            null,
                            null,
                            "no answer within " + attemptTimeout.toMillis() + " ms");
                    continue;
                } catch (InterruptedException e) {
                    future.cancel(true);
                    Thread.currentThread().interrupt();
                    throw new AiException(
                            AiException.Kind.TIMEOUT, "provider " + name() + ": " + capability + ": interrupted");
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    if (cause instanceof BoundedBody.TooLarge) {
                        throw tooLarge(capability);
                    }
                    if (cause instanceof HttpTimeoutException && deadline - System.nanoTime() <= 0) {
                        throw timedOut(capability, call);
                    }
                    retryOrThrow(call, capability, attempt, deadline, null, null, failureName(cause));
                    continue;
                }
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    if (log.isDebugEnabled()) {
                        log.debug(
                                "provider {} {} for {}/{} request {}: HTTP {} after {} attempt(s), {} ms",
                                name(),
                                capability,
                                call.app(),
                                call.target(),
                                call.requestId(),
                                status,
                                attempt,
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    }
                    return new Reply(status, response.headers(), response.body(), attempt);
                }
                String why = "HTTP " + status + errorExcerpt(response.body());
                if (status == 429 || status >= 500) {
                    retryOrThrow(call, capability, attempt, deadline, response.headers(), status, why);
                    continue;
                }
                log.warn(
                        "provider {} {} for {}/{} request {}: refused, {}",
                        name(),
                        capability,
                        call.app(),
                        call.target(),
                        call.requestId(),
                        why);
                throw new AiException(AiException.Kind.REJECTED, "provider " + name() + ": " + capability + ": " + why);
            }
        }
    }

    /**
     * After a failed attempt: pauses before the next one (Retry-After, else an exponential backoff)
     * when attempts and time allow, else throws: RATE_LIMITED with the wait when the provider asked
     * to wait (429, or any Retry-After) longer than the call has left, TRANSIENT otherwise.
     */
    private void retryOrThrow(
            AiCall call,
            String capability,
            int attempt,
            long deadline,
            @Nullable HttpHeaders headers,
            @Nullable Integer status,
            String why)
            throws AiException {
        Duration asked = headers == null ? null : retryAfter(headers, Instant.now());
        Duration backoff = FIRST_BACKOFF.multipliedBy(1L << Math.min(10, attempt - 1));
        if (backoff.compareTo(LONGEST_BACKOFF) > 0) {
            backoff = LONGEST_BACKOFF;
        }
        Duration wait = asked != null ? asked : backoff;
        long left = deadline - System.nanoTime();
        boolean giveUp = attempt > settings.maxRetries() || wait.toNanos() >= left;
        log.warn(
                "provider {} {} for {}/{} request {}: attempt {} failed ({}){}",
                name(),
                capability,
                call.app(),
                call.target(),
                call.requestId(),
                attempt,
                why,
                giveUp
                        ? ", giving up" + (asked != null ? " (asked to wait " + asked.toMillis() + " ms)" : "")
                        : ", next in " + wait.toMillis() + " ms");
        if (giveUp) {
            String message = "provider " + name() + ": " + capability + ": " + why + " (attempt " + attempt + ")";
            if ((status != null && status == 429) || asked != null) {
                throw new AiException(AiException.Kind.RATE_LIMITED, message, asked != null ? asked : wait, null);
            }
            throw new AiException(AiException.Kind.TRANSIENT, message);
        }
        sleep(wait, capability);
    }

    private void pause(AiCall call, long started, Duration wait, String capability) throws AiException {
        long left = started + call.timeout().toNanos() - System.nanoTime();
        if (wait.toNanos() >= left) {
            throw timedOut(capability, call);
        }
        sleep(wait, capability);
    }

    private void sleep(Duration wait, String capability) throws AiException {
        try {
            Thread.sleep(Math.max(0, wait.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AiException(AiException.Kind.TIMEOUT, "provider " + name() + ": " + capability + ": interrupted");
        }
    }

    /**
     * What a Retry-After asks: OpenAI's {@code retry-after-ms}, else {@code Retry-After} in seconds or
     * as an HTTP date; null when absent or unreadable. Never negative.
     */
    static @Nullable Duration retryAfter(HttpHeaders headers, Instant now) {
        String ms = headers.firstValue("retry-after-ms").orElse(null);
        if (ms != null) {
            try {
                return Duration.ofMillis(Math.max(0, (long) Double.parseDouble(ms.trim())));
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        String value = headers.firstValue("retry-after").orElse(null);
        if (value == null) {
            return null;
        }
        value = value.trim();
        if (value.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The image at a URL the provider answered with: no credentials go with it; bounded like any body. */
    private byte[] download(AiCall call, String url, long started) throws AiException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw malformed("image", "data[0].url is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw malformed("image", "data[0].url is not http(s)");
        }
        long left = started + call.timeout().toNanos() - System.nanoTime();
        if (left <= 0) {
            throw timedOut("image", call);
        }
        Duration timeout = Duration.ofNanos(Math.min(left, settings.timeout().toNanos()));
        CompletableFuture<HttpResponse<byte[]>> future = http.sendAsync(
                HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                BoundedBody.handler(settings.maxResponseBytes()));
        try {
            HttpResponse<byte[]> response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (response.statusCode() != 200) {
                throw new AiException(
                        AiException.Kind.TRANSIENT,
                        "provider " + name() + ": image: download answered HTTP " + response.statusCode());
            }
            return response.body();
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timedOut("image", call);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new AiException(AiException.Kind.TIMEOUT, "provider " + name() + ": image: interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof BoundedBody.TooLarge) {
                throw tooLarge("image");
            }
            throw new AiException(
                    AiException.Kind.TRANSIENT,
                    "provider " + name() + ": image: download failed: " + failureName(cause));
        }
    }

    /** {@code path} (which starts with /v1/) under the base URL; a base URL that already ends in /v1 is not doubled. */
    private URI endpoint(String path) {
        String base = settings.baseUrl().toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (base.endsWith("/v1") && path.startsWith("/v1/")) {
            path = path.substring(3);
        }
        return URI.create(base + path);
    }

    private String model(String capability) throws AiException {
        String model = settings.model(capability);
        if (model == null) {
            throw new AiException(
                    AiException.Kind.UNSUPPORTED, "provider " + name() + " has no " + capability + " model configured");
        }
        return model;
    }

    private static ObjectNode chat(String model, String system, String user, double temperature) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("temperature", temperature);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        messages.addObject().put("role", "user").put("content", user);
        return body;
    }

    private String content(JsonNode json, String capability) throws AiException {
        JsonNode choice = json.path("choices").path(0);
        if (choice.path("finish_reason").asText("").equals("content_filter")) {
            throw new AiException(
                    AiException.Kind.REJECTED,
                    "provider " + name() + ": " + capability + ": refused by the content filter");
        }
        JsonNode content = choice.path("message").path("content");
        if (!content.isTextual() || content.asText().isBlank()) {
            JsonNode refusal = choice.path("message").path("refusal");
            if (refusal.isTextual() && !refusal.asText().isBlank()) {
                throw new AiException(
                        AiException.Kind.REJECTED, "provider " + name() + ": " + capability + ": the model refused");
            }
            throw malformed(capability, "no choices[0].message.content");
        }
        return content.asText();
    }

    private BigDecimal tokens(int in, int out) {
        RemoteSettings.Prices p = settings.prices();
        return p.inputPerMillionTokens()
                .multiply(BigDecimal.valueOf(in))
                .add(p.outputPerMillionTokens().multiply(BigDecimal.valueOf(out)))
                .divide(BigDecimal.valueOf(1_000_000), 8, RoundingMode.HALF_UP);
    }

    private Usage usage(String model, int in, int out, BigDecimal cost, long started) {
        return new Usage(
                name(),
                model,
                in,
                out,
                cost.stripTrailingZeros(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private AiException malformed(String capability, String why) {
        return new AiException(
                AiException.Kind.TRANSIENT, "provider " + name() + ": " + capability + ": malformed answer: " + why);
    }

    private AiException tooLarge(String capability) {
        return new AiException(
                AiException.Kind.REJECTED,
                "provider " + name() + ": " + capability + ": the answer is larger than the allowed "
                        + settings.maxResponseBytes() + " bytes");
    }

    private AiException timedOut(String capability, AiCall call) {
        return new AiException(
                AiException.Kind.TIMEOUT,
                "provider " + name() + ": " + capability + ": no answer within the call's "
                        + call.timeout().toMillis() + " ms");
    }

    private static String failureName(Throwable cause) {
        String type = cause.getClass().getSimpleName();
        return type.isEmpty() ? "connection failed" : type;
    }

    /** The provider's error message (error.message of an OpenAI error, else the start of the body), cleaned of anything key-like. */
    private String errorExcerpt(byte[] body) {
        if (body.length == 0) {
            return "";
        }
        String message;
        try {
            JsonNode json = JSON.readTree(body);
            message = json != null && json.path("error").path("message").isTextual()
                    ? json.path("error").path("message").asText()
                    : new String(body, 0, Math.min(body.length, 400), StandardCharsets.UTF_8);
        } catch (IOException e) {
            message = new String(body, 0, Math.min(body.length, 400), StandardCharsets.UTF_8);
        }
        String clean = excerpt(message);
        return clean.isEmpty() ? "" : ": " + clean;
    }

    private String excerpt(String text) {
        String clean = text;
        String key = settings.apiKey();
        if (key != null) {
            clean = clean.replace(key, "[redacted]");
        }
        clean = SECRET_LOOKING.matcher(clean).replaceAll("[redacted]");
        clean = clean.replaceAll("[\\p{Cntrl}]", " ").strip();
        return clean.length() > 200 ? clean.substring(0, 200) + "…" : clean;
    }
}
