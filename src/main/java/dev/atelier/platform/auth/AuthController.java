package dev.atelier.platform.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.ClientAddress;
import dev.atelier.platform.http.RequestLog;
import dev.atelier.platform.ratelimit.Decision;
import dev.atelier.platform.ratelimit.IdentifierType;
import dev.atelier.platform.ratelimit.Identifiers;
import dev.atelier.platform.ratelimit.RateLimiter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** GoTrue's endpoints as {@code @supabase/supabase-js}'s auth client calls them, with GoTrue's error shape. */
@RestController
@RequestMapping(path = "/auth/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class AuthController {

    private static final Logger log = LoggerFactory.getLogger(AuthController.class);
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final AuthService auth;
    private final AdminUsers admin;
    private final CallerResolver callers;
    private final ObjectMapper json;
    private final RateLimiter limits;
    private final ClientAddress clients;

    AuthController(
            AuthService auth,
            AdminUsers admin,
            CallerResolver callers,
            ObjectMapper json,
            RateLimiter limits,
            ClientAddress clients) {
        this.auth = auth;
        this.admin = admin;
        this.callers = callers;
        this.json = json;
        this.limits = limits;
        this.clients = clients;
    }

    @PostMapping("/signup")
    Map<String, Object> signUp(HttpServletRequest body, HttpServletResponse response) throws SQLException {
        JsonNode request = parse(body);
        String email = text(request, "email");
        String phone = text(request, "phone");
        String address = clients.of(body);
        if ((email == null || email.isEmpty()) && (phone == null || phone.isEmpty())) {
            // GoTrue: a sign-up with neither e-mail nor phone is signInAnonymously().
            limit(AuthLimits.ANONYMOUS, Identifiers.of(address, null), response);
            return auth.signInAnonymously(object(request, "data"));
        }
        limit(AuthLimits.SIGN_UP, Identifiers.of(address, email), response);
        return auth.signUp(email, text(request, "password"), object(request, "data"));
    }

    @PostMapping("/token")
    Map<String, Object> token(
            @RequestParam(name = "grant_type", required = false) String grantType,
            HttpServletRequest body,
            HttpServletResponse response)
            throws SQLException {
        JsonNode request = parse(body);
        if ("password".equals(grantType)) {
            String email = text(request, "email");
            Identifiers who = Identifiers.of(clients.of(body), email);
            limit(AuthLimits.PASSWORD, who, response);
            Map<String, Object> session = auth.signInWithPassword(email, text(request, "password"));
            // The right password forgives the wrong ones typed before it from this address.
            try {
                limits.forgive(AuthLimits.PASSWORD, IdentifierType.IP_EMAIL, who);
            } catch (SQLException e) {
                log.warn("sign-in succeeded, its wrong attempts not forgiven ({})", e.getMessage());
            }
            return session;
        }
        if ("refresh_token".equals(grantType)) {
            limit(AuthLimits.REFRESH, Identifiers.of(clients.of(body), null), response);
            return auth.refresh(text(request, "refresh_token"));
        }
        throw AuthError.badRequest(
                "validation_failed", "unsupported_grant_type: grant_type must be password or refresh_token");
    }

    @GetMapping("/user")
    Map<String, Object> user(@RequestHeader(name = "Authorization", required = false) String authorization)
            throws SQLException {
        return auth.user(userCaller(authorization));
    }

    @PutMapping("/user")
    Map<String, Object> updateUser(
            @RequestHeader(name = "Authorization", required = false) String authorization, HttpServletRequest body)
            throws SQLException {
        JsonNode request = parse(body);
        return auth.updateUser(
                userCaller(authorization), text(request, "email"), text(request, "password"), object(request, "data"));
    }

    @PostMapping("/logout")
    ResponseEntity<Void> logout(
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @RequestParam(name = "scope", required = false) String scope)
            throws SQLException {
        auth.logout(userCaller(authorization), scope);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/settings")
    Map<String, Object> settings() {
        return Map.of(
                "external", Map.of("email", true, "phone", false, "anonymous_users", auth.anonymousUsers()),
                "disable_signup", false,
                "mailer_autoconfirm", true,
                "phone_autoconfirm", false,
                "sms_provider", "");
    }

    @GetMapping("/health")
    Map<String, Object> health() {
        return Map.of("name", "GoTrue", "version", "atelier", "description", "Atelier's GoTrue-compatible auth");
    }

    // ---- GoTrue's admin API (supabase.auth.admin.*): the service role only ----

    @PostMapping("/admin/users")
    Map<String, Object> adminCreate(
            @RequestHeader(name = "Authorization", required = false) String authorization, HttpServletRequest body)
            throws SQLException {
        return admin.create(attributes(adminRequest(authorization, body)));
    }

    /**
     * GoTrue's list: {@code {"users": [...], "aud": ...}}, the total in {@code X-Total-Count} and the
     * next and last pages in {@code Link}, which supabase-js turns into nextPage, lastPage and total.
     */
    @GetMapping("/admin/users")
    ResponseEntity<Map<String, Object>> adminList(
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @RequestParam(name = "page", required = false) String page,
            @RequestParam(name = "per_page", required = false) String perPage) {
        AdminUsers.requireServiceRole(userCaller(authorization));
        int pageNumber = number("page", page, 1);
        int size = number("per_page", perPage, 50);
        AdminUsers.Page result;
        try {
            result = admin.list(pageNumber, size);
        } catch (SQLException e) {
            throw new AuthError(500, "unexpected_failure", "Internal server error");
        }
        int lastPage = Math.max(1, (result.total() + size - 1) / size);
        List<String> links = new ArrayList<>();
        if (pageNumber < lastPage) {
            links.add("</auth/v1/admin/users?page=" + (pageNumber + 1) + "&per_page=" + size + ">; rel=\"next\"");
        }
        links.add("</auth/v1/admin/users?page=" + lastPage + "&per_page=" + size + ">; rel=\"last\"");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("users", result.users());
        body.put("aud", "authenticated");
        return ResponseEntity.ok()
                .header("X-Total-Count", Integer.toString(result.total()))
                .header("Link", String.join(", ", links))
                .header("Access-Control-Expose-Headers", "X-Total-Count, Link")
                .body(body);
    }

    @GetMapping("/admin/users/{id}")
    Map<String, Object> adminGet(
            @RequestHeader(name = "Authorization", required = false) String authorization, @PathVariable String id)
            throws SQLException {
        AdminUsers.requireServiceRole(userCaller(authorization));
        return admin.get(userId(id));
    }

    @PutMapping("/admin/users/{id}")
    Map<String, Object> adminUpdate(
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @PathVariable String id,
            HttpServletRequest body)
            throws SQLException {
        return admin.update(userId(id), attributes(adminRequest(authorization, body)));
    }

    @DeleteMapping("/admin/users/{id}")
    Map<String, Object> adminDelete(
            @RequestHeader(name = "Authorization", required = false) String authorization,
            @PathVariable String id,
            HttpServletRequest body)
            throws SQLException {
        JsonNode request = adminRequest(authorization, body);
        if (request.path("should_soft_delete").asBoolean(false)) {
            throw new AuthError(422, "feature_not_available", "Soft deletion is not supported: delete the user");
        }
        return admin.delete(userId(id));
    }

    /** The service role's request body; anyone else is refused before the body is read. */
    private JsonNode adminRequest(@Nullable String authorization, HttpServletRequest body) {
        AdminUsers.requireServiceRole(userCaller(authorization));
        return parse(body);
    }

    private AdminUsers.Attributes attributes(JsonNode request) {
        JsonNode confirm = request.get("email_confirm");
        if (confirm != null && !confirm.isNull() && !confirm.isBoolean()) {
            throw AuthError.badRequest("validation_failed", "email_confirm must be a boolean");
        }
        Map<String, Object> userMetadata = object(request, "user_metadata");
        return new AdminUsers.Attributes(
                text(request, "email"),
                text(request, "password"),
                confirm == null || confirm.isNull() ? null : confirm.asBoolean(),
                userMetadata != null ? userMetadata : object(request, "data"),
                object(request, "app_metadata"),
                text(request, "ban_duration"));
    }

    private static UUID userId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AdminUsers.notFound();
        }
    }

    private static int number(String name, @Nullable String value, int fallback) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw AuthError.badRequest("validation_failed", name + " must be a number");
        }
    }

    /**
     * Counts one auth step against its rules; the response carries the rate-limit fields, and a
     * step over a limit is refused with GoTrue's 429 {@code over_request_rate_limit}.
     */
    private void limit(String action, Identifiers who, HttpServletResponse response) throws SQLException {
        Decision decision = limits.action(action, who);
        decision.writeHeaders(response::addHeader);
        if (!decision.allowed()) {
            throw new AuthError(429, "over_request_rate_limit", decision.message());
        }
    }

    private Caller userCaller(@Nullable String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw AuthError.unauthorized("This endpoint requires a Bearer token");
        }
        try {
            return RequestLog.role(callers.resolve(authorization, null));
        } catch (InvalidTokenException e) {
            throw new AuthError(403, "bad_jwt", "invalid JWT: unable to parse or verify signature, " + e.getMessage());
        }
    }

    /** Reads at most {@link #MAX_BODY_BYTES}, so an oversized body costs no more memory than that. */
    private JsonNode parse(HttpServletRequest request) {
        String body;
        try (InputStream in = request.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new AuthError(
                        413, "request_too_large", "Request body is larger than " + MAX_BODY_BYTES + " bytes");
            }
            body = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw AuthError.badRequest("bad_json", "Could not read the request body");
        }
        if (body.isBlank()) {
            return json.createObjectNode();
        }
        try {
            JsonNode node = json.readTree(body);
            if (!node.isObject()) {
                throw AuthError.badRequest("bad_json", "Could not parse request body as JSON: expected an object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw AuthError.badRequest("bad_json", "Could not parse request body as JSON: " + e.getOriginalMessage());
        }
    }

    private static @Nullable String text(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw AuthError.badRequest("validation_failed", field + " must be a string");
        }
        return node.asText();
    }

    private @Nullable Map<String, Object> object(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw AuthError.badRequest("validation_failed", field + " must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = json.convertValue(node, Map.class);
        return map;
    }

    @ExceptionHandler(AuthError.class)
    ResponseEntity<Map<String, Object>> authError(AuthError e) {
        return error(e.status, e.errorCode, e.getMessage());
    }

    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Map<String, Object>> databaseError(DataAccessException e) {
        if ("23505".equals(e.sqlState())) {
            // Two sign-ups with one e-mail raced past the existence check; the unique index decided.
            return error(422, "user_already_exists", "User already registered");
        }
        log.error("auth request failed in the database", e);
        return error(500, "unexpected_failure", "Internal server error");
    }

    @ExceptionHandler(SQLException.class)
    ResponseEntity<Map<String, Object>> sqlError(SQLException e) {
        log.error("auth request failed in the database", e);
        boolean unavailable = e.getSQLState() != null && e.getSQLState().startsWith("08");
        return error(
                unavailable ? 503 : 500,
                "unexpected_failure",
                unavailable ? "The database is unavailable" : "Internal server error");
    }

    @ExceptionHandler(org.springframework.web.HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> unsupportedMediaType(Exception e) {
        return error(415, "validation_failed", "Content-Type must be application/json");
    }

    private static ResponseEntity<Map<String, Object>> error(int status, String code, @Nullable String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", status);
        body.put("error_code", code);
        body.put("msg", message);
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(body);
    }
}
