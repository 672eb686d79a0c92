package dev.atelier.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.auth.InvalidTokenException;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.settings.MaintenanceWindow;
import dev.atelier.platform.settings.SettingsService;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintenance windows (docs/adr/0016): while one is active, a write (POST, PUT, PATCH, DELETE) on
 * the data API, on {@code /api/v1}, on storage, or a sign-up or account change on
 * {@code /auth/v1}, is answered 503 with {@code Retry-After} (seconds until the window ends) and
 * the window's title and description, in the surface's error shape. Reads, sign-in, token
 * refresh and sign-out, and the POSTs that only read (data-API-free: flag evaluation, storage
 * list and sign) keep working. The service role is exempt, and so are the admins of the app the
 * request addresses ({@code <app>.is_admin()}; an admin of any app where the path names none).
 *
 * <p>Cost: for every write, a look at the in-memory window list ({@link SettingsService#blocking});
 * the database is asked only whether the caller is an admin, and only while a window refuses the
 * write, with the answer kept for a few seconds.
 */
final class MaintenanceFilter implements Filter {

    private static final Logger log = LoggerFactory.getLogger(MaintenanceFilter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    /** POSTs under /api/v1 that only read. */
    private static final Set<String> READING_POSTS = Set.of("/api/v1/rotation/flags/evaluate");

    private static final long DISCARD_LIMIT = 16L * 1024 * 1024;

    /** What a request is, for the windows: its service tags and the apps whose admins are exempt. */
    record Target(Set<String> tags, List<String> apps) {}

    private final SettingsService settings;
    private final CallerResolver callers;
    private final Database database;
    private final List<String> schemas;
    private final Cache<String, Boolean> admins = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(5))
            .maximumSize(10_000)
            .build();
    private volatile @Nullable List<String> appsWithAdmins;

    MaintenanceFilter(SettingsService settings, CallerResolver callers, Database database, List<String> schemas) {
        this.settings = settings;
        this.callers = callers;
        this.database = database;
        this.schemas = List.copyOf(schemas);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        String method = req.getMethod().toUpperCase(Locale.ROOT);
        if (!WRITES.contains(method)) {
            chain.doFilter(request, response);
            return;
        }
        String path = req.getRequestURI().substring(req.getContextPath().length());
        Target target = target(method, path, req);
        MaintenanceWindow window = target == null ? null : settings.blocking(target.tags());
        if (window == null || target == null || exempt(req, target)) {
            chain.doFilter(request, response);
            return;
        }
        refuse(req, res, path, window);
    }

    /** The request's tags and apps, or null when it is not a write the windows hold. */
    @Nullable
    Target target(String method, String path, HttpServletRequest req) {
        List<String> p = segments(path);
        if (p.size() < 2) {
            return null;
        }
        String base = "/" + p.get(0) + "/" + p.get(1);
        List<String> rest = p.subList(2, p.size());
        Set<String> tags = new LinkedHashSet<>();
        switch (base) {
            case "/rest/v1" -> {
                String profile = req.getHeader("Content-Profile");
                String schema = profile != null ? profile : schemas.isEmpty() ? "" : schemas.get(0);
                tags.add("rest");
                tags.add(schema);
                if (!rest.isEmpty()) {
                    tags.add(schema + "." + String.join(".", rest));
                }
                return new Target(tags, List.of(schema));
            }
            case "/api/v1" -> {
                if (READING_POSTS.contains(path) || rest.isEmpty()) {
                    return null;
                }
                tags.add("api");
                tags.add(rest.get(0));
                if (rest.size() > 1) {
                    tags.add(rest.get(0) + "/" + rest.get(1));
                }
                return new Target(tags, List.of(rest.get(0)));
            }
            case "/storage/v1" -> {
                if (rest.size() >= 2
                        && rest.get(0).equals("object")
                        && (rest.get(1).equals("list") || rest.get(1).equals("sign"))) {
                    return null; // listing and signing read
                }
                tags.add("storage");
                String bucket = null;
                if (rest.size() >= 2 && rest.get(0).equals("object")) {
                    String first = rest.get(1);
                    if (first.equals("upload") && rest.size() >= 4) {
                        bucket = rest.get(3);
                    } else if (!Set.of("move", "copy", "public", "authenticated", "info", "upload")
                            .contains(first)) {
                        bucket = first;
                    }
                } else if (rest.size() >= 2 && rest.get(0).equals("bucket")) {
                    bucket = rest.get(1);
                }
                if (bucket != null) {
                    tags.add("storage:" + bucket);
                }
                return new Target(tags, List.of());
            }
            case "/auth/v1" -> {
                if (!(rest.equals(List.of("signup")) || rest.equals(List.of("user")))) {
                    return null; // sign-in, refresh, sign-out keep working
                }
                tags.add("auth");
                return new Target(tags, List.of("auth"));
            }
            default -> {
                return null;
            }
        }
    }

    private boolean exempt(HttpServletRequest req, Target target) {
        Caller caller;
        try {
            caller = callers.resolve(req.getHeader("Authorization"), req.getHeader("apikey"));
        } catch (InvalidTokenException e) {
            return true; // the surface refuses the token itself, with its own 401
        }
        if (caller.role().equals("service_role")) {
            return true;
        }
        if (!caller.role().equals("authenticated")
                || caller.subject() == null
                || target.apps().contains("auth")) {
            return false;
        }
        List<String> apps = adminApps(target.apps());
        if (apps.isEmpty()) {
            return false;
        }
        String key = caller.subject() + "|" + String.join(",", apps);
        Boolean cached = admins.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        boolean admin = isAdmin(caller, apps);
        admins.put(key, admin);
        return admin;
    }

    /** The apps to ask: the one addressed when it has admins, else every app that has. */
    private List<String> adminApps(List<String> addressed) {
        List<String> all = appsWithAdmins;
        if (all == null) {
            all = loadAppsWithAdmins();
        }
        List<String> asked = new ArrayList<>();
        for (String app : addressed) {
            if (all.contains(app)) {
                asked.add(app);
            }
        }
        return asked.isEmpty() ? all : asked;
    }

    private List<String> loadAppsWithAdmins() {
        try {
            List<String> found = database.transaction(Caller.serviceRole(), true, tx -> {
                List<String> out = new ArrayList<>();
                try (PreparedStatement s = tx.connection()
                        .prepareStatement("select n.nspname from pg_catalog.pg_proc p"
                                + " join pg_catalog.pg_namespace n on n.oid = p.pronamespace"
                                + " where p.proname = 'is_admin' and p.pronargs = 0 and n.nspname = any(?)"
                                + " order by n.nspname")) {
                    s.setArray(1, tx.connection().createArrayOf("text", schemas.toArray()));
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            if (IDENTIFIER.matcher(rs.getString(1)).matches()) {
                                out.add(rs.getString(1));
                            }
                        }
                    }
                }
                return List.copyOf(out);
            });
            appsWithAdmins = found;
            return found;
        } catch (SQLException | RuntimeException e) {
            log.warn("cannot list the apps' is_admin() functions: {}", e.getMessage());
            return List.of();
        }
    }

    private boolean isAdmin(Caller caller, List<String> apps) {
        StringBuilder sql = new StringBuilder("select ");
        for (int i = 0; i < apps.size(); i++) {
            sql.append(i == 0 ? "" : " or ").append('"').append(apps.get(i)).append("\".is_admin()");
        }
        try {
            return database.transaction(caller, true, tx -> {
                try (PreparedStatement s = tx.connection().prepareStatement(sql.toString());
                        ResultSet rs = s.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            });
        } catch (SQLException | RuntimeException e) {
            log.debug("admin check failed ({}); not exempt", e.getMessage());
            return false;
        }
    }

    private void refuse(HttpServletRequest req, HttpServletResponse res, String path, MaintenanceWindow w)
            throws IOException {
        Instant now = settings.now();
        String message = w.title()
                + (w.description() == null || w.description().isBlank() ? "" : ": " + w.description())
                + " (maintenance until " + w.endsAt() + "; writes are refused until then, reads work)";
        byte[] body;
        String contentType;
        if (path.startsWith("/storage/v1/")) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("statusCode", "503");
            b.put("code", "ServiceUnavailable");
            b.put("error", "Service Unavailable");
            b.put("message", message);
            body = JSON.writeValueAsBytes(b);
            contentType = "application/json; charset=utf-8";
        } else {
            Surface surface = Surface.of(path);
            body = surface.body(503, message);
            contentType = surface.contentType();
        }
        if (!UnreadBody.discard(req, DISCARD_LIMIT)) {
            res.setHeader("Connection", "close");
        }
        res.setStatus(503);
        res.setHeader("Retry-After", Long.toString(w.retryAfterSeconds(now)));
        if (req.getHeader("Origin") != null) {
            res.setHeader("Access-Control-Allow-Origin", "*");
            res.setHeader("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
        }
        res.setContentType(contentType);
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
