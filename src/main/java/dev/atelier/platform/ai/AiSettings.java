package dev.atelier.platform.ai;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code atelier.ai.*} configuration read at start (README "AI providers"):
 *
 * <pre>
 * atelier.ai.providers.&lt;name&gt;.base-url        ATELIER_AI_PROVIDERS_&lt;NAME&gt;_BASE_URL
 * atelier.ai.providers.&lt;name&gt;.api-key         ATELIER_AI_PROVIDERS_&lt;NAME&gt;_API_KEY
 * atelier.ai.providers.&lt;name&gt;.models.&lt;cap&gt;    ATELIER_AI_PROVIDERS_&lt;NAME&gt;_MODELS_&lt;CAP&gt;
 * atelier.ai.providers.&lt;name&gt;.timeout-ms / max-retries / max-concurrent / max-response-bytes
 * atelier.ai.providers.&lt;name&gt;.prices.input-per-million-tokens / output-per-million-tokens /
 *                                  per-image / per-video / per-thousand-speech-characters
 * atelier.ai.routes.&lt;app&gt;.&lt;target&gt;=&lt;name&gt;   or   atelier.ai.routes=app:target=name,...  (ATELIER_AI_ROUTES)
 * atelier.ai.slot-lease-ms                       ATELIER_AI_SLOT_LEASE_MS
 * atelier.ai.local.faults                        ATELIER_AI_LOCAL_FAULTS
 * </pre>
 *
 * In the environment forms a provider's name is lowercased; in the dotted forms {@code baseUrl},
 * {@code base_url} and {@code base-url} are the same setting. Errors name the property, never its
 * value (it may be a key).
 */
record AiSettings(String localFaults, List<RemoteSettings> providers, Map<String, String> routes, Duration slotLease) {

    static final Duration DEFAULT_SLOT_LEASE = Duration.ofSeconds(30);

    private static final String PROVIDERS = "atelier.ai.providers.";
    private static final String ROUTES = "atelier.ai.routes";
    private static final String ENV_PROVIDERS = "ATELIER_AI_PROVIDERS_";
    private static final String ENV_ROUTES = "ATELIER_AI_ROUTES";

    /** Every setting of a provider, in its canonical dotted form. */
    static final List<String> SETTINGS = List.of(
            "base-url",
            "api-key",
            "models.image",
            "models.video",
            "models.chat",
            "models.story",
            "models.scenes",
            "models.moderation",
            "models.speech",
            "timeout-ms",
            "max-retries",
            "max-concurrent",
            "max-response-bytes",
            "prices.input-per-million-tokens",
            "prices.output-per-million-tokens",
            "prices.per-image",
            "prices.per-video",
            "prices.per-thousand-speech-characters");

    AiSettings {
        providers = List.copyOf(providers);
        routes = Map.copyOf(routes);
    }

    static AiSettings defaults() {
        return new AiSettings("", List.of(), Map.of(), DEFAULT_SLOT_LEASE);
    }

    static boolean isAiProperty(String name) {
        return name.startsWith(PROVIDERS)
                || name.startsWith(ROUTES)
                || name.startsWith(ENV_PROVIDERS)
                || name.startsWith(ENV_ROUTES)
                || name.equals("atelier.ai.slot-lease-ms")
                || name.equals("ATELIER_AI_SLOT_LEASE_MS");
    }

    /** Reads the settings from property names and values, in either form. */
    static AiSettings from(Map<String, String> properties) {
        Map<String, Map<String, String>> byProvider = new TreeMap<>();
        Map<String, String> routes = new LinkedHashMap<>();
        String faults = "";
        Duration lease = DEFAULT_SLOT_LEASE;
        for (Map.Entry<String, String> property : properties.entrySet()) {
            String name = property.getKey();
            String value = property.getValue().trim();
            if (name.equals("atelier.ai.local.faults")) {
                faults = value;
            } else if (name.equals("atelier.ai.slot-lease-ms") || name.equals("ATELIER_AI_SLOT_LEASE_MS")) {
                lease = Duration.ofMillis(number(name, value, 100, 3_600_000));
            } else if (name.equals(ROUTES) || name.equals(ENV_ROUTES)) {
                compactRoutes(name, value, routes);
            } else if (name.startsWith(ROUTES + ".")) {
                String rest = name.substring(ROUTES.length() + 1);
                int dot = rest.indexOf('.');
                if (dot <= 0 || dot == rest.length() - 1) {
                    throw new IllegalArgumentException(name + ": expected atelier.ai.routes.<app>.<target>");
                }
                routes.put(rest.substring(0, dot) + ":" + rest.substring(dot + 1), value);
            } else if (name.startsWith(PROVIDERS)) {
                String rest = name.substring(PROVIDERS.length());
                int dot = rest.indexOf('.');
                if (dot <= 0) {
                    throw new IllegalArgumentException(name + ": expected atelier.ai.providers.<name>.<setting>");
                }
                String setting = canonical(rest.substring(dot + 1));
                if (setting == null) {
                    throw new IllegalArgumentException(name + ": unknown setting (one of " + SETTINGS + ")");
                }
                byProvider
                        .computeIfAbsent(rest.substring(0, dot), k -> new LinkedHashMap<>())
                        .put(setting, value);
            } else if (name.startsWith(ENV_PROVIDERS)) {
                String rest = name.substring(ENV_PROVIDERS.length());
                String matched = null;
                for (String setting : SETTINGS) {
                    String suffix = "_"
                            + setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
                    if (rest.endsWith(suffix)
                            && rest.length() > suffix.length()
                            && (matched == null || setting.length() > matched.length())) {
                        matched = setting;
                    }
                }
                if (matched == null) {
                    throw new IllegalArgumentException(name + ": unknown setting (one of " + SETTINGS + ")");
                }
                String suffix =
                        "_" + matched.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
                String provider =
                        rest.substring(0, rest.length() - suffix.length()).toLowerCase(Locale.ROOT);
                byProvider.computeIfAbsent(provider, k -> new LinkedHashMap<>()).put(matched, value);
            }
        }
        List<RemoteSettings> providers = new ArrayList<>();
        byProvider.forEach((provider, settings) -> providers.add(provider(provider, settings)));
        return new AiSettings(faults, providers, routes, lease);
    }

    private static void compactRoutes(String property, String value, Map<String, String> routes) {
        for (String item : value.split(",")) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.indexOf(':');
            int equals = entry.indexOf('=');
            if (colon <= 0 || equals < colon + 2 || equals == entry.length() - 1) {
                throw new IllegalArgumentException(property + ": expected app:target=provider, got \"" + entry + "\"");
            }
            routes.put(
                    entry.substring(0, equals).trim(),
                    entry.substring(equals + 1).trim());
        }
    }

    private static RemoteSettings provider(String name, Map<String, String> s) {
        String prefix = PROVIDERS + name + ".";
        String baseUrl = s.get("base-url");
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException(prefix + "base-url is missing");
        }
        RemoteSettings settings;
        try {
            settings = RemoteSettings.of(name, baseUrl, s.get("api-key"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + "*: " + e.getMessage());
        }
        for (Map.Entry<String, String> e : s.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (key.startsWith("models.") && !value.isBlank()) {
                settings = settings.withModel(key.substring("models.".length()), value);
            }
        }
        if (s.containsKey("timeout-ms")) {
            settings = settings.withTimeout(
                    Duration.ofMillis(number(prefix + "timeout-ms", s.get("timeout-ms"), 1, 3_600_000)));
        }
        if (s.containsKey("max-retries")) {
            settings = settings.withMaxRetries((int) number(prefix + "max-retries", s.get("max-retries"), 0, 10));
        }
        if (s.containsKey("max-concurrent")) {
            settings = settings.withMaxConcurrent(
                    (int) number(prefix + "max-concurrent", s.get("max-concurrent"), 1, 1000));
        }
        if (s.containsKey("max-response-bytes")) {
            settings = settings.withMaxResponseBytes(
                    number(prefix + "max-response-bytes", s.get("max-response-bytes"), 1024, 512L * 1024 * 1024));
        }
        RemoteSettings.Prices p = settings.prices();
        settings = settings.withPrices(new RemoteSettings.Prices(
                price(prefix, s, "prices.input-per-million-tokens", p.inputPerMillionTokens()),
                price(prefix, s, "prices.output-per-million-tokens", p.outputPerMillionTokens()),
                price(prefix, s, "prices.per-image", p.perImage()),
                price(prefix, s, "prices.per-video", p.perVideo()),
                price(prefix, s, "prices.per-thousand-speech-characters", p.perThousandSpeechCharacters())));
        return settings;
    }

    private static BigDecimal price(String prefix, Map<String, String> s, String key, BigDecimal otherwise) {
        String value = s.get(key);
        if (value == null) {
            return otherwise;
        }
        try {
            BigDecimal price = new BigDecimal(value.trim());
            if (price.signum() < 0) {
                throw new NumberFormatException();
            }
            return price;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(prefix + key + " must be a non-negative decimal number");
        }
    }

    private static long number(String property, String value, long min, long max) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " must be a whole number from " + min + " to " + max);
        }
    }

    /** The canonical form of a dotted setting name, ignoring case, dashes and underscores; null if unknown. */
    private static @org.jspecify.annotations.Nullable String canonical(String setting) {
        String wanted = squash(setting);
        for (String known : SETTINGS) {
            if (squash(known).equals(wanted)) {
                return known;
            }
        }
        return null;
    }

    private static String squash(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }
}
