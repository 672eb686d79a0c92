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
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Stage 1, the request: everything a request asks for, parsed once, up front, in PostgREST's
 * terms: the resource (schema root, a relation or a function), the schema its profile headers
 * chose, the caller, the preferences, the query string, the range, the response media type and
 * the body. Immutable; no later stage sees the servlet request.
 *
 * <p>It is built in two steps because a GET on a function needs the catalog to tell its arguments
 * from filters: {@link #route} (path, method, profile, preferences) before the catalog snapshot is
 * chosen, {@link #of} (the rest) after. Parsing errors surface in the order they did when each verb
 * parsed its own parts.
 */
final class ApiRequest {

    enum Kind {
        ROOT,
        RELATION,
        ROUTINE
    }

    /**
     * The path, method, schema and preferences of a request: what decides which catalog entries it needs.
     *
     * @param path the path under /rest/v1 as sent (not decoded), for {@code request.path}
     */
    record Route(
            String method,
            Kind kind,
            String name,
            String schema,
            boolean profileNegotiated,
            Preferences prefs,
            boolean rollback,
            String path) {}

    final String method;
    final Kind kind;
    final String name;
    final String schema;
    /** True when the schema was negotiated by a profile header (or several are exposed): echo Content-Profile. */
    final boolean profileNegotiated;

    final Caller caller;
    /** What SQL sees of the HTTP request: request.method, request.path, request.headers, request.cookies. */
    final RequestContext context;

    final Preferences preferences;
    /** The transaction ends in a rollback (Prefer: tx=rollback, or atelier.rest.tx-end): a dry run. */
    final boolean rollback;

    final RestLimits limits;
    /** The query string: select, filters, logic, order, limit/offset, columns, on_conflict, GET /rpc arguments. */
    final QueryParams query;
    /** The response format the Accept header chose (for a plan, the format the plan is for). */
    final MediaType media;
    /** Accept asked for the execution plan of the statement (PostgREST's db-plan-enabled): what and how. */
    final MediaType.@Nullable Explain explain;
    /** The Accept header as sent (the media types offered, with their parameters), or null. */
    final @Nullable String accept;
    /** The body's Content-Type as sent, or null (taken as JSON). */
    final @Nullable String contentType;
    /** The body of a write or a POST /rpc, checked for shape; null for the others. */
    final @Nullable Payload payload;
    /** The Range header, as sent (GET and HEAD only honour it). */
    private final @Nullable String rangeHeader;
    /**
     * The top-level range, resolved up front for reads of a relation; for functions only once their
     * result is known to be a set (a scalar's answer ignores it). Computed at most once.
     */
    private @Nullable RangeSpec range;
    /** Host and scheme, which the OpenAPI document names. */
    final @Nullable String host;

    final String scheme;

    private ApiRequest(
            Route route,
            Caller caller,
            RequestContext context,
            RestLimits limits,
            QueryParams query,
            MediaType media,
            MediaType.@Nullable Explain explain,
            @Nullable String accept,
            @Nullable String contentType,
            @Nullable Payload payload,
            @Nullable String rangeHeader,
            @Nullable RangeSpec range,
            @Nullable String host,
            String scheme) {
        this.method = route.method();
        this.kind = route.kind();
        this.name = route.name();
        this.schema = route.schema();
        this.profileNegotiated = route.profileNegotiated();
        this.preferences = route.prefs();
        this.rollback = route.rollback();
        this.caller = caller;
        this.context = context;
        this.limits = limits;
        this.query = query;
        this.media = media;
        this.explain = explain;
        this.accept = accept;
        this.contentType = contentType;
        this.payload = payload;
        this.rangeHeader = rangeHeader;
        this.range = range;
        this.host = host;
        this.scheme = scheme;
    }

    /** Resolves path, profile, method and preferences, in PostgREST's order. */
    static Route route(
            HttpServletRequest http,
            String pathUnderBase,
            List<String> schemas,
            TxEnd txEnd,
            Predicate<String> knownZone) {
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
            throw ErrorCode.PGRST125.error();
        }

        String profile = http.getHeader(isWrite(method) ? "Content-Profile" : "Accept-Profile");
        String schema;
        boolean negotiated;
        if (profile != null) {
            if (!schemas.contains(profile)) {
                String exposed = String.join(", ", schemas);
                throw ErrorCode.PGRST106.error(exposed);
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
                    throw ErrorCode.PGRST117.error(method);
                }
            }
            case ROUTINE -> {
                if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST")) {
                    throw ErrorCode.PGRST101.error(method);
                }
            }
            case RELATION -> {
                if (!List.of("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE").contains(method)) {
                    throw ErrorCode.PGRST117.error(method);
                }
            }
        }
        Preferences preferences = Preferences.parse(http.getHeaders("Prefer"), txEnd.allowOverride, knownZone);
        preferences.rejectInvalidIfStrict();
        return new Route(
                method, kind, name, schema, negotiated, preferences, txEnd.rollsBack(preferences), pathUnderBase);
    }

    /**
     * Parses the rest of the request: query string, range, media type and body.
     *
     * @param argumentNames the parameter names of the function a GET /rpc calls: those query
     *                      parameters are its arguments, not filters
     */
    static ApiRequest of(
            HttpServletRequest http,
            Route route,
            Caller caller,
            Set<String> argumentNames,
            long maxBodyBytes,
            RestLimits limits,
            boolean plansEnabled) {
        String method = route.method();
        boolean read = method.equals("GET") || method.equals("HEAD");
        String rangeHeader = http.getHeader("Range");
        QueryParams query;
        RangeSpec range = null;
        Payload payload = null;
        MediaType media;
        switch (route.kind()) {
            case ROOT -> {
                query = QueryParams.EMPTY;
                media = MediaType.negotiate(http.getHeader("Accept"), true, false);
            }
            case ROUTINE -> {
                if (read) {
                    query = QueryParams.parse(http.getQueryString(), argumentNames);
                } else {
                    requireJsonBody(http);
                    query = QueryParams.parse(http.getQueryString(), Set.of());
                    payload = Payload.parseAny(body(http, maxBodyBytes));
                }
                media = MediaType.negotiate(http.getHeader("Accept"), false, plansEnabled);
            }
            case RELATION -> {
                boolean hasBody = !read && !method.equals("DELETE");
                if (hasBody) {
                    requireJsonBody(http);
                }
                query = QueryParams.parse(http.getQueryString(), Set.of());
                if (read) {
                    range = RangeSpec.of(query, rangeHeader, true);
                }
                media = MediaType.negotiate(http.getHeader("Accept"), false, plansEnabled);
                if (hasBody) {
                    // With columns= an insert's objects may lack keys; everywhere else they must agree.
                    payload = Payload.parse(body(http, maxBodyBytes), !method.equals("POST") || query.columns == null);
                }
            }
            default -> throw new IllegalStateException(route.kind().name());
        }
        MediaType.Explain explain = null;
        if (media == MediaType.PLAN) {
            explain = MediaType.Explain.of(java.util.Objects.requireNonNull(http.getHeader("Accept")));
            media = java.util.Objects.requireNonNull(explain.target());
        }
        return new ApiRequest(
                route,
                caller,
                RequestContext.of(http, method, route.path()),
                limits,
                query,
                media,
                explain,
                http.getHeader("Accept"),
                http.getContentType(),
                payload,
                rangeHeader,
                range,
                http.getHeader("Host"),
                http.getScheme());
    }

    static boolean isWrite(String method) {
        return switch (method) {
            case "POST", "PATCH", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    boolean isRead() {
        return method.equals("GET") || method.equals("HEAD");
    }

    boolean isHead() {
        return method.equals("HEAD");
    }

    /** The body parsed up front; only writes and POST /rpc have one. */
    Payload payload() {
        if (payload == null) {
            throw new IllegalStateException(method + " has no body");
        }
        return payload;
    }

    /** offset/limit intersected with the Range header: 416 when they cannot be served. */
    RangeSpec range() {
        RangeSpec r = range;
        if (r == null) {
            r = RangeSpec.of(query, rangeHeader, isRead());
            range = r;
        }
        return r;
    }

    /** A write body must be JSON (PostgREST also takes CSV and forms; this API takes JSON only). */
    private static void requireJsonBody(HttpServletRequest http) {
        String contentType = http.getContentType();
        if (contentType == null) {
            return; // PostgREST assumes application/json
        }
        String type = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !type.endsWith("+json") && !type.isEmpty()) {
            throw ErrorCode.PGRST102_CONTENT_TYPE.error(type);
        }
    }

    /** The body, at most {@code maxBodyBytes}; 413 beyond that, before reading it all when Content-Length says so. */
    private static byte[] body(HttpServletRequest http, long maxBodyBytes) {
        long declared = http.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw tooLarge(declared, maxBodyBytes);
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
                    throw tooLarge(-1, maxBodyBytes);
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw ErrorCode.PGRST102.error("Could not read the request body").withDetails(e.getMessage());
        }
    }

    private static ApiError tooLarge(long declared, long maxBodyBytes) {
        return ErrorCode.PGRST102_TOO_LARGE
                .error()
                .withDetails((declared > 0 ? "The body is " + declared + " bytes; the" : "The") + " limit is "
                        + maxBodyBytes + " bytes.");
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ErrorCode.PGRST125.error();
        }
    }
}
