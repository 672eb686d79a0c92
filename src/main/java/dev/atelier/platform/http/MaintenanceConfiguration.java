package dev.atelier.platform.http;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.settings.SettingsService;
import jakarta.servlet.DispatcherType;
import java.util.Arrays;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Maintenance windows' refusal of writes, ahead of every surface (after the request log). */
@Configuration
class MaintenanceConfiguration {

    @Bean
    FilterRegistrationBean<MaintenanceFilter> maintenanceFilter(
            SettingsService settings,
            CallerResolver callers,
            Database database,
            @Value("${atelier.rest.schemas}") String schemas) {
        FilterRegistrationBean<MaintenanceFilter> registration = new FilterRegistrationBean<>(new MaintenanceFilter(
                settings,
                callers,
                database,
                Arrays.stream(schemas.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList()));
        registration.addUrlPatterns("/*");
        registration.setName("maintenance");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 7);
        return registration;
    }
}
