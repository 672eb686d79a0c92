package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.http.Problem;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Unleash's client API ({@code /api/client/features}, {@code /metrics}, {@code /register}) and
 * frontend API ({@code /api/frontend}), so that Unleash SDKs use Atelier as their server. Every
 * call needs a client key (frontend API: a frontend or client key) or the service role's key in
 * {@code Authorization}; without one it is 401.
 */
@RestController
class UnleashApiController {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOGGLES_PER_REPORT = 10_000;

    private final FlagService flags;
    private final FlagKeys keys;

    UnleashApiController(FlagService flags, FlagKeys keys) {
        this.flags = flags;
        this.keys = keys;
    }

    private void require(HttpServletRequest request, FlagKeys.Kind kind) throws SQLException {
        if (!keys.allows(request.getHeader("Authorization"), request.getHeader("apikey"), kind)) {
            throw Problem.unauthorized("this API needs a " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " API key (or the service role key) in the Authorization header");
        }
    }

    /** Every flag as Unleash's client API has it; 304 when the caller's ETag is current. */
    @GetMapping(path = "/api/client/features")
    ResponseEntity<byte[]> features(
            HttpServletRequest request,
            @RequestHeader(name = "If-None-Match", required = false) @Nullable String ifNoneMatch)
            throws SQLException {
        require(request, FlagKeys.Kind.CLIENT);
        FlagService.Loaded l = flags.loaded();
        if (ifNoneMatch != null && (ifNoneMatch.equals(l.etag()) || ifNoneMatch.equals("W/" + l.etag()))) {
            return ResponseEntity.status(304).eTag(l.etag()).build();
        }
        return ResponseEntity.ok()
                .eTag(l.etag())
                .contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .body(l.clientFeatures());
    }

    /** An SDK's registration: accepted and not stored (Atelier keeps no SDK inventory). */
    @PostMapping(path = "/api/client/register")
    ResponseEntity<Void> register(HttpServletRequest request, @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        require(request, FlagKeys.Kind.CLIENT);
        if (body != null && !body.isObject()) {
            throw Problem.badInput("body", "a registration is a JSON object");
        }
        return ResponseEntity.accepted().build();
    }

    /** An SDK's counts for a bucket of time, added to the hour's counts of each known toggle. */
    @PostMapping(path = {"/api/client/metrics", "/api/frontend/client/metrics"})
    ResponseEntity<Void> metrics(HttpServletRequest request, @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        require(
                request,
                request.getRequestURI().startsWith("/api/frontend") ? FlagKeys.Kind.FRONTEND : FlagKeys.Kind.CLIENT);
        if (body == null || !body.isObject()) {
            throw Problem.badInput("body", "metrics are a JSON object with appName and bucket");
        }
        String app = body.path("appName").asText("");
        if (app.isEmpty() || app.length() > 200) {
            throw Problem.badInput("appName", "appName is required, at most 200 characters");
        }
        JsonNode bucket = body.path("bucket");
        Instant start;
        try {
            start = Instant.parse(bucket.path("start").asText());
        } catch (DateTimeParseException e) {
            throw Problem.badInput("bucket.start", "bucket.start must be an ISO-8601 instant");
        }
        JsonNode toggles = bucket.path("toggles");
        if (!toggles.isObject() || toggles.size() > MAX_TOGGLES_PER_REPORT) {
            throw Problem.badInput("bucket.toggles", "bucket.toggles must be an object of at most 10000 toggles");
        }
        Map<String, long[]> yesNo = new HashMap<>();
        Map<String, Map<String, Long>> variants = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = toggles.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long yes = e.getValue().path("yes").asLong(0);
            long no = e.getValue().path("no").asLong(0);
            if (yes < 0 || no < 0) {
                throw Problem.badInput("bucket.toggles." + e.getKey(), "counts cannot be negative");
            }
            yesNo.put(e.getKey(), new long[] {yes, no});
            Map<String, Long> v = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> vs =
                            e.getValue().path("variants").fields();
                    vs.hasNext(); ) {
                Map.Entry<String, JsonNode> ve = vs.next();
                long n = ve.getValue().asLong(0);
                if (n > 0 && v.size() < 100) {
                    v.put(ve.getKey(), n);
                }
            }
            variants.put(e.getKey(), v);
        }
        flags.recordClientMetrics(app, start, yesNo, variants);
        return ResponseEntity.accepted().build();
    }

    /**
     * The frontend API: the toggles that are on for the context given as query parameters
     * (userId, sessionId, remoteAddress, environment, appName, currentTime, {@code properties[name]}
     * or any other name as a property), each with its variant. The request's address is the
     * remoteAddress unless one is given.
     */
    @GetMapping(path = "/api/frontend", produces = "application/json")
    ObjectNode frontend(HttpServletRequest request, @RequestParam Map<String, String> query) throws SQLException {
        require(request, FlagKeys.Kind.FRONTEND);
        if (query.size() > 50) {
            throw Problem.badInput("query", "at most 50 context fields");
        }
        Map<String, String> fields = new LinkedHashMap<>(query);
        fields.putIfAbsent("remoteAddress", request.getRemoteAddr());
        FlagContext ctx = FlagContext.ofFlat(fields);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode toggles = body.putArray("toggles");
        flags.evaluateAll(ctx).forEach((name, v) -> {
            if (!v.featureEnabled()) {
                return;
            }
            ObjectNode t = toggles.addObject();
            t.put("name", name);
            t.put("enabled", true);
            t.set("variant", variantJson(v));
            t.put("impressionData", false);
        });
        return body;
    }

    static ObjectNode variantJson(FlagEngine.VariantResult v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", v.name());
        n.put("enabled", v.enabled());
        n.put("feature_enabled", v.featureEnabled());
        n.put("featureEnabled", v.featureEnabled());
        if (v.payload() != null) {
            n.set("payload", v.payload());
        }
        return n;
    }
}
