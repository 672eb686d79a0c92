package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.settings.SettingRules;
import dev.atelier.platform.settings.SettingType;
import dev.atelier.platform.settings.SettingsService;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rotation/settings}: settings read as the caller (so RLS decides: public ones for
 * anyone, the rest for Rotation admins and the service role), with the applying profile's
 * overrides; an encrypted value is opened for the service role only and masked for admins.
 * Admins and the service role create, update and delete them; values are checked against the
 * type and {@code validation_rules} (see {@link SettingRules}) first. Writes run as the caller,
 * except those that write a sealed value, which the service role makes after the admin check
 * (admins may not write ciphertext columns, V22), recording the admin in last_modified_by.
 */
@RestController
@RequestMapping(path = "/api/v1/rotation/settings", produces = "application/json")
class RotationSettingsController {

    static final String MASK = "********";
    private static final Pattern KEY = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_]+)*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, key, value, value_type::text, category, description, is_public,"
            + " is_encrypted, default_value, validation_rules::text, last_modified_by, created_at, updated_at";
    private static final String MANAGE = "manage settings";

    private final Database database;
    private final SettingsService settings;

    RotationSettingsController(Database database, SettingsService settings) {
        this.database = database;
        this.settings = settings;
    }

    /** A row as read; {@code sealed} only when the service role read it. */
    record Row(
            int id,
            String key,
            @Nullable String value,
            SettingType type,
            String category,
            @Nullable String description,
            boolean isPublic,
            boolean isEncrypted,
            @Nullable String defaultValue,
            JsonNode rules,
            @Nullable Integer lastModifiedBy,
            OffsetDateTime createdAt,
            OffsetDateTime updatedAt,
            Keyring.@Nullable Sealed sealed) {}

    // ------------------------------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------------------------------

    @GetMapping
    ArrayNode list(Caller caller, @RequestParam(required = false) @Nullable String category) throws SQLException {
        RotationRows.Who who = RotationRows.who(database, caller);
        ArrayNode out = JSON.createArrayNode();
        for (Row r : read(caller, null, category)) {
            out.add(render(caller, who, r));
        }
        return out;
    }

    @GetMapping(path = "/{key}")
    ObjectNode get(Caller caller, @PathVariable String key) throws SQLException {
        RotationRows.Who who = RotationRows.who(database, caller);
        List<Row> rows = read(caller, key, null);
        if (rows.isEmpty()) {
            throw Problem.notFound("no setting " + key + " that you may read");
        }
        return render(caller, who, rows.get(0));
    }

    /** Rows as the caller sees them (RLS); the service role also reads the sealed value. */
    private List<Row> read(Caller caller, @Nullable String key, @Nullable String category) throws SQLException {
        boolean service = caller.role().equals("service_role");
        String sql = "select " + COLUMNS + (service ? ", value_encrypted, encryption_key_id" : "")
                + " from rotation.settings where (?::text is null or key = ?) and (?::text is null or category = ?)"
                + " order by key limit 10000";
        return database.transaction(caller, true, tx -> {
            List<Row> out = new ArrayList<>();
            try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                s.setString(1, key);
                s.setString(2, key);
                s.setString(3, category);
                s.setString(4, category);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        int modifiedBy = rs.getInt(11);
                        Integer lastModifiedBy = rs.wasNull() ? null : modifiedBy;
                        Keyring.Sealed sealed = null;
                        if (service && rs.getBytes(14) != null && rs.getString(15) != null) {
                            sealed = new Keyring.Sealed(rs.getString(15), rs.getBytes(14));
                        }
                        out.add(new Row(
                                rs.getInt(1),
                                rs.getString(2),
                                rs.getString(3),
                                SettingType.of(rs.getString(4), "value_type"),
                                rs.getString(5),
                                rs.getString(6),
                                rs.getBoolean(7),
                                rs.getBoolean(8),
                                rs.getString(9),
                                JSON.readTree(rs.getString(10)),
                                lastModifiedBy,
                                rs.getObject(12, OffsetDateTime.class),
                                rs.getObject(13, OffsetDateTime.class),
                                sealed));
                    }
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException("stored validation_rules do not parse", e);
            }
            return out;
        });
    }

    private ObjectNode render(Caller caller, RotationRows.Who who, Row r) {
        SettingsService.Snapshot snap = settings.snapshot();
        ObjectNode n = JSON.createObjectNode();
        n.put("key", r.key());
        n.put("value_type", r.type().sqlName());
        n.put("category", r.category());
        n.put("description", r.description());
        n.put("is_public", r.isPublic());
        n.put("is_encrypted", r.isEncrypted());
        JsonNode override = settings.override(snap, r.key(), r.type(), r.rules(), r.isEncrypted());
        JsonNode stored = null;
        String source = "value";
        if (override != null) {
            stored = override;
            source = "profile";
        } else if (r.isEncrypted()) {
            Keyring.Sealed sealed = r.sealed();
            if (caller.role().equals("service_role") && sealed != null) {
                try {
                    stored = r.type().read(settings.open(r.key(), sealed));
                } catch (IllegalStateException e) {
                    stored = null; // does not open: reported as no value
                }
            } else {
                n.put("value", MASK);
                n.put("masked", true);
            }
        } else if (r.value() != null) {
            stored = r.type().read(r.value());
        }
        if (stored == null && !r.isEncrypted() && r.defaultValue() != null) {
            stored = r.type().read(r.defaultValue());
            source = "default";
        }
        if (!n.has("value")) {
            n.set("value", stored == null ? NullNode.getInstance() : stored);
        }
        n.put("source", source);
        if (override != null && snap.profile() != null) {
            n.put("profile", snap.profile().name());
        }
        n.set(
                "default_value",
                r.defaultValue() == null
                        ? NullNode.getInstance()
                        : java.util.Objects.requireNonNullElse(
                                r.type().read(r.defaultValue()), NullNode.getInstance()));
        n.set("validation_rules", r.rules());
        if (who.admin()) {
            if (r.lastModifiedBy() == null) {
                n.putNull("last_modified_by");
            } else {
                n.put("last_modified_by", r.lastModifiedBy());
            }
            n.put("created_at", r.createdAt().toInstant().toString());
        }
        n.put("updated_at", r.updatedAt().toInstant().toString());
        return n;
    }

    // ------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------

    /** The columns a write sets, and whether it writes the sealed value (as the service role). */
    private record Change(Map<String, @Nullable Object> columns, boolean sealed) {}

    @PostMapping(consumes = "application/json")
    ResponseEntity<ObjectNode> create(Caller caller, @RequestBody JsonNode body) throws SQLException {
        RotationRows.Who who = RotationRows.admin(database, caller, MANAGE);
        JsonBody.object(body);
        String key = JsonBody.text(body, "key");
        if (key == null || key.length() > 200 || !KEY.matcher(key).matches()) {
            throw Problem.badInput(
                    "key", "key is required: lower-case letters, digits and '_' in dot-separated parts, at most 200");
        }
        RotationRows.onlyFields(body, FIELDS);
        SettingType type = body.hasNonNull("value_type")
                ? SettingType.of(text(body, "value_type", 20), "value_type")
                : SettingType.STRING;
        JsonNode rules = body.hasNonNull("validation_rules") ? body.get("validation_rules") : JSON.createObjectNode();
        SettingRules.checkRules(type, rules);
        boolean encrypted = bool(body, "is_encrypted", false);
        boolean isPublic = bool(body, "is_public", false);
        if (encrypted && isPublic) {
            throw Problem.badInput("is_public", "an encrypted setting cannot be public");
        }
        Map<String, @Nullable Object> cols = new LinkedHashMap<>();
        cols.put("key", key);
        cols.put("value_type", type.sqlName());
        cols.put("category", body.hasNonNull("category") ? text(body, "category", 100) : "general");
        cols.put("description", body.hasNonNull("description") ? text(body, "description", 2000) : null);
        cols.put("is_public", isPublic);
        cols.put("validation_rules", rules);
        String value = body.hasNonNull("value") ? checked(type, rules, body.get("value"), "value") : null;
        String defaultValue = body.hasNonNull("default_value")
                ? checked(type, rules, body.get("default_value"), "default_value")
                : null;
        boolean sealed = false;
        if (encrypted) {
            if (value == null) {
                throw Problem.badInput("value", "an encrypted setting needs a value");
            }
            if (defaultValue != null) {
                throw Problem.badInput(
                        "default_value", "an encrypted setting has no default value (it would be clear)");
            }
            seal(cols, key, value);
            sealed = true;
        } else {
            cols.put("value", value);
            cols.put("default_value", defaultValue);
        }
        write(caller, who, null, new Change(cols, sealed));
        return ResponseEntity.status(201).body(get(caller, key));
    }

    @PatchMapping(path = "/{key}", consumes = "application/json")
    ObjectNode update(Caller caller, @PathVariable String key, @RequestBody JsonNode body) throws SQLException {
        RotationRows.Who who = RotationRows.admin(database, caller, MANAGE);
        JsonBody.object(body);
        RotationRows.onlyFields(body, FIELDS);
        if (body.has("key") && !key.equals(body.get("key").asText())) {
            throw Problem.badInput("key", "a setting's key cannot change (an encrypted value is sealed to it)");
        }
        List<Row> found = read(Caller.serviceRole(), key, null);
        if (found.isEmpty()) {
            throw Problem.notFound("no setting " + key);
        }
        Row cur = found.get(0);
        SettingType type =
                body.hasNonNull("value_type") ? SettingType.of(text(body, "value_type", 20), "value_type") : cur.type();
        JsonNode rules = body.hasNonNull("validation_rules") ? body.get("validation_rules") : cur.rules();
        SettingRules.checkRules(type, rules);
        boolean encrypted = body.hasNonNull("is_encrypted") ? bool(body, "is_encrypted", false) : cur.isEncrypted();
        boolean isPublic = body.hasNonNull("is_public") ? bool(body, "is_public", false) : cur.isPublic();
        if (encrypted && isPublic) {
            throw Problem.badInput("is_public", "an encrypted setting cannot be public");
        }
        boolean reshaped = type != cur.type() || !rules.equals(cur.rules());
        Map<String, @Nullable Object> cols = new LinkedHashMap<>();
        if (body.has("value_type")) {
            cols.put("value_type", type.sqlName());
        }
        if (body.has("validation_rules")) {
            cols.put("validation_rules", rules);
        }
        if (body.has("category")) {
            cols.put("category", body.hasNonNull("category") ? text(body, "category", 100) : "general");
        }
        if (body.has("description")) {
            cols.put("description", body.hasNonNull("description") ? text(body, "description", 2000) : null);
        }
        if (body.has("is_public")) {
            cols.put("is_public", isPublic);
        }
        boolean sealed = false;
        if (encrypted) {
            if (body.hasNonNull("default_value")) {
                throw Problem.badInput(
                        "default_value", "an encrypted setting has no default value (it would be clear)");
            }
            if (body.has("value")) {
                if (!body.hasNonNull("value")) {
                    throw Problem.badInput("value", "an encrypted setting needs a value; delete it instead");
                }
                seal(cols, key, checked(type, rules, body.get("value"), "value"));
                cols.put("value", null);
                cols.put("default_value", null);
                sealed = true;
            } else if (!cur.isEncrypted() || reshaped) {
                throw Problem.badInput(
                        "value", "send the value when a setting becomes encrypted or its type or rules change");
            }
        } else {
            if (cur.isEncrypted() && !body.has("value")) {
                throw Problem.badInput("value", "send the value in clear when a setting stops being encrypted");
            }
            if (cur.isEncrypted()) {
                cols.put("value_encrypted", null);
                cols.put("encryption_key_id", null);
                cols.put("is_encrypted", false);
                sealed = true;
            }
            cols.put(
                    "value",
                    body.has("value")
                            ? body.hasNonNull("value") ? checked(type, rules, body.get("value"), "value") : null
                            : stillValid(type, rules, cur.value(), "value", reshaped));
            cols.put(
                    "default_value",
                    body.has("default_value")
                            ? body.hasNonNull("default_value")
                                    ? checked(type, rules, body.get("default_value"), "default_value")
                                    : null
                            : stillValid(type, rules, cur.defaultValue(), "default_value", reshaped));
        }
        write(caller, who, key, new Change(cols, sealed));
        return get(caller, key);
    }

    @DeleteMapping(path = "/{key}")
    ResponseEntity<Void> delete(Caller caller, @PathVariable String key) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        int n = database.transaction(caller, tx -> {
            try (PreparedStatement s =
                    tx.connection().prepareStatement("delete from rotation.settings where key = ?")) {
                s.setString(1, key);
                return s.executeUpdate();
            }
        });
        if (n == 0) {
            throw Problem.notFound("no setting " + key);
        }
        settings.reload();
        return ResponseEntity.noContent().build();
    }

    private void write(Caller caller, RotationRows.Who who, @Nullable String key, Change change) throws SQLException {
        Map<String, @Nullable Object> cols = change.columns();
        List<@Nullable Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        String modifiedBy = change.sealed() ? "?" : "rotation.current_user_id()";
        if (key == null) {
            sql.append("insert into rotation.settings (");
            StringBuilder marks = new StringBuilder();
            for (Map.Entry<String, @Nullable Object> e : cols.entrySet()) {
                sql.append(e.getKey()).append(", ");
                marks.append(mark(e.getKey())).append(", ");
                params.add(e.getValue());
            }
            sql.append("last_modified_by) values (")
                    .append(marks)
                    .append(modifiedBy)
                    .append(")");
        } else {
            sql.append("update rotation.settings set ");
            for (Map.Entry<String, @Nullable Object> e : cols.entrySet()) {
                sql.append(e.getKey()).append(" = ").append(mark(e.getKey())).append(", ");
                params.add(e.getValue());
            }
            sql.append("last_modified_by = ").append(modifiedBy).append(" where key = ?");
        }
        if (change.sealed()) {
            params.add(who.userId());
        }
        if (key != null) {
            params.add(key);
        }
        // A sealed value is written by the service role (admins hold no grant on the ciphertext
        // columns); the admin check was made above and last_modified_by names the admin.
        Caller as = change.sealed() ? Caller.serviceRole() : caller;
        int n;
        try {
            n = database.transaction(as, tx -> {
                try (PreparedStatement s = tx.connection().prepareStatement(sql.toString())) {
                    for (int i = 0; i < params.size(); i++) {
                        Object p = params.get(i);
                        if (p instanceof JsonNode j) {
                            s.setString(i + 1, j.toString());
                        } else {
                            s.setObject(i + 1, p);
                        }
                    }
                    return s.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw translate(e, key == null ? String.valueOf(cols.get("key")) : key);
        }
        if (n == 0) {
            throw Problem.notFound("no setting " + key);
        }
        settings.reload();
    }

    private static String mark(String column) {
        return switch (column) {
            case "value_type" -> "?::rotation.setting_type";
            case "validation_rules" -> "?::jsonb";
            default -> "?";
        };
    }

    private static RuntimeException translate(SQLException e, String key) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = e.getMessage() == null ? "" : e.getMessage();
        return switch (state) {
            case "23505" -> Problem.conflict("a setting with key " + key + " exists already");
            case "42501" -> Problem.forbidden("only Rotation admins and the service role manage settings");
            case "23514" ->
                Problem.badInput(
                        message.contains("settings_value_matches_type") ? "value" : "body",
                        message.lines().findFirst().orElse(message));
            default -> new IllegalStateException(e);
        };
    }

    private void seal(Map<String, @Nullable Object> cols, String key, String stored) {
        Keyring.Sealed s = settings.seal(key, stored);
        cols.put("is_encrypted", true);
        cols.put("value_encrypted", s.bytes());
        cols.put("encryption_key_id", s.keyId());
    }

    /** The stored text of a client's value after the type and rule checks. */
    private static String checked(SettingType type, JsonNode rules, JsonNode value, String field) {
        String stored = type.store(value, field);
        SettingRules.check(rules, value, field);
        return stored;
    }

    /** A stored value kept by an update: checked again when the type or rules changed. */
    private static @Nullable String stillValid(
            SettingType type, JsonNode rules, @Nullable String stored, String field, boolean reshaped) {
        if (stored == null || !reshaped) {
            return stored;
        }
        JsonNode v = type.read(stored);
        if (v == null || !SettingRules.passes(rules, v)) {
            throw Problem.badInput(
                    field, "the current " + field + " does not fit the new type or rules; send a new " + field);
        }
        return type.store(v, field);
    }

    private static final java.util.Set<String> FIELDS = java.util.Set.of(
            "key",
            "value",
            "value_type",
            "category",
            "description",
            "is_public",
            "is_encrypted",
            "default_value",
            "validation_rules");

    private static String text(JsonNode body, String field, int max) {
        String t = JsonBody.text(body, field);
        if (t == null || t.length() > max) {
            throw Problem.badInput(field, field + " must be a string of at most " + max + " characters");
        }
        return t;
    }

    private static boolean bool(JsonNode body, String field, boolean fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw Problem.badInput(field, field + " must be true or false");
        }
        return v.booleanValue();
    }
}
