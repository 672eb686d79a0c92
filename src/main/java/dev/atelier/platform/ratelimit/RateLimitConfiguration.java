package dev.atelier.platform.ratelimit;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Cidrs;
import dev.atelier.platform.http.ClientAddress;
import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.Schedule;
import jakarta.servlet.DispatcherType;
import java.sql.PreparedStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** The server's limiter, its filter (after the request log and TRACE refusal) and its sweep job. */
@Configuration
class RateLimitConfiguration {

    static final String SWEEP = "platform.ratelimit.sweep";
    private static final Logger log = LoggerFactory.getLogger(RateLimitConfiguration.class);

    /** Loads its rules and listens when created; stops listening and closes its connections with the context. */
    @Bean(initMethod = "start", destroyMethod = "close")
    RateLimiter rateLimiter(
            Database database,
            ObjectProvider<JobEngine.Listener> listener,
            @Value("${ATELIER_RATELIMIT_EXEMPT:${atelier.ratelimit.exempt:}}") String exempt,
            @Value("${ATELIER_RATELIMIT_CONNECTIONS:${atelier.ratelimit.connections:8}}") int connections,
            @Value("${ATELIER_RATELIMIT_LEASES:${atelier.ratelimit.leases:true}}") boolean leases) {
        return new RateLimiter(database, listener.getIfAvailable(), Cidrs.parse(exempt), connections, leases);
    }

    @Bean
    FilterRegistrationBean<RateLimitFilter> rateLimitFilter(
            RateLimiter limiter, ClientAddress clients, CallerResolver callers) {
        FilterRegistrationBean<RateLimitFilter> registration =
                new FilterRegistrationBean<>(new RateLimitFilter(limiter, clients, callers));
        registration.addUrlPatterns("/*");
        registration.setName("rateLimit");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 7);
        return registration;
    }

    /** Every ten minutes, one server removes the counters whose window ended. */
    @Bean
    Object rateLimitSweep(JobEngine jobs) {
        jobs.schedule(
                SWEEP,
                Schedule.cron("*/10 * * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> {
                    try (PreparedStatement delete = tx.connection()
                            .prepareStatement("delete from platform.rate_limit_counters where window_end < now()")) {
                        int removed = delete.executeUpdate();
                        if (removed > 0) {
                            log.debug("removed {} ended rate-limit windows", removed);
                        }
                    }
                }));
        return SWEEP;
    }
}
