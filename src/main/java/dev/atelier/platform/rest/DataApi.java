package dev.atelier.platform.rest;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.auth.InvalidTokenException;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.RequestLog;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Data API's front door for everything under /rest/v1. It is a servlet filter rather than an
 * MVC controller so that it owns the whole exchange: every method (including OPTIONS preflights
 * and methods MVC would answer itself), the body (read with a size cap) and every error, which is
 * always PostgREST's JSON. A client's mistake is a 4xx; only a server fault is a 5xx, and is logged.
 */
public final class DataApi implements Filter {

    static final String BASE = "/rest/v1";
    private static final Logger log = LoggerFactory.getLogger(DataApi.class);

    private final SchemaCache cache;
    private final CallerResolver callers;
    private final long maxBodyBytes;
    private final RestLimits limits;
    private final TxEnd txEnd;
    private final boolean plansEnabled;
    private final Executor executor;
    /** pg_timezone_names, read once when a request first asks for a time zone. */
    private volatile @Nullable Set<String> timezones;

    private final RelationHandler relations;
    private final RpcHandler routines;
    private final OpenApi openApi;

    /**
     * @param preRequest PostgREST's db-pre-request: a function ({@code schema.name}) called in each
     *                   request's transaction before its statement, or null for none
     */
    DataApi(
            SchemaCache cache,
            Database database,
            CallerResolver callers,
            long maxBodyBytes,
            RestLimits limits,
            TxEnd txEnd,
            boolean plansEnabled,
            @Nullable String preRequest) {
        this.cache = cache;
        this.callers = callers;
        this.maxBodyBytes = maxBodyBytes;
        this.limits = limits;
        this.txEnd = txEnd;
        this.executor = new Executor(database, preRequest);
        this.plansEnabled = plansEnabled;
        this.relations = new RelationHandler(executor);
        this.routines = new RpcHandler(executor);
        this.openApi = new OpenApi(executor);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        String path = req.getRequestURI().substring(req.getContextPath().length());
        if (!path.equals(BASE) && !path.startsWith(BASE + "/")) {
            chain.doFilter(request, response);
            return;
        }
        Cors.decorate(req, res);
        if ("OPTIONS".equalsIgnoreCase(req.getMethod())) {
            // Preflights and plain OPTIONS alike: which methods and headers this API takes.
            Cors.preflight(req, res);
            return;
        }
        Reply reply;
        boolean anonymous = true;
        try {
            Caller caller = RequestLog.role(req, resolve(req));
            anonymous = "anon".equals(caller.role());
            // Stage 1: the request, parsed once (a GET /rpc needs the catalog to tell arguments from filters).
            ApiRequest.Route route = ApiRequest.route(
                    req, path.substring(BASE.length()), cache.schemas(), txEnd, knownZones(req, caller));
            Catalog catalog = cache.current();
            ColumnGrants grants = null;
            Set<String> argumentNames = Set.of();
            switch (route.kind()) {
                case RELATION -> catalog = knownOrReloaded(catalog, c -> c.table(route.schema(), route.name()) != null);
                case ROUTINE -> {
                    catalog = knownOrReloaded(
                            catalog,
                            c -> !c.routines(route.schema(), route.name()).isEmpty());
                    if (route.method().equals("GET") || route.method().equals("HEAD")) {
                        argumentNames = CallPlanner.argumentNames(catalog, route.schema(), route.name());
                    }
                }
                case ROOT -> {}
            }
            if (route.kind() != ApiRequest.Kind.ROOT) {
                grants = cache.grantsOf(catalog, caller.role());
            }
            ApiRequest api = ApiRequest.of(req, route, caller, argumentNames, maxBodyBytes, limits, plansEnabled);
            // Stages 2 to 4: plan, render, execute and respond.
            reply = switch (api.kind) {
                case ROOT -> openApi.handle(api, catalog);
                case RELATION -> relations.handle(api, catalog, grants);
                case ROUTINE -> routines.handle(api, catalog, grants);
            };
        } catch (ApiError e) {
            if (e.status >= 500 && e.status != 503) {
                log.warn("{} {} answered {} {}: {}", req.getMethod(), path, e.status, e.code, e.getMessage());
            }
            reply = Responses.error(e);
        } catch (SQLException e) {
            ApiError error = PgErrors.from(e, anonymous);
            if ("57014".equals(e.getSQLState())) {
                // The caller's query ran past its role's statement timeout: its cost, not a fault here.
                log.warn("{} {} cancelled by the statement timeout", req.getMethod(), path);
            } else if (error.status >= 500 && error.status != 503) {
                log.error(
                        "{} {} failed in the database: {} {}",
                        req.getMethod(),
                        path,
                        e.getSQLState(),
                        e.getMessage(),
                        e);
            }
            reply = Responses.error(error);
        } catch (RuntimeException | StackOverflowError e) {
            log.error("{} {} failed", req.getMethod(), path, e);
            reply = Responses.error(ErrorCode.PGRSTX00.error());
        }
        finishReadingBody(req, res);
        reply.write(res, "HEAD".equalsIgnoreCase(req.getMethod()));
    }

    /**
     * Jetty keeps a connection for the next request only when this one's body was read to the end.
     * A request refused before its body mattered left it unread, and Jetty then closed the
     * connection after the response had gone out without a {@code Connection: close}: a client
     * reusing it met EOF (the JDK's client does not retry a POST). So what is left is read, up to
     * the body cap, or the response says it closes the connection.
     */
    private void finishReadingBody(HttpServletRequest req, HttpServletResponse res) {
        long length = req.getContentLengthLong();
        if (length == 0 || (length < 0 && req.getHeader("Transfer-Encoding") == null)) {
            return; // no body (a GET's usual case): nothing to read
        }
        try {
            InputStream in = req.getInputStream();
            byte[] discard = new byte[8192];
            long left = maxBodyBytes;
            int n;
            while (left > 0 && (n = in.read(discard, 0, (int) Math.min(discard.length, left))) > 0) {
                left -= n;
            }
            if (left <= 0 && in.read() >= 0) {
                res.setHeader("Connection", "close");
            }
        } catch (IOException | IllegalStateException e) {
            res.setHeader("Connection", "close");
        }
    }

    /** Which time zone names PostgreSQL knows; read (as the caller) only once a request names one. */
    private java.util.function.Predicate<String> knownZones(HttpServletRequest req, Caller caller) throws SQLException {
        Set<String> known = timezones;
        if (known == null) {
            var prefer = req.getHeaders("Prefer");
            boolean asks = false;
            while (prefer != null && prefer.hasMoreElements()) {
                asks |= prefer.nextElement().toLowerCase(java.util.Locale.ROOT).contains("timezone=");
            }
            if (!asks) {
                return zone -> false;
            }
            known = executor.timezones(caller);
            timezones = known;
        }
        return known::contains;
    }

    private Catalog knownOrReloaded(Catalog catalog, java.util.function.Predicate<Catalog> knows) {
        return knows.test(catalog) ? catalog : cache.afterMiss(catalog);
    }

    private Caller resolve(HttpServletRequest req) {
        try {
            return callers.resolve(req.getHeader("Authorization"), req.getHeader("apikey"));
        } catch (InvalidTokenException e) {
            String description = String.valueOf(e.getMessage()).replace("\"", "'");
            throw ApiError.forwarded(401, e.code(), e.getMessage(), null, null)
                    .withHeader(
                            "WWW-Authenticate",
                            "Bearer error=\"invalid_token\", error_description=\"" + description + "\"");
        }
    }
}
