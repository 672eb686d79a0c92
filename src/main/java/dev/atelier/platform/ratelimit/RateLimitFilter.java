package dev.atelier.platform.ratelimit;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.ClientAddress;
import dev.atelier.platform.http.Surface;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Applies the rules with a method and path pattern to every request, before any surface runs: a
 * request over a limit is answered 429 with {@code Retry-After} in its surface's error shape
 * (GoTrue's {@code over_request_rate_limit} on /auth/v1, PostgREST's JSON on /rest/v1, RFC 9457
 * elsewhere); every response of a limited endpoint carries {@code RateLimit} and
 * {@code RateLimit-Policy}. The caller's token is verified only when a matching rule counts by
 * user or role. When the database cannot count, the request goes on (and is logged): the limiter
 * protects the service, it must not be the reason it is down.
 */
final class RateLimitFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(RateLimitFilter.class);

    private final RateLimiter limiter;
    private final ClientAddress clients;
    private final CallerResolver callers;

    RateLimitFilter(RateLimiter limiter, ClientAddress clients, CallerResolver callers) {
        this.limiter = limiter;
        this.clients = clients;
        this.callers = callers;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String method = request.getMethod();
        String path = request.getRequestURI();
        Set<IdentifierType> needs = limiter.needs(method, path);
        if (needs.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        Decision decision;
        try {
            decision = limiter.request(method, path, identifiers(request, needs));
        } catch (SQLException | RuntimeException e) {
            log.warn("rate limit not checked ({}); request allowed", e.getMessage());
            chain.doFilter(request, response);
            return;
        }
        decision.writeHeaders(response::addHeader);
        if (!decision.allowed()) {
            Surface surface = Surface.of(path);
            response.setStatus(429);
            response.setContentType(surface.contentType());
            response.getOutputStream().write(surface.body(429, decision.message()));
            return;
        }
        chain.doFilter(request, response);
    }

    private Identifiers identifiers(HttpServletRequest request, Set<IdentifierType> needs) {
        String apikey = request.getHeader("apikey");
        String user = null;
        String role = null;
        if (needs.contains(IdentifierType.USER) || needs.contains(IdentifierType.ROLE)) {
            Caller caller = caller(request.getHeader("Authorization"), apikey);
            if (caller != null) {
                role = caller.role();
                user = caller.userId().map(Object::toString).orElse(null);
            }
        }
        String key = apikey == null || apikey.isBlank()
                ? null
                : RateLimiter.sha256(apikey.trim()).substring(0, 16);
        return new Identifiers(clients.of(request), user, role, key, null);
    }

    private @Nullable Caller caller(@Nullable String authorization, @Nullable String apikey) {
        try {
            return callers.resolve(authorization, apikey);
        } catch (RuntimeException e) {
            return null; // the surface refuses the token itself; here it counts as no one in particular
        }
    }
}
