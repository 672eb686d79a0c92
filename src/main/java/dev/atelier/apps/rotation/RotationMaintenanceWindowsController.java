package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.settings.SettingsService;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rotation/maintenance-windows}: maintenance windows for Rotation admins and the
 * service role, as the caller: list, create, cancel, complete (end now). While a window is active
 * the platform refuses writes it covers (platform.http's maintenance filter; docs/adr/0016);
 * {@code GET /api/v1/maintenance} shows active and upcoming windows to anyone.
 */
@RestController
@RequestMapping(path = "/api/v1/rotation/maintenance-windows", produces = "application/json")
class RotationMaintenanceWindowsController {

    private static final Set<String> TYPES = Set.of("database", "api", "full_system", "feature");
    private static final Set<String> IMPACTS = Set.of("low", "medium", "high", "critical");
    private static final Set<String> FIELDS = Set.of(
            "title",
            "description",
            "maintenance_type",
            "affected_services",
            "starts_at",
            "ends_at",
            "is_emergency",
            "impact_level");
    private static final String COLUMNS = "id, title, description, maintenance_type, affected_services, starts_at,"
            + " ends_at, is_emergency, status, impact_level, notification_sent, created_by, created_at, updated_at";
    private static final String MANAGE = "manage maintenance windows";

    private final Database database;
    private final SettingsService settings;

    RotationMaintenanceWindowsController(Database database, SettingsService settings) {
        this.database = database;
        this.settings = settings;
    }

    /** The latest 200 windows, latest start first. */
    @GetMapping
    ArrayNode list(Caller caller) throws SQLException {
        return RotationRows.adminRead(
                database,
                caller,
                MANAGE,
                "select " + COLUMNS + " from rotation.maintenance_windows order by starts_at desc, id desc limit 200",
                List.of());
    }

    @PostMapping(consumes = "application/json")
    ResponseEntity<JsonNode> create(Caller caller, @RequestBody JsonNode body) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        JsonBody.object(body);
        RotationRows.onlyFields(body, FIELDS);
        String title = JsonBody.text(body, "title");
        if (title == null || title.isBlank() || title.length() > 200) {
            throw Problem.badInput("title", "title is required (at most 200 characters)");
        }
        String description = JsonBody.text(body, "description");
        if (description != null && description.length() > 2000) {
            throw Problem.badInput("description", "description is at most 2000 characters");
        }
        String type = JsonBody.text(body, "maintenance_type");
        if (type == null || !TYPES.contains(type)) {
            throw Problem.badInput(
                    "maintenance_type", "maintenance_type must be one of " + new java.util.TreeSet<>(TYPES));
        }
        List<String> services = new ArrayList<>();
        JsonNode list = body.path("affected_services");
        if (!list.isMissingNode() && !list.isNull()) {
            if (!list.isArray() || list.size() > 50) {
                throw Problem.badInput("affected_services", "affected_services is an array of at most 50 services");
            }
            int i = 0;
            for (JsonNode s : list) {
                if (!s.isTextual() || s.textValue().isBlank() || s.textValue().length() > 200) {
                    throw Problem.badInput(
                            "affected_services[" + i + "]",
                            "a service is a non-empty string of at most 200 characters");
                }
                services.add(s.textValue());
                i++;
            }
        }
        if (type.equals("feature") && services.isEmpty()) {
            throw Problem.badInput("affected_services", "a feature window names the services it affects");
        }
        OffsetDateTime starts = time(body, "starts_at");
        OffsetDateTime ends = time(body, "ends_at");
        if (!ends.isAfter(starts)) {
            throw Problem.badInput("ends_at", "ends_at must be after starts_at");
        }
        String impact = JsonBody.text(body, "impact_level");
        if (impact != null && !IMPACTS.contains(impact)) {
            throw Problem.badInput("impact_level", "impact_level must be one of " + new java.util.TreeSet<>(IMPACTS));
        }
        JsonNode emergency = body.path("is_emergency");
        if (!emergency.isMissingNode() && !emergency.isNull() && !emergency.isBoolean()) {
            throw Problem.badInput("is_emergency", "is_emergency must be true or false");
        }
        ArrayNode rows = database.transaction(
                caller,
                tx -> RotationRows.rows(
                        tx.connection(),
                        "insert into rotation.maintenance_windows (title, description, maintenance_type,"
                                + " affected_services, starts_at, ends_at, is_emergency, impact_level, created_by)"
                                + " values (?, ?::text, ?, ?::text[], ?, ?, ?, coalesce(?::text, 'medium'),"
                                + " rotation.current_user_id()) returning " + COLUMNS,
                        Arrays.asList(
                                title,
                                description,
                                type,
                                services.toArray(new String[0]),
                                starts,
                                ends,
                                emergency.asBoolean(false),
                                impact)));
        settings.reload();
        return ResponseEntity.status(201).body(rows.get(0));
    }

    /** Cancels a window that is scheduled or in progress: it stops refusing writes at once. */
    @PostMapping(path = "/{id}/cancel")
    JsonNode cancel(Caller caller, @PathVariable int id) throws SQLException {
        return finish(caller, id, "cancelled");
    }

    /** Marks a window completed (maintenance done early): it stops refusing writes at once. */
    @PostMapping(path = "/{id}/complete")
    JsonNode complete(Caller caller, @PathVariable int id) throws SQLException {
        return finish(caller, id, "completed");
    }

    private JsonNode finish(Caller caller, int id, String status) throws SQLException {
        RotationRows.admin(database, caller, MANAGE);
        ArrayNode rows = database.transaction(
                caller,
                tx -> RotationRows.rows(
                        tx.connection(),
                        "update rotation.maintenance_windows set status = ? where id = ?"
                                + " and status not in ('cancelled', 'completed') returning " + COLUMNS,
                        List.of(status, id)));
        settings.reload();
        if (rows.isEmpty()) {
            throw Problem.notFound("no scheduled or running maintenance window " + id);
        }
        return rows.get(0);
    }

    private static OffsetDateTime time(JsonNode body, String field) {
        String text = JsonBody.text(body, field);
        if (text == null) {
            throw Problem.badInput(field, field + " is required (an ISO 8601 time with an offset)");
        }
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            throw Problem.badInput(
                    field, field + " must be an ISO 8601 time with an offset, e.g. 2026-01-01T10:00:00Z");
        }
    }
}
