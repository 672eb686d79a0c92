package dev.atelier.apps.delula;

import dev.atelier.platform.ai.AiCall;
import dev.atelier.platform.ai.AiProvider;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Which provider makes a generation, from Delula's own tables: the generation's service
 * ({@code services}, with its {@code providers} row) when it names an active one, else the
 * platform's routing for the recipe (the local provider unless configured). The service's
 * {@code timeout_seconds} bounds the provider call; without a service,
 * {@code atelier.delula.generation.timeout-seconds}.
 */
@Component
class DelulaProviders {

    private final Database database;
    private final AiProviders providers;
    private final Duration defaultTimeout;

    DelulaProviders(
            Database database,
            AiProviders providers,
            @Value("${ATELIER_DELULA_GENERATION_TIMEOUT_SECONDS:${atelier.delula.generation.timeout-seconds:120}}")
                    long timeoutSeconds) {
        this.database = database;
        this.providers = providers;
        this.defaultTimeout = Duration.ofSeconds(timeoutSeconds);
    }

    /** The service's settings for one generation; {@code service} is null for the platform's routing. */
    record Choice(Duration timeout, @Nullable Service service) {}

    /** An active service of an active provider (no secret: credentials are read when the call is made). */
    record Service(
            int id,
            String provider,
            String name,
            @Nullable String model,
            @Nullable String baseUrl) {}

    Choice choose(@Nullable Integer serviceId, String mediaType) throws SQLException {
        if (serviceId == null) {
            return new Choice(defaultTimeout, null);
        }
        return database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select s.id, p.name, s.name, s.model, p.base_url, s.timeout_seconds, s.is_active and p.is_active
                    from delula.services s join delula.providers p on p.id = s.provider_id
                    where s.id = ?""")) {
                query.setInt(1, serviceId);
                try (ResultSet row = query.executeQuery()) {
                    if (!row.next()) {
                        return new Choice(defaultTimeout, null);
                    }
                    Duration timeout = Duration.ofSeconds(Math.max(1, row.getInt(6)));
                    if (!row.getBoolean(7)) {
                        // An inactive service or provider: the local provider, within its timeout.
                        return new Choice(timeout, null);
                    }
                    return new Choice(
                            timeout,
                            new Service(
                                    row.getInt(1),
                                    row.getString(2),
                                    row.getString(3),
                                    row.getString(4),
                                    row.getString(5)));
                }
            }
        });
    }

    AiProvider provider(AiCall call, Choice choice) {
        return providers.forCall(call);
    }
}
