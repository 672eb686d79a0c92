package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/jobs}: the operations API for the service role (a console sits on it later).
 * List with counts by app, kind and state; one job with its errors and logs; retry, cancel,
 * delete; pause and resume a queue. Runs as the caller's role: only service_role may read
 * platform.jobs, so every other caller is refused before any query.
 */
@RestController
@RequestMapping(path = "/api/v1/jobs", produces = "application/json")
class JobsController {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");
    private static final List<String> STATES =
            List.of("waiting", "available", "running", "completed", "failed", "cancelled");

    private final Database database;
    private final JobEngine engine;

    JobsController(Database database, JobEngine engine) {
        this.database = database;
        this.engine = engine;
    }

    private static void requireOperator(Caller caller) {
        if (caller.role().equals("anon")) {
            throw Problem.signInRequired();
        }
        if (!caller.role().equals("service_role")) {
            throw Problem.forbidden("the jobs API is for the service role");
        }
    }

    @GetMapping
    Map<String, @Nullable Object> list(
            Caller caller,
            @RequestParam(required = false) @Nullable String state,
            @RequestParam(required = false) @Nullable String kind,
            @RequestParam(required = false) @Nullable String app,
            @RequestParam(required = false, defaultValue = "100") String limit)
            throws SQLException {
        requireOperator(caller);
        if (state != null && !STATES.contains(state)) {
            throw Problem.badInput("state", "must be one of " + String.join(", ", STATES));
        }
        checkName("kind", kind);
        checkName("app", app);
        int rows;
        try {
            rows = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            rows = -1;
        }
        if (rows < 1 || rows > 1000) {
            throw Problem.badInput("limit", "must be a whole number from 1 to 1000");
        }
        int max = rows;
        return database.transaction(caller, true, tx -> JobQueries.list(tx.connection(), state, kind, app, max));
    }

    @GetMapping("/{id}")
    Map<String, @Nullable Object> one(Caller caller, @PathVariable String id) throws SQLException {
        requireOperator(caller);
        long jobId = id(id);
        Optional<Map<String, @Nullable Object>> job =
                database.transaction(caller, true, tx -> JobQueries.one(tx.connection(), jobId, engine));
        return job.orElseThrow(() -> Problem.notFound("no job " + jobId));
    }

    @PostMapping("/{id}/retry")
    Map<String, Object> retry(Caller caller, @PathVariable String id) throws SQLException {
        requireOperator(caller);
        long jobId = id(id);
        if (!database.transaction(caller, tx -> engine.retry(tx, jobId))) {
            throw Problem.conflict("job " + jobId + " is not failed or cancelled");
        }
        return Map.of("id", jobId, "state", "available");
    }

    @PostMapping("/{id}/cancel")
    Map<String, Object> cancel(Caller caller, @PathVariable String id) throws SQLException {
        requireOperator(caller);
        long jobId = id(id);
        String state = database.transaction(caller, tx -> engine.cancel(tx, jobId));
        if (state.isEmpty()) {
            throw Problem.notFound("no job " + jobId);
        }
        return Map.of("id", jobId, "state", state, "cancel_requested", state.equals("running"));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(Caller caller, @PathVariable String id) throws SQLException {
        requireOperator(caller);
        long jobId = id(id);
        if (!database.transaction(caller, tx -> engine.delete(tx, jobId))) {
            throw Problem.conflict("job " + jobId + " is running or does not exist");
        }
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/queues/{queue}/pause")
    Map<String, Object> pause(Caller caller, @PathVariable String queue) throws SQLException {
        return paused(caller, queue, true);
    }

    @PostMapping("/queues/{queue}/resume")
    Map<String, Object> resume(Caller caller, @PathVariable String queue) throws SQLException {
        return paused(caller, queue, false);
    }

    private Map<String, Object> paused(Caller caller, String queue, boolean paused) throws SQLException {
        requireOperator(caller);
        checkName("queue", queue);
        database.transaction(caller, tx -> {
            JobEngine.pause(tx, queue, paused);
            return Boolean.TRUE;
        });
        return Map.of("queue", queue, "paused", paused);
    }

    private static long id(String text) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badInput("id", "must be a positive whole number");
    }

    private static void checkName(String field, @Nullable String value) {
        if (value != null && !NAME.matcher(value).matches()) {
            throw Problem.badInput(field, "must be 1-200 letters, digits or _.:-");
        }
    }
}
