package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Database;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The server's engine. Components register their job types and periodic work while the context
 * is built; the engine starts once every one has (a lifecycle bean starts after all singletons)
 * and stops before the request pool closes.
 */
@Configuration
class JobsConfiguration {

    @Bean
    JobEngine jobEngine(Database database, Clock clock, Environment env, ObjectProvider<JobEngine.Listener> listener) {
        JobEngineOptions options = JobEngineOptions.defaults()
                .withWorkers(env.getProperty("ATELIER_JOBS_WORKERS", Integer.class, 8))
                .withLease(
                        Duration.ofSeconds(env.getProperty("ATELIER_JOBS_HEARTBEAT_SECONDS", Integer.class, 5)),
                        Duration.ofSeconds(env.getProperty("ATELIER_JOBS_LEASE_SECONDS", Integer.class, 30)));
        return new JobEngine(database, clock, options, listener.getIfAvailable());
    }

    @Bean
    SmartLifecycle jobEngineLifecycle(JobEngine engine) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                engine.start();
                running = true;
            }

            @Override
            public void stop() {
                engine.close();
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }
}
