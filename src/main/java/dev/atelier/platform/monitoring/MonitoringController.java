package dev.atelier.platform.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/admin/monitoring/…} for the service role and for the admins of any app (an app's
 * {@code is_admin()}, asked as the caller): operators of one deployment, who may see its
 * database as a whole. Everything is read-only.
 */
@RestController
@RequestMapping(path = "/api/v1/admin/monitoring", produces = "application/json")
class MonitoringController {

    private static final String ANY_ADMIN = """
            select coalesce(algorhythmic.is_admin(), false) or coalesce(rotation.is_admin(), false)
                or coalesce(moodscale.is_admin(), false) or coalesce(delula.is_admin(), false)""";

    private final Database database;
    private final Monitoring monitoring;

    MonitoringController(Database database, Monitoring monitoring) {
        this.database = database;
        this.monitoring = monitoring;
    }

    @GetMapping("/database")
    JsonNode database(Caller caller) throws SQLException {
        admit(caller);
        return monitoring.database();
    }

    @GetMapping("/tables")
    JsonNode tables(
            Caller caller,
            @RequestParam(required = false) @Nullable String schema,
            @RequestParam(required = false) @Nullable String limit)
            throws SQLException {
        admit(caller);
        return monitoring.tables(Optional.ofNullable(schema), bounded("limit", limit, 100, 1000));
    }

    @GetMapping("/connections")
    JsonNode connections(Caller caller) throws SQLException {
        admit(caller);
        return monitoring.connections();
    }

    @GetMapping("/slow-queries")
    ResponseEntity<?> slowQueries(
            Caller caller,
            @RequestParam(required = false) @Nullable String limit,
            @RequestParam(name = "min_calls", required = false) @Nullable String minCalls)
            throws SQLException {
        admit(caller);
        Optional<JsonNode> rows =
                monitoring.slowQueries(bounded("limit", limit, 20, 500), bounded("min_calls", minCalls, 1, 1_000_000));
        if (rows.isEmpty()) {
            throw Problem.conflict(
                    "pg_stat_statements is not available on this database: load it with"
                            + " shared_preload_libraries and CREATE EXTENSION pg_stat_statements (the embedded database has it)");
        }
        return ResponseEntity.ok(rows.get());
    }

    @GetMapping("/indexes")
    JsonNode indexes(
            Caller caller,
            @RequestParam(required = false) @Nullable String unused,
            @RequestParam(required = false) @Nullable String limit)
            throws SQLException {
        admit(caller);
        return monitoring.indexes("true".equals(unused), bounded("limit", limit, 200, 2000));
    }

    @GetMapping("/pool")
    Database.PoolStatus pool(Caller caller) throws SQLException {
        admit(caller);
        return database.poolStatus();
    }

    @GetMapping("/usage")
    JsonNode usage(Caller caller, @RequestParam(required = false) @Nullable String days) throws SQLException {
        admit(caller);
        return monitoring.usage(bounded("days", days, 7, 90));
    }

    private void admit(Caller caller) throws SQLException {
        if (caller.role().equals("service_role")) {
            return;
        }
        if (caller.userId().isEmpty()) {
            throw Problem.signInRequired();
        }
        boolean admin = database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement(ANY_ADMIN);
                    ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
        if (!admin) {
            throw Problem.forbidden("monitoring is for the service role and the apps' admins");
        }
    }

    private static int bounded(String name, @Nullable String value, int fallback, int max) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badInput(name, name + " must be a whole number from 1 to " + max);
    }
}
