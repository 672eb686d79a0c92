package dev.atelier.platform.storage;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.auth.InvalidTokenException;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.RequestLog;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.io.EofException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door of /storage/v1: routes every request storage-js (and tus-js-client) sends to
 * {@link Objects}, {@link Buckets} or {@link Tus}, resolves the caller from its token as the data
 * API does, and answers every error in Supabase Storage's shape. A servlet filter, like the data
 * API, so it owns the exchange: bodies are streamed, never parsed by the container.
 */
final class StorageApi implements Filter {

    static final String BASE = "/storage/v1";
    private static final Logger log = LoggerFactory.getLogger(StorageApi.class);
    /** First path segments under /object that are routes, never bucket names. */
    static final Set<String> RESERVED =
            Set.of("public", "authenticated", "sign", "info", "list", "move", "copy", "upload", "list-v2", "render");

    private final CallerResolver callers;
    private final Objects objects;
    private final Buckets buckets;
    private final Tus tus;
    private final Sweep sweep;

    StorageApi(CallerResolver callers, Objects objects, Buckets buckets, Tus tus, Sweep sweep) {
        this.callers = callers;
        this.objects = objects;
        this.buckets = buckets;
        this.tus = tus;
        this.sweep = sweep;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        String raw = req.getRequestURI().substring(req.getContextPath().length());
        if (!raw.equals(BASE) && !raw.startsWith(BASE + "/")) {
            chain.doFilter(request, response);
            return;
        }
        Cors.decorate(res);
        String method = req.getMethod().toUpperCase(java.util.Locale.ROOT);
        if (method.equals("OPTIONS")) {
            Cors.preflight(req, res);
            return;
        }
        List<String> path = segments(raw.substring(BASE.length()));
        boolean tusRequest = !path.isEmpty()
                && path.get(0).equals("upload")
                && path.size() >= 2
                && path.get(1).equals("resumable");
        try {
            route(req, res, method, path, tusRequest);
        } catch (StorageError e) {
            Http.discardBody(req);
            Http.error(res, e, tusRequest || e.status == 416, method.equals("HEAD"));
        } catch (InvalidTokenException e) {
            Http.error(
                    res,
                    new StorageError(403, "InvalidJWT", "Unauthorized", String.valueOf(e.getMessage())),
                    tusRequest,
                    method.equals("HEAD"));
        } catch (SQLException e) {
            StorageError error = Objects.fromSql(e);
            if (error.status >= 500) {
                log.error("{} {} failed in the database: {} {}", method, raw, e.getSQLState(), e.getMessage());
            }
            Http.error(res, error, tusRequest, method.equals("HEAD"));
        } catch (EofException e) {
            // the client went away mid-transfer; nothing to answer
        } catch (IOException | UncheckedIOException e) {
            if (e instanceof EofException || e.getCause() instanceof EofException) {
                return;
            }
            log.warn("{} {} failed: {}", method, raw, e.toString());
            Http.error(
                    res,
                    new StorageError(500, "InternalError", "internal", "Internal Server Error"),
                    tusRequest,
                    method.equals("HEAD"));
        } catch (RuntimeException e) {
            log.error("{} {} failed", method, raw, e);
            Http.error(
                    res,
                    new StorageError(500, "InternalError", "internal", "Internal Server Error"),
                    tusRequest,
                    method.equals("HEAD"));
        }
    }

    private void route(
            HttpServletRequest req, HttpServletResponse res, String method, List<String> p, boolean tusRequest)
            throws IOException, SQLException {
        if (p.isEmpty()) {
            throw notFound();
        }
        if (tusRequest) {
            tus.handle(req, res, method, p.subList(2, p.size()), caller(req));
            return;
        }
        switch (p.get(0)) {
            case "bucket" -> routeBucket(req, res, method, p, caller(req));
            case "object" -> routeObject(req, res, method, p);
            case "render" -> routeRender(req, res, method, p);
            case "admin" -> {
                if (p.size() == 2 && p.get(1).equals("sweep") && method.equals("POST")) {
                    Caller caller = caller(req);
                    if (!caller.role().equals("service_role")) {
                        throw new StorageError(403, "AccessDenied", "Unauthorized", "only the service role may sweep");
                    }
                    Http.json(res, 200, sweep.run("true".equals(req.getParameter("remove"))));
                } else {
                    throw notFound();
                }
            }
            default -> throw notFound();
        }
    }

    private void routeBucket(
            HttpServletRequest req, HttpServletResponse res, String method, List<String> p, Caller caller)
            throws IOException, SQLException {
        if (p.size() == 1) {
            switch (method) {
                case "GET" -> buckets.list(req, res, caller);
                case "POST" -> buckets.create(req, res, caller);
                default -> throw notAllowed();
            }
        } else if (p.size() == 2) {
            switch (method) {
                case "GET" -> buckets.get(res, caller, p.get(1));
                case "PUT" -> buckets.update(req, res, caller, p.get(1));
                case "DELETE" -> buckets.delete(res, caller, p.get(1));
                default -> throw notAllowed();
            }
        } else if (p.size() == 3 && p.get(2).equals("empty") && method.equals("POST")) {
            buckets.empty(res, caller, p.get(1));
        } else {
            throw notFound();
        }
    }

    private void routeObject(HttpServletRequest req, HttpServletResponse res, String method, List<String> p)
            throws IOException, SQLException {
        if (p.size() < 2) {
            throw notFound();
        }
        String first = p.get(1);
        boolean head = method.equals("HEAD");
        switch (first) {
            case "public" -> {
                requireMethod(method, "GET", "HEAD");
                objects.downloadPublic(req, res, bucket(p, 2), name(p, 3), head, callerOrAnon(req));
            }
            case "authenticated" -> {
                requireMethod(method, "GET", "HEAD");
                objects.download(req, res, caller(req), bucket(p, 2), name(p, 3), head);
            }
            case "info" -> {
                requireMethod(method, "GET");
                int at = p.size() > 2
                                && (p.get(2).equals("authenticated") || p.get(2).equals("public"))
                        ? 3
                        : 2;
                objects.info(res, caller(req), bucket(p, at), name(p, at + 1));
            }
            case "list" -> {
                requireMethod(method, "POST");
                objects.list(req, res, caller(req), bucket(p, 2));
            }
            case "move" -> {
                requireMethod(method, "POST");
                objects.move(req, res, caller(req));
            }
            case "copy" -> {
                requireMethod(method, "POST");
                objects.copy(req, res, caller(req));
            }
            case "sign" -> {
                if (p.size() == 3 && method.equals("POST")) {
                    objects.signMany(req, res, caller(req), bucket(p, 2));
                } else if (method.equals("POST")) {
                    objects.sign(req, res, caller(req), bucket(p, 2), name(p, 3));
                } else if (method.equals("GET") || head) {
                    objects.downloadSigned(req, res, bucket(p, 2), name(p, 3), head);
                } else {
                    throw notAllowed();
                }
            }
            case "upload" -> {
                if (p.size() < 4 || !p.get(2).equals("sign")) {
                    throw notFound();
                }
                if (method.equals("POST")) {
                    objects.signUpload(req, res, caller(req), bucket(p, 3), name(p, 4));
                } else if (method.equals("PUT")) {
                    objects.uploadSigned(req, res, bucket(p, 3), name(p, 4));
                } else {
                    throw notAllowed();
                }
            }
            default -> {
                String bucket = bucket(p, 1);
                if (p.size() == 2) {
                    requireMethod(method, "DELETE");
                    objects.remove(req, res, caller(req), bucket);
                    return;
                }
                String name = name(p, 2);
                switch (method) {
                    case "GET", "HEAD" -> objects.download(req, res, caller(req), bucket, name, head);
                    case "POST" -> objects.upload(req, res, caller(req), bucket, name, upsert(req), null);
                    case "PUT" -> objects.upload(req, res, caller(req), bucket, name, true, null);
                    case "DELETE" -> objects.removeOne(res, caller(req), bucket, name);
                    default -> throw notAllowed();
                }
            }
        }
    }

    private void routeRender(HttpServletRequest req, HttpServletResponse res, String method, List<String> p)
            throws IOException, SQLException {
        if (p.size() < 5 || !p.get(1).equals("image")) {
            throw notFound();
        }
        requireMethod(method, "GET", "HEAD");
        objects.render(req, res, p.get(2), bucket(p, 3), name(p, 4), method.equals("HEAD"), callerOrAnon(req));
    }

    static boolean upsert(HttpServletRequest req) {
        return "true".equalsIgnoreCase(req.getHeader("x-upsert"));
    }

    private Caller caller(HttpServletRequest req) {
        return RequestLog.role(req, callers.resolve(req.getHeader("Authorization"), req.getHeader("apikey")));
    }

    /** Public reads need no key; a bad one is still refused, as everywhere else. */
    private Caller callerOrAnon(HttpServletRequest req) {
        return caller(req);
    }

    private static void requireMethod(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return;
            }
        }
        throw notAllowed();
    }

    private static String bucket(List<String> p, int at) {
        if (p.size() <= at || p.get(at).isEmpty()) {
            throw StorageError.invalid("a bucket is required");
        }
        return p.get(at);
    }

    /** The object name: every segment from {@code at} on, joined by '/'. */
    private static String name(List<String> p, int at) {
        if (p.size() <= at) {
            throw StorageError.invalid("an object name is required");
        }
        return String.join("/", p.subList(at, p.size()));
    }

    /** Path segments, percent-decoded one by one (an encoded '/' stays inside its segment). */
    static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/", -1)) {
            if (s.isEmpty()) {
                continue;
            }
            try {
                parts.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw StorageError.invalid("malformed percent-encoding in the path");
            }
        }
        return parts;
    }

    private static StorageError notFound() {
        return new StorageError(404, "NotFound", "Not Found", "Route not found");
    }

    private static StorageError notAllowed() {
        return new StorageError(405, "MethodNotAllowed", "Method Not Allowed", "Method not allowed");
    }
}
