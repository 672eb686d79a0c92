package dev.atelier.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.atelier.platform.ai.RemoteSettings;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;

/**
 * A local HTTP server that speaks the part of the OpenAI API Atelier's remote provider uses, for
 * tests of flows against a "real" remote provider with no network. Built on the JDK's HTTP server
 * (no dependency, starts in milliseconds). Usage:
 *
 * <pre>
 * try (OpenAiStub stub = OpenAiStub.start()) {
 *     aiProviders.define(stub.settings("stub"));          // a RemoteSettings pointing here, with {@link #API_KEY}
 *     aiProviders.route("delula", "my-recipe", "stub");
 *     stub.failNext(2);                                   // the next two requests answer 500
 *     ... run the flow ...
 *     assertThat(stub.requests("/v1/images/generations")).isEqualTo(3);
 * }
 * </pre>
 *
 * <p>Answers (deterministic): {@code POST /v1/images/generations} a PNG of the asked size (capped at
 * 512 a side) as {@code b64_json} (or as a {@code url} served here, {@link #imagesAsUrl}); {@code POST
 * /v1/chat/completions} a short story, or, when {@code response_format} is {@code json_object}, three
 * scenes as JSON ({@link #chatContent} overrides the content); {@code POST /v1/moderations} flags
 * "kill"/"blood" as violence (0.95) and "stupid" as harassment (0.6); {@code POST /v1/audio/speech} a
 * few MP3-looking bytes; {@code POST /v1/videos} a completed video whose {@code /content} is a few
 * MP4-looking bytes. A wrong or missing key is answered 401 with an error that quotes the key sent.
 *
 * <p>Knobs act on the next requests of any endpoint, in this order: {@link #rejectNext} (400),
 * {@link #rateLimitNext} (429 + Retry-After), {@link #failNext} (5xx); {@link #slow} delays every
 * answer; {@link #oversizedNext} sends a body larger than asked. {@link #received()} records every
 * request with its Idempotency-Key and Authorization headers.
 */
public final class OpenAiStub implements AutoCloseable {

    /** The key {@link #settings} uses and the stub expects. */
    public static final String API_KEY = "sk-stub-4f1c2b7e9d0a3c5e8b6f1a2d";

    /** One request as the stub received it. */
    public record Received(String method, String path, String idempotencyKey, String authorization, String body) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicLong slowMillis = new AtomicLong();
    /** Faults for the next requests, one entry per request: "reject", "429:<ms>", "5xx:<status>", "big:<bytes>". */
    private final Deque<String> next = new ArrayDeque<>();

    private volatile boolean imagesAsUrl;
    private volatile String expectedKey = API_KEY;
    private volatile String chatContent = "";

    private OpenAiStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "openai-stub");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A stub on a free loopback port. */
    public static OpenAiStub start() {
        try {
            return new OpenAiStub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>} (the provider appends {@code /v1/...}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Settings of a provider named {@code name} at this stub, with its key, 2 retries, 4 at once. */
    public RemoteSettings settings(String name) {
        return RemoteSettings.of(name, baseUrl(), API_KEY).withMaxRetries(2);
    }

    // ------------------------------------------------------------------------------ knobs

    /** Every answer waits this long first (0: none). */
    public OpenAiStub slow(Duration delay) {
        slowMillis.set(delay.toMillis());
        return this;
    }

    /** The next {@code n} requests answer 500. */
    public OpenAiStub failNext(int n) {
        return failNext(n, 500);
    }

    /** The next {@code n} requests answer {@code status} (a 5xx). */
    public synchronized OpenAiStub failNext(int n, int status) {
        for (int i = 0; i < n; i++) {
            next.addLast("5xx:" + status);
        }
        return this;
    }

    /** The next {@code n} requests answer 429 with {@code Retry-After} (whole seconds, rounded up) and {@code retry-after-ms}. */
    public synchronized OpenAiStub rateLimitNext(int n, Duration retryAfter) {
        for (int i = 0; i < n; i++) {
            next.addLast("429:" + retryAfter.toMillis());
        }
        return this;
    }

    /** The next {@code n} requests answer 400 (an OpenAI invalid_request_error). */
    public synchronized OpenAiStub rejectNext(int n) {
        for (int i = 0; i < n; i++) {
            next.addLast("reject");
        }
        return this;
    }

    /** The next {@code n} requests answer 200 with a body of {@code bytes} bytes (of JSON-looking padding). */
    public synchronized OpenAiStub oversizedNext(int n, long bytes) {
        for (int i = 0; i < n; i++) {
            next.addLast("big:" + bytes);
        }
        return this;
    }

    /** Images answered as a {@code url} to download from the stub instead of {@code b64_json}. */
    public OpenAiStub imagesAsUrl(boolean asUrl) {
        this.imagesAsUrl = asUrl;
        return this;
    }

    /** The content every chat completion answers with ("" = the default story or scenes). */
    public OpenAiStub chatContent(String content) {
        this.chatContent = content;
        return this;
    }

    /** The key the stub accepts (a request with another gets 401). */
    public OpenAiStub expectKey(String key) {
        this.expectedKey = key;
        return this;
    }

    /** Back to the defaults: no faults, no delay, records and counters cleared. */
    public synchronized OpenAiStub reset() {
        next.clear();
        slowMillis.set(0);
        imagesAsUrl = false;
        chatContent = "";
        expectedKey = API_KEY;
        received.clear();
        maxInFlight.set(0);
        return this;
    }

    // ------------------------------------------------------------------------------ what it saw

    /** Every request received, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    public int requests() {
        return received.size();
    }

    /** Requests received for this path (e.g. {@code /v1/chat/completions}). */
    public int requests(String path) {
        return (int) received.stream().filter(r -> r.path().equals(path)).count();
    }

    /** The most requests the stub was answering at once. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------------------ serving

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try (exchange) {
            byte[] requestBody = readAll(exchange.getRequestBody());
            String path = exchange.getRequestURI().getPath();
            String auth = header(exchange, "Authorization");
            received.add(new Received(
                    exchange.getRequestMethod(),
                    path,
                    header(exchange, "Idempotency-Key"),
                    auth,
                    new String(requestBody, StandardCharsets.UTF_8)));
            long delay = slowMillis.get();
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (path.startsWith("/files/")) { // image downloads carry no key
                send(exchange, 200, "image/png", png(64, 64, path.hashCode()));
                return;
            }
            if (!auth.equals("Bearer " + expectedKey)) {
                sendJson(
                        exchange,
                        401,
                        error(
                                "Incorrect API key provided: " + auth.replace("Bearer ", ""),
                                "invalid_request_error",
                                "invalid_api_key"));
                return;
            }
            String fault;
            synchronized (this) {
                fault = next.pollFirst();
            }
            if (fault != null) {
                if (fault.equals("reject")) {
                    sendJson(exchange, 400, error("Invalid request (stub)", "invalid_request_error", "invalid_value"));
                    return;
                }
                if (fault.startsWith("429:")) {
                    long ms = Long.parseLong(fault.substring(4));
                    exchange.getResponseHeaders().add("Retry-After", Long.toString((ms + 999) / 1000));
                    exchange.getResponseHeaders().add("retry-after-ms", Long.toString(ms));
                    sendJson(exchange, 429, error("Rate limit reached (stub)", "requests", "rate_limit_exceeded"));
                    return;
                }
                if (fault.startsWith("5xx:")) {
                    sendJson(
                            exchange,
                            Integer.parseInt(fault.substring(4)),
                            error("The server had an error (stub)", "server_error", "server_error"));
                    return;
                }
                if (fault.startsWith("big:")) {
                    sendBig(exchange, Long.parseLong(fault.substring(4)));
                    return;
                }
            }
            JsonNode body = requestBody.length == 0 ? JSON.createObjectNode() : JSON.readTree(requestBody);
            String method = exchange.getRequestMethod();
            if (method.equals("POST") && path.equals("/v1/images/generations")) {
                images(exchange, body);
            } else if (method.equals("POST") && path.equals("/v1/chat/completions")) {
                chat(exchange, body);
            } else if (method.equals("POST") && path.equals("/v1/moderations")) {
                moderations(exchange, body);
            } else if (method.equals("POST") && path.equals("/v1/audio/speech")) {
                byte[] mp3 = ("ID3stub-audio:" + body.path("input").asText()).getBytes(StandardCharsets.UTF_8);
                send(exchange, 200, "audio/mpeg", mp3);
            } else if (method.equals("POST") && path.equals("/v1/videos")) {
                sendJson(
                        exchange,
                        200,
                        JSON.createObjectNode().put("id", "video_stub").put("status", "completed"));
            } else if (method.equals("GET") && path.equals("/v1/videos/video_stub")) {
                sendJson(
                        exchange,
                        200,
                        JSON.createObjectNode().put("id", "video_stub").put("status", "completed"));
            } else if (method.equals("GET") && path.equals("/v1/videos/video_stub/content")) {
                send(
                        exchange,
                        200,
                        "video/mp4",
                        "\0\0\0\u0018ftypmp42stub-video".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                sendJson(exchange, 404, error("Unknown path " + path, "invalid_request_error", "unknown_url"));
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void images(HttpExchange exchange, JsonNode body) throws IOException {
        String[] size = body.path("size").asText("256x256").split("x");
        int w = Math.min(512, Math.max(16, parse(size[0])));
        int h = Math.min(512, Math.max(16, parse(size.length > 1 ? size[1] : size[0])));
        String prompt = body.path("prompt").asText("");
        ObjectNode answer = JSON.createObjectNode().put("created", 1_700_000_000L);
        ObjectNode item = answer.putArray("data").addObject();
        if (imagesAsUrl) {
            item.put("url", baseUrl() + "/files/" + Math.abs(prompt.hashCode()) + ".png");
        } else {
            item.put("b64_json", Base64.getEncoder().encodeToString(png(w, h, prompt.hashCode())));
        }
        answer.putObject("usage")
                .put("input_tokens", Math.max(1, prompt.length() / 4))
                .put("output_tokens", 1056)
                .put("total_tokens", Math.max(1, prompt.length() / 4) + 1056);
        sendJson(exchange, 200, answer);
    }

    private void chat(HttpExchange exchange, JsonNode body) throws IOException {
        String user = "";
        for (JsonNode message : body.path("messages")) {
            if (message.path("role").asText().equals("user")) {
                user = message.path("content").asText();
            }
        }
        boolean json = body.path("response_format").path("type").asText().equals("json_object");
        String content = chatContent;
        if (content.isEmpty()) {
            content = json ? scenes(user) : story(user);
        }
        ObjectNode answer = JSON.createObjectNode()
                .put("id", "chatcmpl-stub")
                .put("object", "chat.completion")
                .put("model", body.path("model").asText());
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        answer.putObject("usage")
                .put("prompt_tokens", Math.max(1, user.length() / 4))
                .put("completion_tokens", Math.max(1, content.length() / 4))
                .put("total_tokens", Math.max(1, user.length() / 4) + Math.max(1, content.length() / 4));
        sendJson(exchange, 200, answer);
    }

    private static String story(String user) {
        String hero = "the hero";
        for (String line : user.split("\n")) {
            if (line.startsWith("Hero: ")) {
                hero = line.substring("Hero: ".length());
            }
        }
        return "Once upon a time, " + hero + " looked up at the evening sky.\n\n" + hero
                + " found a little lantern and followed its glow across the hill.\n\n"
                + "At last the lantern led home, and " + hero + " fell asleep, warm and happy.";
    }

    private static String scenes(String story) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode scenes = root.putArray("scenes");
        String[] parts = story.split("\n\n");
        List<String> texts = new ArrayList<>();
        for (String p : parts) {
            if (!p.isBlank()) {
                texts.add(p.strip());
            }
        }
        while (texts.size() < 3) {
            texts.add(texts.isEmpty() ? "A quiet night." : texts.get(texts.size() - 1));
        }
        String[] emotions = {"curious", "brave", "peaceful"};
        double at = 0;
        for (int i = 0; i < texts.size() && i < 3; i++) {
            scenes.addObject()
                    .put("text", texts.get(i))
                    .put("illustration_prompt", "Children's book illustration: " + texts.get(i))
                    .put("timestamp_seconds", at)
                    .put("emotion", emotions[i])
                    .put("importance", i == 1 ? "high" : "medium");
            at += texts.get(i).split("\\s+").length / 2.5;
        }
        return root.toString();
    }

    private void moderations(HttpExchange exchange, JsonNode body) throws IOException {
        String input = body.path("input").asText("").toLowerCase(Locale.ROOT);
        boolean violent = input.contains("kill") || input.contains("blood");
        boolean rude = input.contains("stupid");
        ObjectNode answer = JSON.createObjectNode()
                .put("id", "modr-stub")
                .put("model", body.path("model").asText());
        ObjectNode result = answer.putArray("results").addObject();
        result.put("flagged", violent || rude);
        ObjectNode categories = result.putObject("categories");
        ObjectNode scores = result.putObject("category_scores");
        for (String category : List.of("violence", "harassment", "sexual", "hate", "self-harm")) {
            boolean flagged = category.equals("violence") ? violent : category.equals("harassment") && rude;
            categories.put(category, flagged);
            scores.put(category, category.equals("violence") && violent ? 0.95 : flagged ? 0.6 : 0.01);
        }
        sendJson(exchange, 200, answer);
    }

    // ------------------------------------------------------------------------------ helpers

    private static ObjectNode error(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("message", message).put("type", type).put("code", code);
        return root;
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** A 200 of {@code bytes} bytes, streamed without a Content-Length (chunked), so only reading it reveals its size. */
    private static void sendBig(HttpExchange exchange, long bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0);
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        try (OutputStream out = exchange.getResponseBody()) {
            out.write('{');
            long left = bytes - 2;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                left -= n;
            }
            out.write('}');
        } catch (IOException e) {
            // the client stopped reading: what it should do
        }
    }

    private static byte[] png(int w, int h, int seed) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        try {
            g.setColor(new Color(seed & 0xffffff));
            g.fillRect(0, 0, w, h);
            g.setColor(new Color(~seed & 0xffffff));
            g.fillOval(w / 4, h / 4, w / 2, h / 2);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 256;
        }
    }

    private static String header(HttpExchange exchange, String name) {
        String value = exchange.getRequestHeaders().getFirst(name);
        return value == null ? "" : value;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readNBytes(8 * 1024 * 1024);
    }
}
