package dev.atelier.apps.delula;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.ai.AiCall;
import dev.atelier.platform.ai.AiProvider;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ai.RemoteSettings;
import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Which provider makes a generation, from Delula's own tables. A generation's service
 * ({@code services}) of an active provider ({@code providers}) with a {@code base_url} is an
 * OpenAI-compatible provider: its base URL, the service's model for the media type, its
 * {@code timeout_seconds}, {@code providers.config} ({@code max_retries}, {@code max_concurrent})
 * and the key sealed in {@code provider_credentials} (additional data
 * {@code delula.provider_credentials.api_key_encrypted:<provider_id>}, V40) define it in
 * platform.ai under the name {@code delula-s<service id>}, again whenever any of them changes. A
 * provider named {@code local}, one without a base URL, or an inactive service or provider, gives
 * the built-in local provider within the service's timeout. No service: the platform's routing for
 * the recipe (local unless configured), within {@code atelier.delula.generation.timeout-seconds}.
 * The key is opened only to define the provider and never logged or answered.
 */
@Component
class DelulaProviders {

    private static final Logger log = LoggerFactory.getLogger(DelulaProviders.class);

    private final Database database;
    private final AiProviders providers;
    private final Keyring keyring;
    private final Duration defaultTimeout;
    /** What each service's provider was last defined from (a digest, no secret), by provider name. */
    private final Map<String, String> defined = new ConcurrentHashMap<>();

    DelulaProviders(
            Database database,
            AiProviders providers,
            Keyring keyring,
            @Value("${ATELIER_DELULA_GENERATION_TIMEOUT_SECONDS:${atelier.delula.generation.timeout-seconds:120}}")
                    long timeoutSeconds) {
        this.database = database;
        this.providers = providers;
        this.keyring = keyring;
        this.defaultTimeout = Duration.ofSeconds(timeoutSeconds);
    }

    /** How a generation's provider call is made: its timeout, and the remote provider's name or null (routing). */
    record Choice(Duration timeout, @Nullable String remote) {}

    private record Row(
            int serviceId,
            int providerId,
            String providerName,
            @Nullable String baseUrl,
            JsonNode providerConfig,
            @Nullable String model,
            int timeoutSeconds,
            boolean active,
            @Nullable String keyId,
            byte @Nullable [] sealedKey) {}

    Choice choose(@Nullable Integer serviceId, String mediaType) throws SQLException {
        if (serviceId == null) {
            return new Choice(defaultTimeout, null);
        }
        Optional<Row> found = database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select s.id, p.id, p.name, p.base_url, p.config::text, s.model, s.timeout_seconds,
                           s.is_active and p.is_active, c.encryption_key_id, c.api_key_encrypted
                    from delula.services s join delula.providers p on p.id = s.provider_id
                    left join delula.provider_credentials c on c.provider_id = p.id
                    where s.id = ?""")) {
                query.setInt(1, serviceId);
                try (ResultSet row = query.executeQuery()) {
                    if (!row.next()) {
                        return Optional.<Row>empty();
                    }
                    return Optional.of(new Row(
                            row.getInt(1),
                            row.getInt(2),
                            row.getString(3),
                            row.getString(4),
                            DelulaGenerations.parse(row.getString(5)),
                            row.getString(6),
                            row.getInt(7),
                            row.getBoolean(8),
                            row.getString(9),
                            row.getBytes(10)));
                }
            }
        });
        if (found.isEmpty()) {
            return new Choice(defaultTimeout, null);
        }
        Row row = found.get();
        Duration timeout = Duration.ofSeconds(Math.max(1, row.timeoutSeconds()));
        if (!row.active()
                || row.providerName().equals("local")
                || row.baseUrl() == null
                || row.baseUrl().isBlank()) {
            return new Choice(timeout, "local");
        }
        return new Choice(timeout, define(row, mediaType, timeout));
    }

    /** Defines (or redefines, when its rows changed) the service's remote provider; returns its name. */
    private String define(Row row, String mediaType, Duration timeout) {
        String name = "delula-s" + row.serviceId();
        String fingerprint = digest(row.providerId() + "\n" + row.baseUrl() + "\n" + row.providerConfig() + "\n"
                + row.model() + "\n" + mediaType + "\n" + timeout + "\n" + row.keyId() + "\n"
                + (row.sealedKey() == null ? "" : HexFormat.of().formatHex(row.sealedKey())));
        if (fingerprint.equals(defined.get(name)) && providers.provider(name).isPresent()) {
            return name;
        }
        String baseUrl = java.util.Objects.requireNonNull(row.baseUrl());
        RemoteSettings settings = RemoteSettings.of(name, baseUrl, null).withTimeout(timeout);
        if (row.keyId() != null && row.sealedKey() != null) {
            settings = settings.withSealedKey(
                    keyring, new Keyring.Sealed(row.keyId(), row.sealedKey()), credentialContext(row.providerId()));
        }
        if (row.model() != null && !row.model().isBlank()) {
            settings = settings.withModel(mediaType, row.model());
        }
        JsonNode config = row.providerConfig();
        if (config.path("max_retries").isInt()) {
            settings = settings.withMaxRetries(config.path("max_retries").asInt());
        }
        if (config.path("max_concurrent").isInt()) {
            settings = settings.withMaxConcurrent(config.path("max_concurrent").asInt());
        }
        providers.define(settings);
        defined.put(name, fingerprint);
        log.info("delula: service {} of provider {} uses {}", row.serviceId(), row.providerName(), settings);
        return name;
    }

    AiProvider provider(AiCall call, Choice choice) {
        if (choice.remote() == null) {
            return providers.forCall(call);
        }
        if (choice.remote().equals("local")) {
            return providers.local();
        }
        return providers.provider(choice.remote()).orElseGet(providers::local);
    }

    /** Seals a provider's API key into provider_credentials (replacing what was there). */
    void storeKey(int providerId, String apiKey) throws SQLException {
        Keyring.Sealed sealed = keyring.seal(apiKey, credentialContext(providerId));
        database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement upsert = tx.connection().prepareStatement("""
                    insert into delula.provider_credentials (provider_id, api_key_encrypted, encryption_key_id)
                    values (?, ?, ?)
                    on conflict (provider_id) do update
                    set api_key_encrypted = excluded.api_key_encrypted, encryption_key_id = excluded.encryption_key_id""")) {
                upsert.setInt(1, providerId);
                upsert.setBytes(2, sealed.bytes());
                upsert.setString(3, sealed.keyId());
                upsert.executeUpdate();
            } catch (SQLException e) {
                if ("23503".equals(e.getSQLState())) {
                    throw Problem.notFound("no provider " + providerId);
                }
                throw e;
            }
            return Boolean.TRUE;
        });
    }

    static String credentialContext(int providerId) {
        return "delula.provider_credentials.api_key_encrypted:" + providerId;
    }

    private static String digest(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
