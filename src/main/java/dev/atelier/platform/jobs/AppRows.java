package dev.atelier.platform.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes what the engine knows onto an app's job rows, in the engine's own transaction, in the
 * app's words. Every statement names only columns the {@link AppTable} declares.
 */
final class AppRows {

    private AppRows() {}

    /** Marks rows as running for these attempts; returns each row's own timeout in seconds, when it has one. */
    static Map<String, Integer> started(
            Connection c, AppTable t, List<String> keys, List<Integer> attempts, String owner, Instant now)
            throws SQLException {
        StringBuilder set = new StringBuilder(t.statusColumn() + " = ?" + t.statusCast());
        if (t.startedAt() != null) {
            set.append(", ").append(t.startedAt()).append(" = ?");
        }
        if (t.retryCount() != null) {
            set.append(", ").append(t.retryCount()).append(" = u.attempt - 1");
        }
        if (t.heartbeatAt() != null) {
            set.append(", ").append(t.heartbeatAt()).append(" = ?");
        }
        if (t.worker() != null) {
            set.append(", ").append(t.worker()).append(" = ?");
        }
        if (t.jobJson() != null) {
            set.append(", ")
                    .append(t.jobJson())
                    .append(" = coalesce(a.")
                    .append(t.jobJson())
                    .append(", '{}'::jsonb) || jsonb_build_object('job', jsonb_build_object('attempt', u.attempt))");
        }
        String returning = t.timeoutSeconds() != null ? "a." + t.timeoutSeconds() : "null::integer";
        Map<String, Integer> timeouts = new HashMap<>();
        try (PreparedStatement update = c.prepareStatement("update " + t.table() + " a set " + set
                + " from unnest(?::text[], ?::int[]) u(key, attempt) where a.id = u.key::" + t.keyType()
                + " returning a.id::text, " + returning)) {
            int i = 1;
            update.setString(i++, t.words().running());
            if (t.startedAt() != null) {
                update.setTimestamp(i++, JobStore.ts(now));
            }
            if (t.heartbeatAt() != null) {
                update.setTimestamp(i++, JobStore.ts(now));
            }
            if (t.worker() != null) {
                update.setString(i++, owner);
            }
            update.setArray(i++, c.createArrayOf("text", keys.toArray()));
            update.setArray(i, c.createArrayOf("integer", attempts.toArray()));
            try (ResultSet rs = update.executeQuery()) {
                while (rs.next()) {
                    int seconds = rs.getInt(2);
                    if (!rs.wasNull()) {
                        timeouts.put(rs.getString(1), seconds);
                    }
                }
            }
        }
        return timeouts;
    }

    static void heartbeat(Connection c, AppTable t, List<String> keys, Instant now) throws SQLException {
        if (t.heartbeatAt() == null || keys.isEmpty()) {
            return;
        }
        try (PreparedStatement update = c.prepareStatement(
                "update " + t.table() + " set " + t.heartbeatAt() + " = ? where id = any (?::" + t.keyType() + "[])")) {
            update.setTimestamp(1, JobStore.ts(now));
            update.setArray(2, c.createArrayOf("text", keys.toArray()));
            update.executeUpdate();
        }
    }

    static void completed(Connection c, AppTable t, List<String> keys, Instant now) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        StringBuilder set = new StringBuilder(t.statusColumn() + " = ?" + t.statusCast());
        if (t.completedAt() != null) {
            set.append(", ").append(t.completedAt()).append(" = ?");
        }
        if (t.error() != null) {
            set.append(", ").append(t.error()).append(" = null");
        }
        if (t.progress() != null) {
            set.append(", ").append(t.progress()).append(" = 100");
        }
        if (t.jobJson() != null) {
            set.append(", ")
                    .append(t.jobJson())
                    .append(" = coalesce(")
                    .append(t.jobJson())
                    .append(", '{}'::jsonb) || jsonb_build_object('job', coalesce(")
                    .append(t.jobJson())
                    .append(" -> 'job', '{}'::jsonb) || '{\"progress\": 100}'::jsonb)");
        }
        try (PreparedStatement update = c.prepareStatement(
                "update " + t.table() + " set " + set + " where id = any (?::" + t.keyType() + "[])")) {
            int i = 1;
            update.setString(i++, t.words().completed());
            if (t.completedAt() != null) {
                update.setTimestamp(i++, JobStore.ts(now));
            }
            update.setArray(i, c.createArrayOf("text", keys.toArray()));
            update.executeUpdate();
        }
    }

    /** The row waits for another attempt: the app's retrying (or pending) word, the error, the retries so far. */
    static void retrying(Connection c, AppTable t, String key, int attemptsSoFar, String error) throws SQLException {
        StringBuilder set = new StringBuilder(t.statusColumn() + " = ?" + t.statusCast());
        if (t.error() != null) {
            set.append(", ").append(t.error()).append(" = ?");
        }
        if (t.retryCount() != null) {
            set.append(", ").append(t.retryCount()).append(" = ?");
        }
        try (PreparedStatement update =
                c.prepareStatement("update " + t.table() + " set " + set + " where id = ?::" + t.keyType())) {
            int i = 1;
            update.setString(i++, t.words().retryingOrPending());
            if (t.error() != null) {
                update.setString(i++, error);
            }
            if (t.retryCount() != null) {
                update.setInt(i++, attemptsSoFar);
            }
            update.setString(i, key);
            update.executeUpdate();
        }
    }

    /** The row's job ended without success (outcome failed, timeout or cancelled). */
    static void gaveUp(Connection c, AppTable t, String key, String outcome, @Nullable String error, Instant now)
            throws SQLException {
        StringBuilder set = new StringBuilder(t.statusColumn() + " = ?" + t.statusCast());
        if (t.error() != null) {
            set.append(", ").append(t.error()).append(" = ?");
        }
        if (t.completedAt() != null) {
            set.append(", ").append(t.completedAt()).append(" = ?");
        }
        try (PreparedStatement update =
                c.prepareStatement("update " + t.table() + " set " + set + " where id = ?::" + t.keyType())) {
            int i = 1;
            update.setString(i++, t.words().finished(outcome));
            if (t.error() != null) {
                update.setString(i++, error != null ? error : outcome);
            }
            if (t.completedAt() != null) {
                update.setTimestamp(i++, JobStore.ts(now));
            }
            update.setString(i, key);
            update.executeUpdate();
        }
    }

    /** Back to the app's pending word (an operator's retry). */
    static void pending(Connection c, AppTable t, String key) throws SQLException {
        StringBuilder set = new StringBuilder(t.statusColumn() + " = ?" + t.statusCast());
        if (t.error() != null) {
            set.append(", ").append(t.error()).append(" = null");
        }
        if (t.completedAt() != null) {
            set.append(", ").append(t.completedAt()).append(" = null");
        }
        try (PreparedStatement update =
                c.prepareStatement("update " + t.table() + " set " + set + " where id = ?::" + t.keyType())) {
            update.setString(1, t.words().pending());
            update.setString(2, key);
            update.executeUpdate();
        }
    }

    static void progress(Connection c, AppTable t, String key, int attempt, double percent, @Nullable String message)
            throws SQLException {
        StringBuilder set = new StringBuilder();
        if (t.progress() != null) {
            set.append(t.progress()).append(" = ?");
        }
        if (t.progressMessage() != null) {
            set.append(set.isEmpty() ? "" : ", ").append(t.progressMessage()).append(" = ?");
        }
        if (t.jobJson() != null) {
            set.append(set.isEmpty() ? "" : ", ")
                    .append(t.jobJson())
                    .append(" = coalesce(")
                    .append(t.jobJson())
                    .append(", '{}'::jsonb) || jsonb_build_object('job', jsonb_build_object('attempt', ?::int, "
                            + "'progress', ?::numeric, 'message', ?::text))");
        }
        if (set.isEmpty()) {
            return;
        }
        try (PreparedStatement update =
                c.prepareStatement("update " + t.table() + " set " + set + " where id = ?::" + t.keyType())) {
            int i = 1;
            if (t.progress() != null) {
                update.setDouble(i++, percent);
            }
            if (t.progressMessage() != null) {
                update.setString(i++, message);
            }
            if (t.jobJson() != null) {
                update.setInt(i++, attempt);
                update.setDouble(i++, percent);
                update.setString(i++, message);
            }
            update.setString(i, key);
            update.executeUpdate();
        }
    }

    static void log(Connection c, AppTable t, String key, LogLevel level, String message) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "insert into " + t.logTable() + " (job_id, level, message) values (?::" + t.keyType() + ", ?, ?)")) {
            insert.setString(1, key);
            insert.setString(2, level.word());
            insert.setString(3, message);
            insert.executeUpdate();
        }
    }
}
