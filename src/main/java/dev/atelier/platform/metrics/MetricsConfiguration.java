package dev.atelier.platform.metrics;

import dev.atelier.platform.cache.Caches;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.telemetry.Ingestion;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The server's registry. It is also added to Micrometer's global registry, so code that runs
 * outside any bean (the ledger's static entry point, storage's byte streams) counts into it with
 * {@code Metrics.counter(…)}; it leaves the global registry when the server stops.
 */
@Configuration
class MetricsConfiguration {

    @Bean(destroyMethod = "")
    PrometheusMeterRegistry prometheusRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Metrics.addRegistry(registry);
        return registry;
    }

    @Bean(destroyMethod = "close")
    JvmGcMetrics jvmGcMetrics(PrometheusMeterRegistry registry) {
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }

    @Bean
    AutoCloseable globalRegistryMembership(PrometheusMeterRegistry registry) {
        return () -> {
            Metrics.removeRegistry(registry);
            registry.close();
        };
    }

    @Bean
    PlatformGauges platformGauges(
            Database database, Ingestion ingestion, Caches caches, PrometheusMeterRegistry registry) {
        return new PlatformGauges(database, ingestion, caches, registry);
    }

    @Bean
    FilterRegistrationBean<HttpMetrics> httpMetrics(PrometheusMeterRegistry registry) {
        FilterRegistrationBean<HttpMetrics> registration = new FilterRegistrationBean<>(new HttpMetrics(registry));
        registration.addUrlPatterns("/*");
        registration.setName("httpMetrics");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }
}
