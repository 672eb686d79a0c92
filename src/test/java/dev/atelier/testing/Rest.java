package dev.atelier.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Raw HTTP against /rest/v1 of the test server, with the headers supabase-js would send (profile via {@link #with});
 * a path that starts with /api/v1/ goes to the domain endpoints instead.
 */
public final class Rest {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final TestServer server = TestServer.get();
    private final String token;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Rest(String token) {
        this.token = token;
    }

    public static Rest anon() {
        return new Rest(null);
    }

    public static Rest service() {
        return new Rest(TestServer.get().serviceKey());
    }

    public static Rest as(String accessToken) {
        return new Rest(accessToken);
    }

    /** A copy of this client that also sends {@code name: value}; Prefer values accumulate, others replace. */
    public Rest with(String name, String value) {
        Rest copy = new Rest(token);
        copy.headers.putAll(headers);
        copy.headers.merge(name, value, (old, added) -> name.equalsIgnoreCase("Prefer") ? old + ", " + added : added);
        return copy;
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response head(String path) {
        return send("HEAD", path, null);
    }

    public Response post(String path, String body) {
        return send("POST", path, body);
    }

    public Response patch(String path, String body) {
        return send("PATCH", path, body);
    }

    public Response put(String path, String body) {
        return send("PUT", path, body);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    public Response send(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl()
                        + (path.startsWith("/api/v1/") || path.startsWith("/auth/v1/") ? "" : "/rest/v1")
                        + escape(path)))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        b.header("apikey", server.anonKey());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null && !headers.containsKey("Content-Type")) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = server.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Percent-encodes what a URI may not contain ({@code {}[]^|"<>} and the like) and leaves the rest,
     * including existing escapes, as written: tests write query strings as PostgREST documents them.
     */
    public static String escape(String pathAndQuery) {
        StringBuilder out = new StringBuilder();
        for (byte b : pathAndQuery.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean allowed = c > 32 && c < 127 && "{}[]^|\"<>`\\ ".indexOf(c) < 0;
            out.append(allowed ? String.valueOf((char) c) : String.format("%%%02X", c));
        }
        return out.toString();
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Response(HttpResponse<String> raw) {
        public int status() {
            return raw.statusCode();
        }

        public String body() {
            return raw.body();
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public JsonNode json() {
            if (raw.body() == null || raw.body().isEmpty()) {
                throw new AssertionError("expected a JSON body: " + this);
            }
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + raw.statusCode() + "): " + raw.body(), e);
            }
        }

        @Override
        public String toString() {
            return raw.statusCode() + " " + raw.headers().map() + " " + raw.body();
        }
    }
}
