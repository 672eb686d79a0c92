package dev.atelier.platform.telemetry;

import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Installs request sampling ({@code atelier.telemetry.performance-sample-rate}, 0 turns it off). */
@Configuration
class TelemetryConfiguration {

    @Bean
    FilterRegistrationBean<RequestSampling> requestSampling(
            Ingestion ingestion,
            @Value("${ATELIER_TELEMETRY_PERFORMANCE_SAMPLE_RATE:${atelier.telemetry.performance-sample-rate:0.01}}")
                    double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("atelier.telemetry.performance-sample-rate must be between 0 and 1");
        }
        RequestSampling sampling =
                new RequestSampling(rate, ingestion.writer("rotation.performance_metrics", new RequestSampling.Sink()));
        FilterRegistrationBean<RequestSampling> registration = new FilterRegistrationBean<>(sampling);
        registration.addUrlPatterns("/*");
        registration.setName("requestSampling");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setEnabled(rate > 0);
        // Right after the request log, so the timing covers every other filter too.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }
}
