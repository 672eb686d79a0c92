package dev.atelier.platform.settings;

import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.JobEngine;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The server's settings service, loaded when the application starts. */
@Configuration
class SettingsConfiguration {

    @Bean(destroyMethod = "")
    SettingsService settingsService(
            Database database,
            Keyring keyring,
            Clock clock,
            ObjectProvider<JobEngine.Listener> listener,
            @Value("${ATELIER_SETTINGS_PROFILE:${atelier.settings.profile:}}") String profile,
            @Value("${ATELIER_SETTINGS_ENVIRONMENT:${atelier.settings.environment:production}}") String environment) {
        if (!java.util.Set.of("development", "staging", "production").contains(environment)) {
            throw new IllegalArgumentException(
                    "atelier.settings.environment must be development, staging or production, not " + environment);
        }
        return new SettingsService(database, keyring, clock, listener.getIfAvailable(), profile, environment);
    }
}
