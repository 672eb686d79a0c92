package dev.atelier.platform.ai;

import dev.atelier.platform.crypto.Keyring;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A remote provider that speaks the OpenAI API: its name (what routes point at), where it is, its
 * key, the model for each kind of work, how long one HTTP exchange may take, how many times a call
 * retries a 429 or 5xx, how many calls may run at once across every server of the database, its
 * prices (for the cost estimate of each call) and the largest response body it may send.
 *
 * <p>Models are keyed by capability: {@code image}, {@code video}, {@code story}, {@code scenes},
 * {@code moderation}, {@code speech}; {@code chat} is the model {@code story} and {@code scenes} use
 * when they have none of their own. A capability without a model is refused as
 * {@link AiException.Kind#UNSUPPORTED}, except the OpenAI defaults for image, chat, moderation and
 * speech ({@link #DEFAULT_MODELS}); video has no default, so it is unsupported unless configured.
 *
 * <p>The API key never leaves this record through {@link #toString()}; it is sent only as the
 * {@code Authorization} header to {@link #baseUrl()}.
 */
public record RemoteSettings(
        String name,
        URI baseUrl,
        @Nullable String apiKey,
        Map<String, String> models,
        Duration timeout,
        int maxRetries,
        int maxConcurrent,
        Prices prices,
        long maxResponseBytes) {

    /** The capabilities a model can be configured for. */
    public static final Set<String> CAPABILITIES =
            Set.of("image", "video", "chat", "story", "scenes", "moderation", "speech");

    /** Models used when none is configured for a capability. */
    public static final Map<String, String> DEFAULT_MODELS = Map.of(
            "image", "gpt-image-1",
            "chat", "gpt-4o-mini",
            "moderation", "omni-moderation-latest",
            "speech", "gpt-4o-mini-tts");

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final int DEFAULT_MAX_RETRIES = 2;
    public static final int DEFAULT_MAX_CONCURRENT = 4;
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 32L * 1024 * 1024;

    /**
     * Prices in USD, for the cost estimate of each call: per million input and output tokens (chat,
     * and image models that report tokens), per image, per video and per thousand characters of
     * speech. Zero where unknown.
     */
    public record Prices(
            BigDecimal inputPerMillionTokens,
            BigDecimal outputPerMillionTokens,
            BigDecimal perImage,
            BigDecimal perVideo,
            BigDecimal perThousandSpeechCharacters) {

        public static final Prices NONE =
                new Prices(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

        public Prices {
            for (BigDecimal price : new BigDecimal[] {
                inputPerMillionTokens, outputPerMillionTokens, perImage, perVideo, perThousandSpeechCharacters
            }) {
                if (price.signum() < 0) {
                    throw new IllegalArgumentException("prices cannot be negative");
                }
            }
        }
    }

    public RemoteSettings {
        if (!name.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw new IllegalArgumentException(
                    "a provider name is 1-63 characters of a-z, 0-9, - and _ (starting with a letter or digit)");
        }
        if (name.equals(LocalProvider.NAME)) {
            throw new IllegalArgumentException("\"local\" is the built-in provider's name");
        }
        String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("a provider's base URL must be an absolute http(s) URL");
        }
        if (baseUrl.getUserInfo() != null) {
            throw new IllegalArgumentException("put the API key in api-key, not in the base URL");
        }
        for (String capability : models.keySet()) {
            if (!CAPABILITIES.contains(capability)) {
                throw new IllegalArgumentException(
                        "unknown capability " + capability + " (one of " + CAPABILITIES + ")");
            }
        }
        models = Map.copyOf(models);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a provider's timeout must be positive");
        }
        if (maxRetries < 0 || maxRetries > 10) {
            throw new IllegalArgumentException("max-retries must be between 0 and 10");
        }
        if (maxConcurrent < 1 || maxConcurrent > 1000) {
            throw new IllegalArgumentException("max-concurrent must be between 1 and 1000");
        }
        if (maxResponseBytes < 1024 || maxResponseBytes > 512L * 1024 * 1024) {
            throw new IllegalArgumentException("max-response-bytes must be between 1 KiB and 512 MiB");
        }
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
    }

    /** A provider at {@code baseUrl} (e.g. {@code https://api.openai.com}) with the defaults for everything else. */
    public static RemoteSettings of(String name, String baseUrl, @Nullable String apiKey) {
        return new RemoteSettings(
                name,
                URI.create(baseUrl),
                apiKey,
                Map.of(),
                DEFAULT_TIMEOUT,
                DEFAULT_MAX_RETRIES,
                DEFAULT_MAX_CONCURRENT,
                Prices.NONE,
                DEFAULT_MAX_RESPONSE_BYTES);
    }

    /**
     * The API key opened from its sealed form (e.g. a row of Delula's {@code provider_credentials}):
     * {@code context} must be the one it was sealed for (see {@link Keyring#seal}).
     */
    public static String openKey(Keyring keyring, Keyring.Sealed sealedKey, String context) {
        return keyring.open(sealedKey, context);
    }

    /** These settings with the key opened from its sealed form (see {@link #openKey}). */
    public RemoteSettings withSealedKey(Keyring keyring, Keyring.Sealed sealedKey, String context) {
        return withApiKey(openKey(keyring, sealedKey, context));
    }

    public RemoteSettings withApiKey(@Nullable String key) {
        return new RemoteSettings(
                name, baseUrl, key, models, timeout, maxRetries, maxConcurrent, prices, maxResponseBytes);
    }

    /** These settings with {@code model} for {@code capability} (see {@link #CAPABILITIES}). */
    public RemoteSettings withModel(String capability, String model) {
        Map<String, String> m = new LinkedHashMap<>(models);
        m.put(capability, model);
        return new RemoteSettings(
                name, baseUrl, apiKey, m, timeout, maxRetries, maxConcurrent, prices, maxResponseBytes);
    }

    /** The longest one HTTP exchange may take (a call's own timeout bounds the whole call, retries included). */
    public RemoteSettings withTimeout(Duration t) {
        return new RemoteSettings(
                name, baseUrl, apiKey, models, t, maxRetries, maxConcurrent, prices, maxResponseBytes);
    }

    public RemoteSettings withMaxRetries(int n) {
        return new RemoteSettings(name, baseUrl, apiKey, models, timeout, n, maxConcurrent, prices, maxResponseBytes);
    }

    public RemoteSettings withMaxConcurrent(int n) {
        return new RemoteSettings(name, baseUrl, apiKey, models, timeout, maxRetries, n, prices, maxResponseBytes);
    }

    public RemoteSettings withPrices(Prices p) {
        return new RemoteSettings(
                name, baseUrl, apiKey, models, timeout, maxRetries, maxConcurrent, p, maxResponseBytes);
    }

    public RemoteSettings withMaxResponseBytes(long n) {
        return new RemoteSettings(name, baseUrl, apiKey, models, timeout, maxRetries, maxConcurrent, prices, n);
    }

    /** The model for a capability, or null when it has none (then the provider cannot do that work). */
    public @Nullable String model(String capability) {
        String model = models.get(capability);
        if (model == null && (capability.equals("story") || capability.equals("scenes"))) {
            model = models.get("chat");
            if (model == null) {
                model = DEFAULT_MODELS.get("chat");
            }
        }
        return model != null ? model : DEFAULT_MODELS.get(capability);
    }

    @Override
    public String toString() {
        return "RemoteSettings[name=" + name + ", baseUrl=" + baseUrl + ", apiKey="
                + (apiKey == null ? "none" : "[redacted]") + ", models=" + models + ", timeout=" + timeout
                + ", maxRetries=" + maxRetries + ", maxConcurrent=" + maxConcurrent + ", prices=" + prices
                + ", maxResponseBytes=" + maxResponseBytes + "]";
    }
}
