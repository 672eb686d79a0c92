package dev.atelier.platform.ai;

import dev.atelier.platform.db.Database;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.stereotype.Service;

/**
 * Chooses the provider for a call (per app and per target) and holds the providers: the built-in
 * {@link LocalProvider} ({@code local}, the default: every flow works with no network and no keys)
 * and the remote ones that speak the OpenAI API, defined from configuration at start
 * ({@link AiSettings}: {@code atelier.ai.providers.<name>.*}, {@code atelier.ai.routes.<app>.<target>})
 * or at run time with {@link #define} and {@link #route}. Remote calls share a concurrency limit per
 * provider across every server on the database ({@link ProviderSlots}).
 */
@Service
public class AiProviders implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AiProviders.class);
    /** Matches every target of an app (and, as the app, every app). */
    public static final String ANY = "*";

    private final LocalFaults faults;
    private final LocalProvider local;
    private final @Nullable ProviderSlots slots;
    private final HttpClient http = OpenAiProvider.newClient();
    private final Map<String, AiProvider> providers = new ConcurrentHashMap<>();
    /** app:target → provider name. */
    private final Map<String, String> routes = new ConcurrentHashMap<>();

    @Autowired
    AiProviders(Environment environment, Database database) {
        this(AiSettings.from(properties(environment)), database);
    }

    /** Providers from {@code settings}; {@code database} holds the cross-server concurrency slots (none: no limit). */
    AiProviders(AiSettings settings, @Nullable Database database) {
        this.faults = new LocalFaults(settings.localFaults());
        this.local = new LocalProvider(faults);
        this.slots = database == null ? null : new ProviderSlots(database, settings.slotLease());
        providers.put(LocalProvider.NAME, local);
        for (RemoteSettings remote : settings.providers()) {
            define(remote);
        }
        settings.routes().forEach((key, name) -> {
            int colon = key.indexOf(':');
            route(key.substring(0, colon), key.substring(colon + 1), name);
        });
        if (!settings.providers().isEmpty() || !settings.routes().isEmpty()) {
            log.info("AI providers: {}; routes: {}", List.copyOf(new TreeMap<>(providers).keySet()), routes());
        }
    }

    /** The local provider's deliberate failures (see {@link LocalFaults}); tests and evaluators set them. */
    public LocalFaults localFaults() {
        return faults;
    }

    /** The built-in provider on its own, without faults (benchmarks measure it alone). */
    public static AiProvider localProvider() {
        return new LocalProvider(new LocalFaults(""));
    }

    /**
     * The provider that serves this call: the route of its app and target, else of its app ({@code
     * app:*}), else of every app ({@code *:*}), else the local provider.
     */
    public AiProvider forCall(AiCall call) {
        String name = routes.get(call.app() + ":" + call.target());
        if (name == null) {
            name = routes.get(call.app() + ":" + ANY);
        }
        if (name == null) {
            name = routes.get(ANY + ":" + ANY);
        }
        AiProvider provider = name == null ? null : providers.get(name);
        return provider != null ? provider : local;
    }

    /**
     * Registers (or replaces) a remote provider speaking the OpenAI API under {@code settings.name()},
     * so routes can point at it; returns it.
     */
    public AiProvider define(RemoteSettings settings) {
        OpenAiProvider provider = new OpenAiProvider(settings, http, slots);
        providers.put(settings.name(), provider);
        log.info("AI provider {} defined: {}", settings.name(), settings);
        return provider;
    }

    /**
     * Routes calls of {@code app} for {@code target} ({@code *}: every target of the app without a
     * route of its own; app {@code *}: every app) to the provider named {@code providerName}
     * ({@code local} for the built-in one). The provider must be defined.
     */
    public void route(String app, String target, String providerName) {
        if (app.isBlank() || target.isBlank() || app.contains(":")) {
            throw new IllegalArgumentException("a route needs an app (no ':') and a target");
        }
        if (!providers.containsKey(providerName)) {
            throw new IllegalArgumentException("no AI provider named \"" + providerName + "\" is defined");
        }
        routes.put(app + ":" + target, providerName);
    }

    /** Removes the route of {@code app}/{@code target} (calls then follow the app's default route, or go local). */
    public void clearRoute(String app, String target) {
        routes.remove(app + ":" + target);
    }

    /** The provider defined under {@code name} ({@code local}: the built-in one). */
    public Optional<AiProvider> provider(String name) {
        return Optional.ofNullable(providers.get(name));
    }

    /** The local provider. */
    public AiProvider local() {
        return local;
    }

    /** The routes, {@code app:target → provider}, sorted. */
    public Map<String, String> routes() {
        return new TreeMap<>(routes);
    }

    @Override
    public void close() {
        if (slots != null) {
            slots.close();
        }
    }

    /** The {@code atelier.ai.*} properties (and their ATELIER_AI_* environment forms) Spring knows. */
    private static Map<String, String> properties(Environment environment) {
        Map<String, String> out = new LinkedHashMap<>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            // Lowest precedence first, so that higher sources overwrite.
            List<PropertySource<?>> sources =
                    configurable.getPropertySources().stream().toList();
            for (int i = sources.size() - 1; i >= 0; i--) {
                if (sources.get(i) instanceof EnumerablePropertySource<?> enumerable) {
                    for (String name : enumerable.getPropertyNames()) {
                        if (AiSettings.isAiProperty(name)) {
                            Object value = enumerable.getProperty(name);
                            if (value != null) {
                                out.put(name, environment.resolvePlaceholders(value.toString()));
                            }
                        }
                    }
                }
            }
        }
        String faults = environment.getProperty("atelier.ai.local.faults");
        if (faults != null) {
            out.put("atelier.ai.local.faults", faults);
        }
        return out;
    }
}
