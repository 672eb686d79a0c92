package dev.atelier.platform.metrics;

import dev.atelier.platform.http.Routes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code http_server_requests_seconds} by method, route and status, with histogram buckets from
 * 5 ms to 10 s. Routes are templates or id-free paths ({@link Routes}); a request nothing matched
 * (404 without a template) is {@code NOT_FOUND}, and past {@value #MAX_ROUTES} distinct routes the
 * rest count as {@code OTHER}, so no client can grow the series without bound.
 */
final class HttpMetrics implements Filter {

    static final int MAX_ROUTES = 1000;
    private static final Duration[] BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)
    };

    private final MeterRegistry registry;
    private final Set<String> routes = ConcurrentHashMap.newKeySet();

    HttpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        long started = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            HttpServletRequest req = (HttpServletRequest) request;
            int status = ((HttpServletResponse) response).getStatus();
            Timer.builder("http.server.requests")
                    .description("HTTP requests served, by method, route and status")
                    .tag("method", req.getMethod())
                    .tag("route", route(req, status))
                    .tag("status", Integer.toString(status))
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry)
                    .record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private String route(HttpServletRequest request, int status) {
        String route = Routes.of(request);
        if (status == 404 && route.equals(Routes.ofPath(request.getRequestURI()))) {
            return "NOT_FOUND";
        }
        if (routes.contains(route)) {
            return route;
        }
        if (routes.size() >= MAX_ROUTES) {
            return "OTHER";
        }
        routes.add(route);
        return route;
    }
}
