package dev.atelier.platform.jobs;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An app's job table that the engine drives: which row is a job's, the app's own status words,
 * and the columns where the row shows what the engine knows. A null column is one the table does
 * not have. Names are trusted constants from code, never from a request.
 *
 * @param table           schema-qualified table; its primary key is column {@code id}
 * @param keyType         the SQL type of {@code id} (integer, uuid, varchar)
 * @param defaultAttempts attempts when neither the row nor the job type says otherwise
 * @param words           the app's status words
 * @param statusColumn    where the status word goes
 * @param statusType      the status column's SQL type (an enum) when not text
 * @param startedAt       set when an attempt starts
 * @param completedAt     set when the job finishes, however
 * @param error           the last error
 * @param retryCount      attempts before the current one
 * @param progress        0-100
 * @param progressMessage the step or message
 * @param heartbeatAt     renewed with each heartbeat
 * @param worker          the worker that holds the job
 * @param jobJson         a jsonb column whose key {@code job} gets attempt, progress and message
 * @param timeoutSeconds  a per-row timeout column
 * @param logTable        the app's own log table (job_id, level, message, details), else platform.job_logs
 * @param rerunnable      whether an operator may run a finished job again (its row goes back to pending)
 */
public record AppTable(
        String table,
        String keyType,
        int defaultAttempts,
        StatusWords words,
        String statusColumn,
        @Nullable String statusType,
        @Nullable String startedAt,
        @Nullable String completedAt,
        @Nullable String error,
        @Nullable String retryCount,
        @Nullable String progress,
        @Nullable String progressMessage,
        @Nullable String heartbeatAt,
        @Nullable String worker,
        @Nullable String jobJson,
        @Nullable String timeoutSeconds,
        @Nullable String logTable,
        boolean rerunnable) {

    public AppTable {
        Objects.requireNonNull(table);
        if (defaultAttempts < 1) {
            throw new IllegalArgumentException("defaultAttempts must be at least 1");
        }
    }

    /**
     * An app's words for the engine's states. A null word falls back: retrying to pending,
     * timeout and cancelled to failed.
     */
    public record StatusWords(
            String pending,
            String running,
            @Nullable String retrying,
            String completed,
            String failed,
            @Nullable String timeout,
            @Nullable String cancelled) {

        String retryingOrPending() {
            return retrying != null ? retrying : pending;
        }

        String finished(String outcome) {
            return switch (outcome) {
                case "completed" -> completed;
                case "timeout" -> timeout != null ? timeout : failed;
                case "cancelled" -> cancelled != null ? cancelled : failed;
                default -> failed;
            };
        }
    }

    /** The cast of a status word for this table's status column. */
    String statusCast() {
        return statusType == null ? "" : "::" + statusType;
    }
}
