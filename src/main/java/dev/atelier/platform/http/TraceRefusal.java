package dev.atelier.platform.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * TRACE is refused on every path, as Tomcat did by default: the servlet's TRACE echoes the
 * request's headers, credentials included, back to whoever can read the response.
 */
final class TraceRefusal implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        if (!"TRACE".equalsIgnoreCase(req.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletResponse res = (HttpServletResponse) response;
        Surface surface = Surface.of(req.getRequestURI().substring(req.getContextPath().length()));
        byte[] body = surface.body(405, "Method 'TRACE' is not supported.");
        res.setStatus(405);
        res.setHeader("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        res.setContentType(surface.contentType());
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }
}
