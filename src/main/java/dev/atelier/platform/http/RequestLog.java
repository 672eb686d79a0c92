package dev.atelier.platform.http;

import dev.atelier.platform.db.Caller;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * One INFO line per request on the {@code atelier.request} logger: method, path, status, duration,
 * the role the request ran as and its id. Never the query string (filters may carry tokens and
 * personal data), never headers or bodies. The request id is the client's {@code X-Request-Id}
 * when it is a sane one, else a new one; it is returned on every response and is in the logging
 * MDC ({@value #MDC_KEY}) while the request runs, so every line logged for it can be found.
 *
 * <p>The role is whatever the surface that verified the caller recorded through
 * {@link #role(ServletRequest, Caller)} or {@link #role(Caller)}; {@code -} when none did.
 */
public final class RequestLog implements Filter {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    /** Request attribute holding the verified role that ran the request. */
    public static final String ROLE_ATTRIBUTE = "dev.atelier.request.role";

    static final String ID_ATTRIBUTE = "dev.atelier.request.id";

    private static final Logger log = LoggerFactory.getLogger("atelier.request");
    /** Ids from proxies and clients (UUIDs, hex, trace ids) fit; anything that could forge a log line does not. */
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:+=/-]{1,128}");

    private static final int MAX_LOGGED_PATH = 256;

    /** Records the role of the verified caller of this request, for its log line; returns the caller. */
    public static Caller role(ServletRequest request, Caller caller) {
        request.setAttribute(ROLE_ATTRIBUTE, caller.role());
        return caller;
    }

    /** As {@link #role(ServletRequest, Caller)}, for code running inside Spring MVC (controllers). */
    public static Caller role(Caller caller) {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (attributes != null) {
            attributes.setAttribute(ROLE_ATTRIBUTE, caller.role(), RequestAttributes.SCOPE_REQUEST);
        }
        return caller;
    }

    /** The request id a client sent, if it is safe to echo and log; otherwise a new one. */
    static String idFor(@Nullable String offered) {
        return offered != null && SANE_ID.matcher(offered).matches()
                ? offered
                : UUID.randomUUID().toString();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        long start = System.nanoTime();
        String id = idFor(req.getHeader(HEADER));
        req.setAttribute(ID_ATTRIBUTE, id);
        res.setHeader(HEADER, id);
        MDC.put(MDC_KEY, id);
        int status = 500; // what the container answers when the chain throws
        try {
            chain.doFilter(request, response);
            status = res.getStatus();
        } finally {
            MDC.remove(MDC_KEY);
            if (log.isInfoEnabled()) {
                Object role = req.getAttribute(ROLE_ATTRIBUTE);
                log.info(line(
                        req.getMethod(),
                        req.getRequestURI(),
                        status,
                        (System.nanoTime() - start) / 1_000_000,
                        role == null ? "-" : role.toString(),
                        id));
            }
        }
    }

    /** The log line; {@code path} is the raw request path (still percent-encoded, so one line), never the query. */
    static String line(String method, @Nullable String path, int status, long millis, String role, String id) {
        String shown = path == null
                ? "-"
                : path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) + "..." : path;
        return method + " " + shown + " " + status + " " + millis + "ms role=" + role + " id=" + id;
    }

    static void logRejected(String method, @Nullable String path, int status, long millis, String id) {
        if (log.isInfoEnabled()) {
            log.info(line(method, path, status, millis, "-", id));
        }
    }
}
