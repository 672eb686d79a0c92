package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rotation/config-profiles}: configuration profiles for Rotation admins and the
 * service role, as the caller. A profile's {@code config_data} maps setting keys to values; each
 * is checked against its setting's type and rules (an encrypted setting cannot be overridden: the
 * profile is not sealed). {@code POST /{name}/activate} makes a profile its environment's active
 * one; which profile applies to a server is configuration (docs/adr/0016), shown by
 * {@code GET /current}.
 */
@RestController
@RequestMapping(path = "/api/v1/rotation/config-profiles", produces = "application/json")
class RotationProfilesController {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ENVIRONMENTS = Set.of("development", "staging", "production");
    private static final Set<String> FIELDS =
            Set.of("name", "description", "environment", "config_data", "schema_version");
    private static final String COLUMNS = "id, name, description, environment, is_active, config_data, schema_version,"
            + " created_by, activated_by, activated_at, created_at, updated_at";
    private static final String MANAGE = "manage configuration profiles";

    private final Database database;
    private final SettingsService settings;

    RotationProfilesController(Database database, SettingsService settings) {
        this.database = database;
        this.settings = settings;
    }

    @GetMapping
    ArrayNode list(Caller caller) throws SQLException {
        return RotationRows.adminRead(
                database,
                caller,
                MANAGE,
                "select " + COLUMNS + " from rotation.config_profiles order by environment, name",
                List.of());
    }

    /** Which profile applies to this server, and why. */
    @GetMapping(path = "/current")
    ObjectNode current(Caller caller) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        SettingsService.Snapshot snap = settings.snapshot();
        ObjectNode out = JSON.createObjectNode();
        out.put("environment", settings.environment());
        out.put("configured_profile", settings.configuredProfile());
        out.put("selected_by", settings.configuredProfile() != null ? "atelier.settings.profile" : "environment");
        out.put("profile", snap.profile() == null ? null : snap.profile().name());
        return out;
    }

    @GetMapping(path = "/{name}")
    JsonNode get(Caller caller, @PathVariable String name) throws SQLException {
        ArrayNode rows = RotationRows.adminRead(
                database,
                caller,
                MANAGE,
                "select " + COLUMNS + " from rotation.config_profiles where name = ?",
                List.of(name));
        if (rows.isEmpty()) {
            throw Problem.notFound("no configuration profile " + name);
        }
        return rows.get(0);
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<JsonNode> create(Caller caller, @RequestBody JsonNode body) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        JsonBody.object(body);
        RotationRows.onlyFields(body, FIELDS);
        String name = text(body, "name", 100);
        if (name == null || name.isBlank()) {
            throw Problem.badInput("name", "name is required (at most 100 characters)");
        }
        String environment = text(body, "environment", 20);
        if (environment == null || !ENVIRONMENTS.contains(environment)) {
            throw Problem.badInput(
                    "environment", "environment must be one of " + new java.util.TreeSet<>(ENVIRONMENTS));
        }
        JsonNode config = body.hasNonNull("config_data") ? body.get("config_data") : JSON.createObjectNode();
        checkConfig(caller, config);
        String version = text(body, "schema_version", 20);
        run(
                caller,
                "insert into rotation.config_profiles (name, description, environment, config_data, schema_version,"
                        + " created_by) values (?, ?::text, ?, ?::jsonb, coalesce(?::text, '1.0'), rotation.current_user_id())",
                java.util.Arrays.asList(name, text(body, "description", 2000), environment, config, version),
                name);
        return ResponseEntity.status(201).body(get(caller, name));
    }

    @PatchMapping(path = "/{name}", consumes = "application/json")
    JsonNode update(Caller caller, @PathVariable String name, @RequestBody JsonNode body) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        JsonBody.object(body);
        RotationRows.onlyFields(body, FIELDS);
        if (body.has("name") && !name.equals(body.get("name").asText())) {
            throw Problem.badInput("name", "a profile's name cannot change (servers may name it in configuration)");
        }
        if (body.has("environment")) {
            String environment = text(body, "environment", 20);
            if (environment == null || !ENVIRONMENTS.contains(environment)) {
                throw Problem.badInput(
                        "environment", "environment must be one of " + new java.util.TreeSet<>(ENVIRONMENTS));
            }
        }
        if (body.has("config_data")) {
            checkConfig(caller, body.get("config_data"));
        }
        int n = run(
                caller,
                "update rotation.config_profiles set"
                        + " description = case when ?::boolean then ?::text else description end,"
                        + " environment = coalesce(?::text, environment),"
                        + " config_data = coalesce(?::jsonb, config_data),"
                        + " schema_version = coalesce(?::text, schema_version) where name = ?",
                java.util.Arrays.asList(
                        body.has("description"),
                        text(body, "description", 2000),
                        text(body, "environment", 20),
                        body.hasNonNull("config_data") ? body.get("config_data") : null,
                        text(body, "schema_version", 20),
                        name),
                name);
        if (n == 0) {
            throw Problem.notFound("no configuration profile " + name);
        }
        return get(caller, name);
    }

    @DeleteMapping(path = "/{name}")
    ResponseEntity<Void> delete(Caller caller, @PathVariable String name) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        if (run(caller, "delete from rotation.config_profiles where name = ?", List.of(name), name) == 0) {
            throw Problem.notFound("no configuration profile " + name);
        }
        return ResponseEntity.noContent().build();
    }

    /** Makes the profile its environment's active one (the previous one is deactivated). */
    @PostMapping(path = "/{name}/activate")
    JsonNode activate(Caller caller, @PathVariable String name) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        int n;
        try {
            n = database.transaction(caller, tx -> {
                try (PreparedStatement off = tx.connection()
                                .prepareStatement(
                                        "update rotation.config_profiles set is_active = false where is_active"
                                                + " and name <> ? and environment ="
                                                + " (select environment from rotation.config_profiles where name = ?)");
                        PreparedStatement on = tx.connection()
                                .prepareStatement("update rotation.config_profiles set is_active = true,"
                                        + " activated_by = rotation.current_user_id(), activated_at = now()"
                                        + " where name = ?")) {
                    off.setString(1, name);
                    off.setString(2, name);
                    off.executeUpdate();
                    on.setString(1, name);
                    return on.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw translate(e, name);
        }
        if (n == 0) {
            throw Problem.notFound("no configuration profile " + name);
        }
        settings.reload();
        return get(caller, name);
    }

    @PostMapping(path = "/{name}/deactivate")
    JsonNode deactivate(Caller caller, @PathVariable String name) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        if (run(caller, "update rotation.config_profiles set is_active = false where name = ?", List.of(name), name)
                == 0) {
            throw Problem.notFound("no configuration profile " + name);
        }
        return get(caller, name);
    }

    /** Each key must name a setting the caller can read, not encrypted; each value fits it. */
    private void checkConfig(Caller caller, JsonNode config) throws SQLException {
        if (!config.isObject()) {
            throw Problem.badInput("config_data", "config_data must be a JSON object of setting keys to values");
        }
        if (config.size() > 1000 || config.toString().length() > 256 * 1024) {
            throw Problem.badInput("config_data", "config_data holds at most 1000 settings and 256 KiB");
        }
        List<String> keys = new ArrayList<>();
        config.fieldNames().forEachRemaining(keys::add);
        Map<String, Object[]> found = database.transaction(caller, true, tx -> {
            Map<String, Object[]> out = new java.util.HashMap<>();
            try (PreparedStatement s = tx.connection()
                    .prepareStatement("select key, value_type::text, is_encrypted, validation_rules::text"
                            + " from rotation.settings where key = any(?)")) {
                s.setArray(1, tx.connection().createArrayOf("text", keys.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), new Object[] {rs.getString(2), rs.getBoolean(3), rs.getString(4)});
                    }
                }
            }
            return out;
        });
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "config_data." + e.getKey();
            Object[] s = found.get(e.getKey());
            if (s == null) {
                throw Problem.badInput(field, "there is no setting " + e.getKey());
            }
            if ((Boolean) s[1]) {
                throw Problem.badInput(
                        field, "an encrypted setting cannot be overridden by a profile (it is not sealed)");
            }
            SettingType type = SettingType.of((String) s[0], "value_type");
            type.store(e.getValue(), field);
            try {
                SettingRules.check(JSON.readTree((String) s[2]), e.getValue(), field);
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new SQLException("stored validation_rules do not parse", ex);
            }
        }
    }

    private int run(Caller caller, String sql, List<?> params, String name) throws SQLException {
        int n;
        try {
            n = database.transaction(caller, tx -> {
                try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                    for (int i = 0; i < params.size(); i++) {
                        Object p = params.get(i);
                        s.setObject(i + 1, p instanceof JsonNode j ? j.toString() : p);
                    }
                    return s.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw translate(e, name);
        }
        settings.reload();
        return n;
    }

    private static RuntimeException translate(SQLException e, String name) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return switch (state) {
            case "23505" ->
                Problem.conflict(
                        "a profile named " + name + " exists already, or its environment has another active profile");
            case "42501" -> Problem.forbidden("only Rotation admins and the service role " + MANAGE);
            default -> new IllegalStateException(e);
        };
    }

    private static @Nullable String text(JsonNode body, String field, int max) {
        String t = JsonBody.text(body, field);
        if (t != null && t.length() > max) {
            throw Problem.badInput(field, field + " must be at most " + max + " characters");
        }
        return t;
    }
}
