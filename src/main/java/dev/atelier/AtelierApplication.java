package dev.atelier;

import java.time.Clock;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jooq.JooqAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The HTTP application. {@link Server} starts the database and registers the request pool, the
 * JWT keys and the settings before this context starts, so Boot's own DataSource, Flyway and jOOQ
 * set-up stay off: they would connect as the owner.
 */
@SpringBootApplication(
        exclude = {DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class, JooqAutoConfiguration.class})
class AtelierApplication {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
