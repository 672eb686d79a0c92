package dev.atelier.platform.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.Schedule;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The server's {@link Caches} (a lifecycle bean: cache_config read and the refresh and flush
 * loop started with the application, counts flushed when it stops), and its clean-up on the job
 * engine's schedule: hourly at minute 0, as InfiniteStories' document schedules
 * {@code cleanup_expired_cache()} with pg_cron, once per hour across all servers; an hour missed
 * while no server ran is made up once.
 */
@Configuration
class CachesConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CachesConfiguration.class);

    @Bean(destroyMethod = "")
    Caches caches(
            Database database,
            Clock clock,
            JobEngine jobs,
            @Value("${ATELIER_CACHE_CONFIG_REFRESH_MS:${atelier.cache.config-refresh-ms:2000}}") long refreshMs) {
        Caches caches = new Caches(database, clock, Ticker.systemTicker(), Duration.ofMillis(Math.max(100, refreshMs)));
        jobs.schedule(
                Caches.EXPIRE_SCHEDULE,
                Schedule.cron("0 * * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> {
                    int removed = caches.expire(tx);
                    if (removed > 0) {
                        log.info("removed {} expired or surplus cache rows", removed);
                    }
                }));
        return caches;
    }
}
