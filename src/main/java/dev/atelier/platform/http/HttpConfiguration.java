package dev.atelier.platform.http;

import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The HTTP conventions every surface shares, installed ahead of the surfaces themselves: the
 * request log and request id first (so they see every request, the data API's included), then the
 * refusal of TRACE, the body cap of the domain endpoints, and Jetty's own refusals in JSON.
 */
@Configuration
class HttpConfiguration {

    private static final int ACCEPT_QUEUE = 100;

    /**
     * Jetty's per-connection cache of header fields, off (Jetty's default: 1,024 bytes). A cached
     * field is matched against each new request's header lines character by character, and the
     * field a client repeats on every request of a connection is its bearer token (about 800
     * characters): matching it cost more than parsing it, 12 % of a data API read's request-thread
     * samples. Off, the same read took 8 % less CPU (bench/dataapi, GET one row, 32 clients).
     */
    private static final int HEADER_CACHE_SIZE = 0;

    @Bean
    FilterRegistrationBean<RequestLog> requestLog() {
        FilterRegistrationBean<RequestLog> registration = new FilterRegistrationBean<>(new RequestLog());
        registration.addUrlPatterns("/*");
        registration.setName("requestLog");
        // Once per request: an error dispatch (to /error) is part of the request already logged.
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    FilterRegistrationBean<TraceRefusal> traceRefusal() {
        FilterRegistrationBean<TraceRefusal> registration = new FilterRegistrationBean<>(new TraceRefusal());
        registration.addUrlPatterns("/*");
        registration.setName("traceRefusal");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
        return registration;
    }

    @Bean
    FilterRegistrationBean<BodyLimit> apiBodyLimit(
            @Value("${atelier.api.max-body-bytes:65536}") int maxBodyBytes, ObjectProvider<BodyAllowance> allowances) {
        FilterRegistrationBean<BodyLimit> registration = new FilterRegistrationBean<>(
                new BodyLimit(maxBodyBytes, allowances.orderedStream().toList()));
        registration.addUrlPatterns(BodyLimit.BASE + "/*");
        registration.setName("apiBodyLimit");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /**
     * Jetty's own refusals in JSON, Tomcat's backlog of 100 pending connections rather than the
     * JDK's 50, so a burst of new clients waits instead of being refused, and no header cache
     * ({@link #HEADER_CACHE_SIZE}).
     */
    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> jetty() {
        return factory -> factory.addServerCustomizers(server -> {
            server.setErrorHandler(new ContainerErrors());
            for (Connector connector : server.getConnectors()) {
                if (connector instanceof ServerConnector serverConnector) {
                    serverConnector.setAcceptQueueSize(ACCEPT_QUEUE);
                }
                for (var connectionFactory : connector.getConnectionFactories()) {
                    if (connectionFactory instanceof org.eclipse.jetty.server.HttpConnectionFactory http) {
                        http.getHttpConfiguration().setHeaderCacheSize(HEADER_CACHE_SIZE);
                    }
                }
            }
        });
    }
}
