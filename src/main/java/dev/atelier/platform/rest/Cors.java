package dev.atelier.platform.rest;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * CORS for browsers calling /rest/v1 from any origin, as Supabase allows: access is decided by
 * tokens and row-level security, never by origin, and no cookies are involved.
 */
final class Cors {

    private static final String ALLOWED_HEADERS = "authorization, apikey, content-type, prefer, range, range-unit, "
            + "accept, accept-profile, content-profile, x-client-info, x-supabase-api-version";
    private static final String EXPOSED_HEADERS = "Content-Encoding, Content-Location, Content-Range, Content-Type, "
            + "Content-Profile, Date, Location, Preference-Applied, Proxy-Status, Range-Unit, Server, Transfer-Encoding, "
            + "X-Request-Id";
    static final String METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    private Cors() {}

    /** Every response: any origin may read it, including the headers clients need (Content-Range above all). */
    static void decorate(HttpServletRequest req, HttpServletResponse res) {
        res.setHeader("Access-Control-Allow-Origin", "*");
        res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    }

    /** 200 with the methods and headers a browser may use; the headers it asked for are allowed as well. */
    static void preflight(HttpServletRequest req, HttpServletResponse res) {
        Set<String> headers = new LinkedHashSet<>();
        for (String h : ALLOWED_HEADERS.split(",\\s*")) {
            headers.add(h);
        }
        String requested = req.getHeader("Access-Control-Request-Headers");
        if (requested != null) {
            for (String h : requested.split(",")) {
                String name = h.trim().toLowerCase(Locale.ROOT);
                if (name.matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
                    headers.add(name);
                }
            }
        }
        res.setStatus(200);
        res.setHeader("Access-Control-Allow-Methods", METHODS);
        res.setHeader("Access-Control-Allow-Headers", String.join(", ", headers));
        res.setHeader("Access-Control-Max-Age", "86400");
        res.setHeader("Allow", METHODS);
        res.setContentLength(0);
    }
}
