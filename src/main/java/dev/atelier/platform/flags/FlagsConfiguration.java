package dev.atelier.platform.flags;

import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.JobEngine;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The server's flag service, started with the application and flushed when it stops. */
@Configuration
class FlagsConfiguration {

    @Bean(destroyMethod = "")
    FlagService flagService(Database database, Clock clock, ObjectProvider<JobEngine.Listener> listener) {
        return new FlagService(database, clock, listener.getIfAvailable());
    }

    @Bean
    SmartLifecycle flagServiceLifecycle(FlagService flags) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                flags.start();
                running = true;
            }

            @Override
            public void stop() {
                flags.close();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }
}
