package dev.atelier.platform.rest;

import dev.atelier.platform.db.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a request asks for, in PostgREST's terms: the resource (schema root, a relation or a
 * function), the schema its profile headers chose, the caller, the preferences and the response
 * media type. The body is read on demand, capped at the configured size.
 */
final class ApiRequest {

    enum Kind {
        ROOT,
        RELATION,
        ROUTINE
    }

    final HttpServletRequest http;
    final String method;
    final Kind kind;
    final String name;
    final String schema;
    /** True when the schema was negotiated by a profile header (or several are exposed): echo Content-Profile. */
    final boolean profileNegotiated;

    final Caller caller;
    final Preferences preferences;
    final RestLimits limits;
    /** The columns the caller's role may read, set once the catalog snapshot is chosen; null for the root. */
    @Nullable
    ColumnGrants grants;

    private final long maxBodyBytes;

    private ApiRequest(
            HttpServletRequest http,
            String method,
            Kind kind,
            String name,
            String schema,
            boolean profileNegotiated,
            Caller caller,
            Preferences preferences,
            long maxBodyBytes,
            RestLimits limits) {
        this.http = http;
        this.method = method;
        this.kind = kind;
        this.name = name;
        this.schema = schema;
        this.profileNegotiated = profileNegotiated;
        this.caller = caller;
        this.preferences = preferences;
        this.maxBodyBytes = maxBodyBytes;
        this.limits = limits;
    }

    /** Resolves path, profile and method, in PostgREST's order; the caller was resolved before. */
    static ApiRequest of(
            HttpServletRequest http,
            String pathUnderBase,
            List<String> schemas,
            Caller caller,
            long maxBodyBytes,
            RestLimits limits) {
        String method = http.getMethod().toUpperCase(Locale.ROOT);
        String path = pathUnderBase.startsWith("/") ? pathUnderBase.substring(1) : pathUnderBase;
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String[] segments = path.isEmpty() ? new String[0] : path.split("/", -1);
        Kind kind;
        String name;
        if (segments.length == 0) {
            kind = Kind.ROOT;
            name = ""; // the root (the OpenAPI document) names no relation
        } else if (segments.length == 1 && !segments[0].isEmpty()) {
            kind = Kind.RELATION;
            name = decode(segments[0]);
        } else if (segments.length == 2 && segments[0].equals("rpc") && !segments[1].isEmpty()) {
            kind = Kind.ROUTINE;
            name = decode(segments[1]);
        } else {
            throw new ApiError(404, "PGRST125", "Invalid path specified in request URL", null, null);
        }

        boolean write = switch (method) {
            case "POST", "PATCH", "PUT", "DELETE" -> true;
            default -> false;
        };
        String profile = http.getHeader(write ? "Content-Profile" : "Accept-Profile");
        String schema;
        boolean negotiated;
        if (profile != null) {
            if (!schemas.contains(profile)) {
                throw new ApiError(
                        406,
                        "PGRST106",
                        "The schema must be one of the following: " + String.join(", ", schemas),
                        null,
                        "Only the following schemas are exposed: " + String.join(", ", schemas));
            }
            schema = profile;
            negotiated = true;
        } else {
            schema = schemas.get(0);
            negotiated = schemas.size() > 1;
        }

        switch (kind) {
            case ROOT -> {
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    throw ApiError.unsupportedMethod(method);
                }
            }
            case ROUTINE -> {
                if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST")) {
                    throw new ApiError(405, "PGRST101", "Cannot use the " + method + " method on RPC", null, null);
                }
            }
            case RELATION -> {
                if (!List.of("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE").contains(method)) {
                    throw ApiError.unsupportedMethod(method);
                }
            }
        }
        Preferences preferences = Preferences.parse(http.getHeaders("Prefer"));
        preferences.rejectInvalidIfStrict();
        return new ApiRequest(http, method, kind, name, schema, negotiated, caller, preferences, maxBodyBytes, limits);
    }

    /** A planner for this request: its limits, and {@code *} as the columns its role may read. */
    ReadPlanner planner(Catalog catalog) {
        return new ReadPlanner(catalog, schema, limits, grants);
    }

    boolean isRead() {
        return method.equals("GET") || method.equals("HEAD");
    }

    boolean isHead() {
        return method.equals("HEAD");
    }

    String query() {
        return http.getQueryString();
    }

    MediaType mediaType() {
        return MediaType.negotiate(http.getHeader("Accept"), kind == Kind.ROOT);
    }

    /** A write body must be JSON (PostgREST also takes CSV and forms; this API takes JSON only). */
    void requireJsonBody() {
        String contentType = http.getContentType();
        if (contentType == null) {
            return; // PostgREST assumes application/json
        }
        String type = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !type.endsWith("+json") && !type.isEmpty()) {
            throw new ApiError(
                    415,
                    "PGRST107",
                    "Content-Type not acceptable: " + type,
                    null,
                    "Send the body as application/json.");
        }
    }

    /** The body, at most {@code maxBodyBytes}; 413 beyond that, before reading it all when Content-Length says so. */
    byte[] body() {
        long declared = http.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw tooLarge(declared);
        }
        try (InputStream in = http.getInputStream()) {
            ByteArrayOutputStream out =
                    new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), maxBodyBytes));
            byte[] buffer = new byte[8192];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > maxBodyBytes) {
                    throw tooLarge(-1);
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new ApiError(400, "PGRST102", "Could not read the request body", e.getMessage(), null);
        }
    }

    private ApiError tooLarge(long declared) {
        return new ApiError(
                413,
                "PGRST102",
                "Request body too large",
                (declared > 0 ? "The body is " + declared + " bytes; the" : "The") + " limit is " + maxBodyBytes
                        + " bytes.",
                null);
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(404, "PGRST125", "Invalid path specified in request URL", null, null);
        }
    }
}
