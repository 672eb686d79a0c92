package dev.atelier.platform.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.atelier.testing.OpenAiStub;
import dev.atelier.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible provider against {@link OpenAiStub}, through the test server's {@link
 * AiProviders} (so calls take the database-held concurrency slots): every capability, retries of
 * 5xx and 429, Retry-After beyond the call's time, refusals, timeouts, oversized bodies, and the key
 * kept out of every message and log line.
 */
class OpenAiProviderTest {

    private static final TestServer server = TestServer.get();
    private static OpenAiStub stub;
    private static AiProviders providers;
    private static String name;

    @BeforeAll
    static void start() {
        stub = OpenAiStub.start();
        providers = server.component(AiProviders.class);
        name = "stub-" + UUID.randomUUID().toString().substring(0, 8);
        providers.define(stub.settings(name)
                .withModel("video", "sora-2")
                .withPrices(new RemoteSettings.Prices(
                        new BigDecimal("0.15"),
                        new BigDecimal("0.60"),
                        new BigDecimal("0.04"),
                        new BigDecimal("0.50"),
                        new BigDecimal("0.015"))));
    }

    @AfterAll
    static void stop() {
        stub.close();
    }

    @BeforeEach
    void clean() {
        stub.reset();
    }

    private static AiProvider provider() {
        return providers.provider(name).orElseThrow();
    }

    private static AiCall call(Duration timeout) {
        return new AiCall("test", "target", "req-" + UUID.randomUUID(), timeout);
    }

    private static AiCall call() {
        return call(Duration.ofSeconds(5));
    }

    @Test
    void imageFromBase64WithUsageCostAndHeaders() throws Exception {
        AiCall call = call();
        Media media = provider().image(call, ImagePrompt.of("a red fox in the snow", 7, 256, 128));
        assertThat(media.contentType()).isEqualTo("image/png");
        assertThat(media.width()).isEqualTo(256);
        assertThat(media.height()).isEqualTo(128);
        assertThat(ImageIO.read(new ByteArrayInputStream(media.bytes())).getWidth())
                .isEqualTo(256);
        assertThat(media.usage().provider()).isEqualTo(name);
        assertThat(media.usage().model()).isEqualTo("gpt-image-1");
        assertThat(media.usage().outputTokens()).isEqualTo(1056);
        // 0.04 per image + 1056 output tokens at 0.60 per million + input tokens at 0.15 per million
        assertThat(media.usage().costEstimate()).isGreaterThan(new BigDecimal("0.0406"));
        assertThat(stub.received()).hasSize(1);
        OpenAiStub.Received got = stub.received().get(0);
        assertThat(got.path()).isEqualTo("/v1/images/generations");
        assertThat(got.idempotencyKey()).isEqualTo(call.requestId());
        assertThat(got.authorization()).isEqualTo("Bearer " + OpenAiStub.API_KEY);
        assertThat(got.body()).contains("\"size\":\"256x128\"").contains("a red fox");
    }

    @Test
    void imageFromUrlIsDownloadedWithoutTheKey() throws Exception {
        stub.imagesAsUrl(true);
        Media media = provider().image(call(), ImagePrompt.of("a lighthouse", 1, 64, 64));
        assertThat(media.contentType()).isEqualTo("image/png");
        assertThat(stub.received()).hasSize(2);
        assertThat(stub.received().get(1).path()).startsWith("/files/");
        assertThat(stub.received().get(1).authorization()).isEmpty();
    }

    @Test
    void imageWithDnaDescribesItAndInvalidDnaIsRejected() throws Exception {
        List<Double> dna = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            dna.add(i / 49.0);
        }
        provider().image(call(), new ImagePrompt("", 3, 64, 64, dna, null));
        assertThat(stub.received().get(0).body()).contains("Abstract generative art");
        List<Double> bad = new ArrayList<>(dna);
        bad.set(3, 1.5);
        assertThatThrownBy(() -> provider().image(call(), new ImagePrompt("", 3, 64, 64, bad, null)))
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.REJECTED));
        assertThat(stub.requests()).isEqualTo(1);
    }

    @Test
    void storyScenesModerationSpeechAndVideo() throws Exception {
        Text story = provider()
                .story(
                        call(),
                        new StoryPrompt("Luna", List.of("brave", "kind"), "red cape", "flying", "a storm", "fr"));
        assertThat(story.text()).contains("Luna");
        assertThat(story.usage().inputTokens()).isPositive();
        assertThat(story.usage().outputTokens()).isPositive();
        assertThat(stub.received().get(0).body())
                .contains("French")
                .contains("flying")
                .contains("a storm");

        List<Scene> scenes = provider().scenes(call(), story.text(), "fr", 5);
        assertThat(scenes).hasSize(3);
        assertThat(scenes.get(0).number()).isEqualTo(1);
        assertThat(scenes.get(1).importance()).isEqualTo("high");
        assertThat(scenes.get(2).timestampSeconds()).isGreaterThan(scenes.get(1).timestampSeconds());
        assertThat(stub.received().get(1).body()).contains("json_object");

        Moderation clean = provider().moderate(call(), "a puppy plays in the garden");
        assertThat(clean.action()).isEqualTo("allow");
        assertThat(clean.flags()).isEmpty();
        Moderation violent = provider().moderate(call(), "the knight wants to kill the dragon");
        assertThat(violent.action()).isEqualTo("reject");
        assertThat(violent.flags()).extracting(Moderation.Flag::type).containsExactly("violence");
        assertThat(violent.flags().get(0).severity()).isEqualTo("high");
        assertThat(violent.flags().get(0).confidence()).isEqualTo(0.95);
        Moderation rude = provider().moderate(call(), "my stupid brother");
        assertThat(rude.flags()).extracting(Moderation.Flag::type).containsExactly("hate");
        assertThat(rude.flags().get(0).severity()).isEqualTo("medium");

        Media speech = provider().speech(call(), "Bonne nuit", "nova");
        assertThat(speech.contentType()).isEqualTo("audio/mpeg");
        assertThat(stub.received().get(5).body()).contains("\"voice\":\"nova\"");

        Media video = provider().video(call(), new VideoPrompt("waves", 1, 64, 64, 24));
        assertThat(video.contentType()).isEqualTo("video/mp4");
        assertThat(video.usage().costEstimate()).isEqualByComparingTo("0.50");
    }

    @Test
    void videoWithoutAModelIsUnsupported() {
        AiProvider plain = providers.define(stub.settings(name + "-novideo"));
        assertThatThrownBy(() -> plain.video(call(), new VideoPrompt("waves", 1, 64, 64, 24)))
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.UNSUPPORTED));
        assertThat(stub.requests()).isZero();
    }

    @Test
    void serverErrorsAreRetriedThenSucceed() throws Exception {
        stub.failNext(1, 500).failNext(1, 503);
        Text text = provider().story(call(), new StoryPrompt("Max", List.of(), "", "", "a picnic", "en"));
        assertThat(text.text()).contains("Max");
        assertThat(stub.requests("/v1/chat/completions")).isEqualTo(3);
        assertThat(stub.received())
                .extracting(OpenAiStub.Received::idempotencyKey)
                .containsOnly(stub.received().get(0).idempotencyKey());
    }

    @Test
    void serverErrorsBeyondTheRetriesAreTransient() {
        stub.failNext(3, 502);
        assertThatThrownBy(() -> provider().moderate(call(), "hello")).isInstanceOfSatisfying(AiException.class, e -> {
            assertThat(e.kind()).isEqualTo(AiException.Kind.TRANSIENT);
            assertThat(e.getMessage()).contains("HTTP 502");
        });
        assertThat(stub.requests()).isEqualTo(3); // one call and its two retries
    }

    @Test
    void rateLimitedWaitsForRetryAfterThenSucceeds() throws Exception {
        stub.rateLimitNext(1, Duration.ofMillis(300));
        long started = System.nanoTime();
        Moderation m = provider().moderate(call(), "hello");
        long took = (System.nanoTime() - started) / 1_000_000;
        assertThat(m.action()).isEqualTo("allow");
        assertThat(stub.requests()).isEqualTo(2);
        assertThat(took).isGreaterThanOrEqualTo(300);
    }

    @Test
    void retryAfterLongerThanTheCallHasLeftIsRateLimitedAtOnce() {
        stub.rateLimitNext(1, Duration.ofSeconds(30));
        long started = System.nanoTime();
        assertThatThrownBy(() -> provider().moderate(call(Duration.ofSeconds(2)), "hello"))
                .isInstanceOfSatisfying(AiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(AiException.Kind.RATE_LIMITED);
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
                });
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1500);
        assertThat(stub.requests()).isEqualTo(1);
    }

    @Test
    void retryAfterInSecondsAndAsAnHttpDate() {
        Instant now = Instant.parse("2026-11-27T08:00:00Z");
        assertThat(OpenAiProvider.retryAfter(headers(Map.of("Retry-After", "7")), now))
                .isEqualTo(Duration.ofSeconds(7));
        String date =
                DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(90).atOffset(ZoneOffset.UTC));
        assertThat(OpenAiProvider.retryAfter(headers(Map.of("Retry-After", date)), now))
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(OpenAiProvider.retryAfter(headers(Map.of("Retry-After", "soon")), now))
                .isNull();
        assertThat(OpenAiProvider.retryAfter(headers(Map.of("Retry-After", "9", "retry-after-ms", "250")), now))
                .isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void badRequestIsRejectedWithoutRetry() {
        stub.rejectNext(1);
        assertThatThrownBy(() -> provider().image(call(), ImagePrompt.of("x", 1, 64, 64)))
                .isInstanceOfSatisfying(AiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(AiException.Kind.REJECTED);
                    assertThat(e.getMessage()).contains("HTTP 400").contains("Invalid request");
                });
        assertThat(stub.requests()).isEqualTo(1);
    }

    @Test
    void slowAnswerTimesOutWithinTheCallTimeout() {
        stub.slow(Duration.ofMillis(3000));
        long started = System.nanoTime();
        assertThatThrownBy(() -> provider()
                        .story(call(Duration.ofMillis(300)), new StoryPrompt("Max", List.of(), "", "", "rain", "en")))
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.TIMEOUT));
        long took = (System.nanoTime() - started) / 1_000_000;
        assertThat(took).isBetween(280L, 1000L);
    }

    @Test
    void oversizedBodyIsRefused() {
        stub.oversizedNext(1, 3L * 1024 * 1024); // beyond the 2 MiB a chat answer may be
        assertThatThrownBy(() -> provider().story(call(), new StoryPrompt("Max", List.of(), "", "", "rain", "en")))
                .isInstanceOfSatisfying(AiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(AiException.Kind.REJECTED);
                    assertThat(e.getMessage()).contains("larger than");
                });
    }

    @Test
    void malformedScenesAreTransientOnceThenRejected() {
        stub.chatContent("{\"scenes\": [{\"text\": \"only text\"}]}");
        AiCall call = call();
        assertThatThrownBy(() -> provider().scenes(call, "A story.", "en", 4))
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.TRANSIENT));
        assertThatThrownBy(() -> provider().scenes(call, "A story.", "en", 4))
                .isInstanceOfSatisfying(AiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(AiException.Kind.REJECTED);
                    assertThat(e.getMessage()).contains("illustration_prompt");
                });
        stub.chatContent("not json at all");
        assertThatThrownBy(() -> provider().scenes(call(), "A story.", "en", 4))
                .isInstanceOfSatisfying(
                        AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.TRANSIENT));
    }

    @Test
    void theKeyAppearsInNoMessageLogOrToString() throws Exception {
        String secret = "sk-proj-SECRETSECRET-" + UUID.randomUUID();
        RemoteSettings settings = stub.settings(name + "-wrongkey").withApiKey(secret);
        assertThat(settings.toString()).doesNotContain(secret).contains("[redacted]");
        Logger logger = (Logger) LoggerFactory.getLogger("dev.atelier.platform.ai");
        Level level = logger.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.DEBUG);
        List<String> texts = new ArrayList<>();
        try {
            AiProvider wrong = providers.define(settings);
            assertThat(wrong.toString()).doesNotContain(secret);
            for (int i = 0; i < 2; i++) {
                try {
                    wrong.moderate(call(), "hello");
                } catch (AiException e) {
                    assertThat(e.kind()).isEqualTo(AiException.Kind.REJECTED);
                    StringWriter trace = new StringWriter();
                    e.printStackTrace(new PrintWriter(trace));
                    texts.add(trace.toString());
                }
            }
            stub.failNext(1).rateLimitNext(1, Duration.ofSeconds(60));
            try {
                providers.define(stub.settings(name + "-ok")).moderate(call(Duration.ofSeconds(1)), "hello");
            } catch (AiException e) {
                texts.add(e.getMessage());
            }
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(level);
        }
        synchronized (appender.list) {
            for (ILoggingEvent event : appender.list) {
                texts.add(event.getFormattedMessage());
                if (event.getThrowableProxy() != null) {
                    texts.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
                }
            }
        }
        assertThat(stub.received().get(0).authorization()).isEqualTo("Bearer " + secret); // it was sent
        assertThat(texts).hasSizeGreaterThan(3);
        assertThat(String.join("\n", texts))
                .contains("HTTP 401")
                .doesNotContain(secret)
                .doesNotContain(secret.substring(8))
                .doesNotContain(OpenAiStub.API_KEY);
    }

    private static HttpHeaders headers(Map<String, String> values) {
        Map<String, List<String>> map = new java.util.HashMap<>();
        values.forEach((k, v) -> map.put(k, List.of(v)));
        return HttpHeaders.of(map, (a, b) -> true);
    }
}
