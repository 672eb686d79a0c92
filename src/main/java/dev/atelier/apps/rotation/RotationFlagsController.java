package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.flags.FlagContext;
import dev.atelier.platform.flags.FlagEngine;
import dev.atelier.platform.flags.FlagKeys;
import dev.atelier.platform.flags.FlagSegments;
import dev.atelier.platform.flags.FlagService;
import dev.atelier.platform.flags.FlagValidation;
import dev.atelier.platform.flags.RotationRules;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rotation/flags}: evaluation for anyone (as {@code rotation.evaluate_feature_flag}
 * allows: anon and users for themselves, admins and the service role for anyone), and for admins
 * the flags (as the caller, so the admin policy applies and the history trigger records who), the
 * segments and the Unleash SDK keys.
 */
@RestController
@RequestMapping(path = "/api/v1/rotation/flags", produces = "application/json")
class RotationFlagsController {

    /** The SQL function's bound: a targeting context is a few hundred bytes. */
    static final int MAX_CONTEXT_BYTES = 4096;

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    private static final Set<String> TYPES = Set.of("boolean", "percentage", "user_list", "condition", "strategies");
    private static final Set<String> ENVIRONMENTS = Set.of("development", "staging", "production");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, key, name, description, flag_type::text as flag_type, is_enabled,"
            + " rollout_percentage, target_users, conditions, metadata, environment, track_evaluations, strategies,"
            + " variants, dependencies, created_by, last_modified_by, created_at, updated_at";

    private final Database database;
    private final FlagService flags;
    private final FlagSegments segments;
    private final FlagKeys keys;

    RotationFlagsController(Database database, FlagService flags, FlagSegments segments, FlagKeys keys) {
        this.database = database;
        this.flags = flags;
        this.segments = segments;
        this.keys = keys;
    }

    RotationRows.Who who(Caller caller) throws SQLException {
        return RotationRows.who(database, caller);
    }

    private RotationRows.Who admin(Caller caller) throws SQLException {
        return RotationRows.admin(database, caller, "manage feature flags");
    }

    // ------------------------------------------------------------------------------------------
    // Evaluation
    // ------------------------------------------------------------------------------------------

    /**
     * {@code {"flag": key?, "context": {...}?, "user_id": n?}}. The context's userId is the
     * caller's Rotation user (a client cannot claim another); admins and the service role may
     * name another by {@code user_id}, or leave the context's userId as they send it. With a flag: that flag's answer; without: the flags
     * that are on, as the frontend API lists them.
     */
    @PostMapping(path = "/evaluate", consumes = "application/json")
    ObjectNode evaluate(Caller caller, @RequestBody JsonNode body) throws SQLException {
        JsonBody.object(body);
        JsonNode context = body.path("context");
        if (context.isMissingNode() || context.isNull()) {
            context = JSON.createObjectNode();
        }
        if (!context.isObject()) {
            throw Problem.badInput("context", "context must be a JSON object");
        }
        int size = context.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_CONTEXT_BYTES) {
            throw Problem.badInput(
                    "context",
                    "the context is " + size + " bytes of JSON; at most " + MAX_CONTEXT_BYTES + " are accepted");
        }
        RotationRows.Who w = who(caller);
        Integer uid = w.userId();
        JsonNode asked = body.get("user_id");
        if (asked != null && !asked.isNull()) {
            if (!asked.canConvertToInt()) {
                throw Problem.badInput("user_id", "user_id is a Rotation user id (an integer)");
            }
            if (!w.admin() && (uid == null || asked.asInt() != uid)) {
                throw Problem.forbidden("a user may evaluate feature flags only for themselves");
            }
            uid = asked.asInt();
        }
        FlagContext ctx = FlagContext.of(context);
        if (!w.admin() || asked != null && !asked.isNull()) {
            // A client is its own Rotation user; admins and the service role may name anyone,
            // by user_id or by the context's userId as an Unleash SDK would send it.
            ctx = ctx.withUserId(uid == null ? null : uid.toString());
        }
        ObjectNode out = JSON.createObjectNode();
        JsonNode flag = body.get("flag");
        if (flag != null && !flag.isNull()) {
            if (!flag.isTextual() || flag.asText().length() > 100) {
                throw Problem.badInput("flag", "flag is a flag key of at most 100 characters");
            }
            FlagEngine.VariantResult v;
            try {
                v = flags.variant(flag.asText(), ctx);
            } catch (IllegalArgumentException e) {
                throw Problem.badInput("context", String.valueOf(e.getMessage()));
            }
            out.put("flag", flag.asText());
            out.put("enabled", v.featureEnabled());
            out.set("variant", variant(v));
            return out;
        }
        ObjectNode all = out.putObject("flags");
        Map<String, FlagEngine.VariantResult> results;
        try {
            results = flags.evaluateAll(ctx);
        } catch (IllegalArgumentException e) {
            throw Problem.badInput("context", String.valueOf(e.getMessage()));
        }
        results.forEach((name, v) -> {
            if (v.featureEnabled()) {
                ObjectNode f = all.putObject(name);
                f.put("enabled", true);
                f.set("variant", variant(v));
            }
        });
        return out;
    }

    private static ObjectNode variant(FlagEngine.VariantResult v) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", v.name());
        n.put("enabled", v.enabled());
        if (v.payload() != null) {
            n.set("payload", v.payload());
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------
    // Flags
    // ------------------------------------------------------------------------------------------

    @GetMapping
    ArrayNode list(Caller caller) throws SQLException {
        admin(caller);
        return database.transaction(
                caller,
                true,
                tx -> rows(
                        tx.connection(), "select " + COLUMNS + " from rotation.feature_flags order by key", List.of()));
    }

    @GetMapping(path = "/{key}")
    JsonNode get(Caller caller, @PathVariable String key) throws SQLException {
        admin(caller);
        ArrayNode rows = database.transaction(
                caller,
                true,
                tx -> rows(
                        tx.connection(),
                        "select " + COLUMNS + " from rotation.feature_flags where key = ?",
                        List.of(key)));
        if (rows.isEmpty()) {
            throw Problem.notFound("no flag " + key);
        }
        return rows.get(0);
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<JsonNode> create(Caller caller, @RequestBody JsonNode body) throws SQLException {
        admin(caller);
        JsonBody.object(body);
        String key = body.path("key").asText("");
        if (!body.path("key").isTextual() || !KEY.matcher(key).matches()) {
            throw Problem.badInput(
                    "key", "key must be 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (!body.path("name").isTextual() || body.path("name").asText().isBlank()) {
            throw Problem.badInput("name", "name is required");
        }
        Map<String, Object> values = columns(body, key);
        values.put("key", key);
        JsonNode row = write(caller, body, values, null);
        return ResponseEntity.status(201).body(row);
    }

    @PatchMapping(path = "/{key}", consumes = "application/json")
    JsonNode update(Caller caller, @PathVariable String key, @RequestBody JsonNode body) throws SQLException {
        admin(caller);
        JsonBody.object(body);
        if (body.has("key") && !body.get("key").asText().equals(key)) {
            throw Problem.badInput("key", "a flag's key cannot change");
        }
        return write(caller, body, columns(body, key), key);
    }

    @DeleteMapping(path = "/{key}")
    ResponseEntity<Void> delete(Caller caller, @PathVariable String key) throws SQLException {
        admin(caller);
        int n = database.transaction(caller, tx -> {
            try (PreparedStatement s =
                    tx.connection().prepareStatement("delete from rotation.feature_flags where key = ?")) {
                s.setString(1, key);
                return s.executeUpdate();
            }
        });
        if (n == 0) {
            throw Problem.notFound("no flag " + key);
        }
        flags.reload();
        return ResponseEntity.noContent().build();
    }

    /** The validated columns a body sets, in insert/update order. */
    private static Map<String, Object> columns(JsonNode body, String key) {
        Map<String, Object> v = new LinkedHashMap<>();
        if (body.has("name")) {
            String name = body.get("name").asText("");
            if (!body.get("name").isTextual() || name.isBlank() || name.length() > 200) {
                throw Problem.badInput("name", "name is 1 to 200 characters");
            }
            v.put("name", name);
        }
        if (body.has("description")) {
            JsonNode d = body.get("description");
            if (!d.isNull() && (!d.isTextual() || d.asText().length() > 2000)) {
                throw Problem.badInput("description", "description is text of at most 2000 characters");
            }
            v.put("description", d.isNull() ? null : d.asText());
        }
        if (body.has("flag_type")) {
            String t = body.get("flag_type").asText("");
            if (!TYPES.contains(t)) {
                throw Problem.badInput("flag_type", "flag_type is one of " + new java.util.TreeSet<>(TYPES));
            }
            v.put("flag_type", t);
        }
        if (body.has("is_enabled")) {
            if (!body.get("is_enabled").isBoolean()) {
                throw Problem.badInput("is_enabled", "is_enabled is true or false");
            }
            v.put("is_enabled", body.get("is_enabled").asBoolean());
        }
        if (body.has("track_evaluations")) {
            if (!body.get("track_evaluations").isBoolean()) {
                throw Problem.badInput("track_evaluations", "track_evaluations is true or false");
            }
            v.put("track_evaluations", body.get("track_evaluations").asBoolean());
        }
        if (body.has("rollout_percentage")) {
            JsonNode p = body.get("rollout_percentage");
            if (!p.canConvertToInt() || !p.isIntegralNumber() || p.asInt() < 0 || p.asInt() > 100) {
                throw Problem.badInput("rollout_percentage", "rollout_percentage is an integer from 0 to 100");
            }
            v.put("rollout_percentage", p.asInt());
        }
        if (body.has("target_users")) {
            JsonNode t = body.get("target_users");
            if (!t.isArray() || t.size() > 10_000) {
                throw Problem.badInput("target_users", "target_users is an array of at most 10000 Rotation user ids");
            }
            List<Integer> ids = new ArrayList<>();
            for (JsonNode id : t) {
                if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                    throw Problem.badInput("target_users", "target_users are Rotation user ids (integers)");
                }
                ids.add(id.asInt());
            }
            v.put("target_users", ids.toArray(new Integer[0]));
        }
        if (body.has("conditions")) {
            JsonNode c = body.get("conditions");
            if (!c.isObject()) {
                throw Problem.badInput("conditions", "conditions is a JSON object (docs/apps/rotation.md)");
            }
            if (RotationRules.depth(c) > RotationRules.MAX_CONDITION_DEPTH) {
                throw Problem.badInput("conditions", "a flag condition may nest at most 32 levels deep");
            }
            if (c.toString().length() > 65_536) {
                throw Problem.badInput("conditions", "conditions may be at most 64 KiB of JSON");
            }
            v.put("conditions", c);
        }
        if (body.has("metadata")) {
            if (!body.get("metadata").isObject()
                    || body.get("metadata").toString().length() > 16_384) {
                throw Problem.badInput("metadata", "metadata is a JSON object of at most 16 KiB");
            }
            v.put("metadata", body.get("metadata"));
        }
        if (body.has("environment")) {
            String e = body.get("environment").asText("");
            if (!ENVIRONMENTS.contains(e)) {
                throw Problem.badInput("environment", "environment is development, staging or production");
            }
            v.put("environment", e);
        }
        if (body.has("strategies")) {
            FlagValidation.strategies(body.get("strategies"), "strategies");
            v.put("strategies", body.get("strategies"));
        }
        if (body.has("variants")) {
            FlagValidation.variants(body.get("variants"), "variants");
            v.put("variants", body.get("variants"));
        }
        if (body.has("dependencies")) {
            FlagValidation.dependencies(body.get("dependencies"), "dependencies", key);
            v.put("dependencies", body.get("dependencies"));
        }
        if (body.has("reason")
                && (!body.get("reason").isTextual()
                        || body.get("reason").asText().length() > 500)) {
            throw Problem.badInput("reason", "reason is text of at most 500 characters");
        }
        return v;
    }

    private JsonNode write(Caller caller, JsonNode body, Map<String, Object> values, @Nullable String key)
            throws SQLException {
        if (key != null && values.isEmpty()) {
            throw Problem.badInput("body", "nothing to change");
        }
        ArrayNode rows;
        try {
            rows = database.transaction(caller, tx -> {
                Connection c = tx.connection();
                if (body.path("reason").isTextual()) {
                    try (PreparedStatement s =
                            c.prepareStatement("select set_config('rotation.change_reason', ?, true)")) {
                        s.setString(1, body.get("reason").asText());
                        s.execute();
                    }
                }
                List<Object> params = new ArrayList<>();
                StringBuilder sql = new StringBuilder();
                if (key == null) {
                    sql.append("insert into rotation.feature_flags (");
                    StringBuilder marks = new StringBuilder();
                    for (Map.Entry<String, Object> e : values.entrySet()) {
                        sql.append(e.getKey()).append(", ");
                        marks.append(mark(e.getKey())).append(", ");
                        params.add(e.getValue());
                    }
                    sql.append("created_by, last_modified_by) values (")
                            .append(marks)
                            .append("rotation.current_user_id(), rotation.current_user_id()) returning ")
                            .append(COLUMNS);
                } else {
                    sql.append("update rotation.feature_flags set ");
                    for (Map.Entry<String, Object> e : values.entrySet()) {
                        sql.append(e.getKey())
                                .append(" = ")
                                .append(mark(e.getKey()))
                                .append(", ");
                        params.add(e.getValue());
                    }
                    sql.append(
                                    "last_modified_by = coalesce(rotation.current_user_id(), last_modified_by) where key = ? returning ")
                            .append(COLUMNS);
                    params.add(key);
                }
                return rows(c, sql.toString(), params);
            });
        } catch (SQLException e) {
            throw translate(e, values);
        }
        if (rows.isEmpty()) {
            throw Problem.notFound("no flag " + key);
        }
        flags.reload();
        return rows.get(0);
    }

    private static String mark(String column) {
        return switch (column) {
            case "flag_type" -> "?::rotation.feature_flag_type";
            case "conditions", "metadata", "strategies", "variants", "dependencies" -> "?::jsonb";
            case "target_users" -> "?::integer[]";
            default -> "?";
        };
    }

    private static RuntimeException translate(SQLException e, Map<String, Object> values) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = e.getMessage() == null ? "" : e.getMessage();
        return switch (state) {
            case "23505" -> Problem.conflict("a flag with key " + values.get("key") + " exists already");
            case "42501" -> Problem.forbidden("only Rotation admins and the service role manage feature flags");
            case "23514", "22P02", "22023" -> {
                String field = values.keySet().stream()
                        .filter(message::contains)
                        .findFirst()
                        .orElse("body");
                yield Problem.badInput(field, message.lines().findFirst().orElse(message));
            }
            default -> new IllegalStateException(e);
        };
    }

    private static ArrayNode rows(Connection c, String sql, List<Object> params) throws SQLException {
        return RotationRows.rows(c, sql, params);
    }

    // ------------------------------------------------------------------------------------------
    // Segments and SDK keys (platform tables, written as the service role after the admin check)
    // ------------------------------------------------------------------------------------------

    @GetMapping(path = "/segments")
    ArrayNode segments(Caller caller) throws SQLException {
        admin(caller);
        return segments.list();
    }

    @PostMapping(path = "/segments", consumes = "application/json")
    ResponseEntity<JsonNode> createSegment(Caller caller, @RequestBody JsonNode body) throws SQLException {
        admin(caller);
        JsonBody.object(body);
        JsonNode saved = segments.save(
                null, body.path("name").asText(""), JsonBody.text(body, "description"), body.path("constraints"));
        flags.reload();
        return ResponseEntity.status(201).body(saved);
    }

    @PutMapping(path = "/segments/{id}", consumes = "application/json")
    JsonNode updateSegment(Caller caller, @PathVariable int id, @RequestBody JsonNode body) throws SQLException {
        admin(caller);
        JsonBody.object(body);
        JsonNode saved = segments.save(
                id, body.path("name").asText(""), JsonBody.text(body, "description"), body.path("constraints"));
        if (saved == null) {
            throw Problem.notFound("no segment " + id);
        }
        flags.reload();
        return saved;
    }

    @DeleteMapping(path = "/segments/{id}")
    ResponseEntity<Void> deleteSegment(Caller caller, @PathVariable int id) throws SQLException {
        admin(caller);
        if (!segments.delete(id)) {
            throw Problem.notFound("no segment " + id);
        }
        flags.reload();
        return ResponseEntity.noContent().build();
    }

    /** {@code {"name": ..., "kind": "client"|"frontend"}}: the token is in this answer only. */
    @PostMapping(path = "/api-keys", consumes = "application/json")
    ResponseEntity<FlagKeys.Created> createKey(Caller caller, @RequestBody JsonNode body) throws SQLException {
        RotationRows.Who w = admin(caller);
        JsonBody.object(body);
        String name = body.path("name").asText("");
        if (!body.path("name").isTextual() || name.isBlank() || name.length() > 200) {
            throw Problem.badInput("name", "name is 1 to 200 characters");
        }
        String kind = body.path("kind").asText("");
        if (!kind.equals("client") && !kind.equals("frontend")) {
            throw Problem.badInput("kind", "kind is client (server SDKs) or frontend (browser SDKs)");
        }
        String by = w.userId() == null ? caller.role() : "rotation user " + w.userId();
        return ResponseEntity.status(201)
                .body(keys.create(name, kind.equals("client") ? FlagKeys.Kind.CLIENT : FlagKeys.Kind.FRONTEND, by));
    }

    @GetMapping(path = "/api-keys")
    List<FlagKeys.Key> listKeys(Caller caller) throws SQLException {
        admin(caller);
        return keys.list();
    }

    @DeleteMapping(path = "/api-keys/{id}")
    ResponseEntity<Void> revokeKey(Caller caller, @PathVariable int id) throws SQLException {
        admin(caller);
        if (!keys.revoke(id)) {
            throw Problem.notFound("no live key " + id);
        }
        return ResponseEntity.noContent().build();
    }
}
