package dev.atelier.platform.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The operations API's reads. */
final class JobQueries {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUMMARY =
            "id, queue, kind, coalesce(split_part(app_table, '.', 1), 'platform') as app, "
                    + "app_table, app_key, state, outcome, priority, run_at, attempt, max_attempts, lease_owner, "
                    + "lease_expires_at, heartbeat_at, progress, progress_message, last_error, created_at, started_at, finished_at";

    private JobQueries() {}

    static Map<String, @Nullable Object> list(
            Connection c, @Nullable String state, @Nullable String kind, @Nullable String app, int limit)
            throws SQLException {
        String where = " where (?::text is null or state = ?) and (?::text is null or kind = ?) "
                + "and (?::text is null or coalesce(split_part(app_table, '.', 1), 'platform') = ?)";
        Map<String, @Nullable Object> result = new LinkedHashMap<>();
        try (PreparedStatement counts =
                c.prepareStatement("select coalesce(split_part(app_table, '.', 1), 'platform') as app, "
                        + "kind, state, count(*) as count from platform.jobs" + where
                        + " group by 1, 2, 3 order by 1, 2, 3")) {
            bind(counts, state, kind, app);
            result.put("counts", rows(counts));
        }
        try (PreparedStatement jobs =
                c.prepareStatement("select " + SUMMARY + " from platform.jobs" + where + " order by id desc limit ?")) {
            bind(jobs, state, kind, app);
            jobs.setInt(7, limit);
            result.put("jobs", rows(jobs));
        }
        return result;
    }

    private static void bind(PreparedStatement s, @Nullable String state, @Nullable String kind, @Nullable String app)
            throws SQLException {
        s.setString(1, state);
        s.setString(2, state);
        s.setString(3, kind);
        s.setString(4, kind);
        s.setString(5, app);
        s.setString(6, app);
    }

    static Optional<Map<String, @Nullable Object>> one(Connection c, long id, JobEngine engine) throws SQLException {
        Map<String, @Nullable Object> job;
        try (PreparedStatement find = c.prepareStatement(
                "select " + SUMMARY + ", args::text as args, errors::text as errors from platform.jobs where id = ?")) {
            find.setLong(1, id);
            List<Map<String, @Nullable Object>> found = rows(find);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            job = found.get(0);
        }
        job.put("args", json(job.get("args")));
        job.put("errors", json(job.get("errors")));
        try (PreparedStatement deps = c.prepareStatement(
                "select depends_on from platform.job_dependencies where job_id = ? order by depends_on")) {
            deps.setLong(1, id);
            job.put(
                    "depends_on",
                    rows(deps).stream().map(r -> r.get("depends_on")).toList());
        }
        Object table = job.get("app_table");
        AppTable app = table == null ? null : engine.table(table.toString());
        Object key = job.get("app_key");
        if (app != null && key != null) {
            try (PreparedStatement status = c.prepareStatement("select " + app.statusColumn() + "::text as status from "
                    + app.table() + " where id = ?::" + app.keyType())) {
                status.setString(1, key.toString());
                List<Map<String, @Nullable Object>> row = rows(status);
                job.put("app_status", row.isEmpty() ? null : row.get(0).get("status"));
            }
        }
        String logs = app != null && app.logTable() != null
                ? "select level::text as level, message, logged_at from " + app.logTable() + " where job_id = ?::"
                        + app.keyType() + " order by logged_at, id limit 1000"
                : "select attempt, level, message, logged_at from platform.job_logs where job_id = ?::bigint order by id limit 1000";
        try (PreparedStatement find = c.prepareStatement(logs)) {
            find.setString(
                    1, app != null && app.logTable() != null && key != null ? key.toString() : Long.toString(id));
            job.put("logs", rows(find));
        }
        return Optional.of(job);
    }

    private static @Nullable Object json(@Nullable Object text) {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text.toString());
        } catch (java.io.IOException e) {
            return text.toString();
        }
    }

    private static List<Map<String, @Nullable Object>> rows(PreparedStatement s) throws SQLException {
        List<Map<String, @Nullable Object>> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, @Nullable Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    if (value instanceof java.sql.Timestamp t) {
                        value = t.toInstant().toString();
                    } else if (value instanceof java.math.BigDecimal d) {
                        value = d.doubleValue();
                    }
                    row.put(meta.getColumnLabel(i), value);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
