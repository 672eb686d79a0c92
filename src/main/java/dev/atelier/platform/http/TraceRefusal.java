package dev.atelier.platform.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * TRACE is refused on every path, as Tomcat did by default: the servlet's TRACE echoes the
 * request's headers, credentials included, back to whoever can read the response. OPTIONS
 * answers, which the servlet API writes with TRACE among the allowed methods, leave it out.
 */
final class TraceRefusal implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        if ("OPTIONS".equalsIgnoreCase(req.getMethod())) {
            chain.doFilter(request, new WithoutTrace(res));
            return;
        }
        if (!"TRACE".equalsIgnoreCase(req.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        Surface surface =
                Surface.of(req.getRequestURI().substring(req.getContextPath().length()));
        byte[] body = surface.body(405, "Method 'TRACE' is not supported.");
        res.setStatus(405);
        res.setHeader("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        res.setContentType(surface.contentType());
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }

    /** Drops TRACE from the Allow header. */
    private static final class WithoutTrace extends HttpServletResponseWrapper {

        WithoutTrace(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void setHeader(String name, String value) {
            super.setHeader(name, "Allow".equalsIgnoreCase(name) ? withoutTrace(value) : value);
        }

        @Override
        public void addHeader(String name, String value) {
            super.addHeader(name, "Allow".equalsIgnoreCase(name) ? withoutTrace(value) : value);
        }

        private static @Nullable String withoutTrace(@Nullable String methods) {
            if (methods == null) {
                return null;
            }
            return Arrays.stream(methods.split(","))
                    .map(String::trim)
                    .filter(method -> !method.isEmpty() && !"TRACE".equalsIgnoreCase(method))
                    .collect(Collectors.joining(", "));
        }
    }
}
