package dev.atelier.platform.rest;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.db.Database;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Mounts the Data API at /rest/v1, ahead of Spring MVC (and its CORS handling) for that path.
 *
 * <p>PostgREST's query syntax uses characters RFC 3986 does not allow unescaped in a query
 * ({@code cs.{a,b}}, {@code data->>key}, {@code match.^[AB]}, {@code in.("a","b")}). Browsers'
 * fetch and curl send them raw and PostgREST accepts them; so does Jetty by default
 * (Tomcat needed {@code relaxedQueryChars}). HttpSurfaceTest sends them raw to keep it so.
 */
@Configuration
class RestConfiguration {

    @Bean
    FilterRegistrationBean<DataApi> dataApi(
            SchemaCache cache,
            Database database,
            CallerResolver callers,
            @Value("${atelier.rest.max-body-bytes:1048576}") long maxBodyBytes,
            @Value("${atelier.rest.max-rows:1000}") long maxRows,
            @Value("${atelier.rest.max-select-items:200}") int maxSelectItems,
            @Value("${atelier.rest.max-response-bytes:10485760}") long maxResponseBytes,
            @Value("${atelier.rest.aggregates-enabled:false}") boolean aggregatesEnabled,
            @Value("${atelier.rest.tx-end:commit}") String txEnd,
            @Value("${atelier.rest.plan-enabled:false}") boolean planEnabled,
            @Value("${atelier.rest.pre-request:}") String preRequest) {
        FilterRegistrationBean<DataApi> registration = new FilterRegistrationBean<>(new DataApi(
                cache,
                database,
                callers,
                maxBodyBytes,
                new RestLimits(maxRows, maxSelectItems, maxResponseBytes, aggregatesEnabled),
                TxEnd.parse(txEnd),
                planEnabled,
                preRequest.isBlank() ? null : preRequest.trim()));
        registration.addUrlPatterns(DataApi.BASE, DataApi.BASE + "/*");
        registration.setName("dataApi");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }
}
