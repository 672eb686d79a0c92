package dev.atelier.platform.rest;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What SQL sees of the HTTP request, as PostgREST publishes it: {@code request.method},
 * {@code request.path} (under /rest/v1, as PostgREST behind Supabase's gateway sees it),
 * {@code request.headers} (a JSON object, names lower-cased, the Cookie header left out) and
 * {@code request.cookies} (a JSON object of the Cookie header's pairs). Made transaction-local in
 * the statement that switches to the caller's role (see {@link Executor}).
 *
 * <p>The copy is bounded by the HTTP server's header limit (server.max-http-request-header-size,
 * 16 KB); JSON escaping at most doubles that. {@link #MAX_JSON_CHARS} bounds it again for a server
 * configured with a larger limit: beyond it the request is refused (431) rather than copied.
 */
record RequestContext(String method, String path, String headersJson, String cookiesJson) {

    /** The most characters the headers and cookies JSON may take together. */
    static final int MAX_JSON_CHARS = 64 * 1024;

    /** Setting names, in the order they are made. */
    static final String METHOD = "request.method";

    static final String PATH = "request.path";
    static final String HEADERS = "request.headers";
    static final String COOKIES = "request.cookies";

    static RequestContext of(HttpServletRequest http, String method, String pathUnderBase) {
        Map<String, String> headers = new LinkedHashMap<>();
        String cookie = null;
        Enumeration<String> names = http.getHeaderNames();
        while (names != null && names.hasMoreElements()) {
            String name = names.nextElement();
            String lower = name.toLowerCase(Locale.ROOT);
            String value = last(http.getHeaders(name));
            if (value == null) {
                continue;
            }
            if (lower.equals("cookie")) {
                // PostgREST reads the first Cookie header into request.cookies, not request.headers.
                if (cookie == null) {
                    cookie = http.getHeader(name);
                }
                continue;
            }
            headers.put(lower, value); // a header sent twice: the last one, as PostgREST
        }
        String headersJson = json(headers);
        String cookiesJson = cookie == null ? "{}" : json(cookies(cookie));
        int size = headersJson.length() + cookiesJson.length();
        if (size > MAX_JSON_CHARS) {
            throw ErrorCode.PGRSTX02.error(size, MAX_JSON_CHARS);
        }
        String path = pathUnderBase.isEmpty() ? "/" : pathUnderBase;
        return new RequestContext(method, path, headersJson, cookiesJson);
    }

    /** The settings for {@code Database.transaction}, in PostgREST's order. */
    Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>(8);
        settings.put(METHOD, method);
        settings.put(PATH, path);
        settings.put(HEADERS, headersJson);
        settings.put(COOKIES, cookiesJson);
        return settings;
    }

    /**
     * {@code a=1; b=2} as {@code {"a":"1","b":"2"}}: split at semicolons, leading spaces dropped,
     * each pair split at its first {@code =} (a bare name has an empty value); values as sent, not
     * decoded; the last of a name wins.
     */
    static Map<String, String> cookies(String header) {
        Map<String, String> cookies = new LinkedHashMap<>();
        for (String part : header.split(";")) {
            String pair = part.stripLeading();
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            cookies.put(name, value);
        }
        return cookies;
    }

    private static @Nullable String last(@Nullable Enumeration<String> values) {
        String last = null;
        while (values != null && values.hasMoreElements()) {
            last = values.nextElement();
        }
        return last;
    }

    /** A flat object of strings (a JSON generator per request cost more than the escaping). */
    private static String json(Map<String, String> entries) {
        JsonStringEncoder encoder = JsonStringEncoder.getInstance();
        int size = 2;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            size += e.getKey().length() + e.getValue().length() + 6;
        }
        StringBuilder out = new StringBuilder(size + 16).append('{'); // grown only by escapes
        for (Map.Entry<String, String> e : entries.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append('"');
            encoder.quoteAsString(e.getKey(), out);
            out.append("\":\"");
            encoder.quoteAsString(e.getValue(), out);
            out.append('"');
        }
        return out.append('}').toString();
    }
}
