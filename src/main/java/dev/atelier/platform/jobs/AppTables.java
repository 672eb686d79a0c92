package dev.atelier.platform.jobs;

import java.util.List;

/**
 * The job tables the documents describe, with their own status words. Each app's document is
 * the reference: Algorhythmic's generation_jobs (timeout is a status of its own), Delula's
 * generations (its status flow only moves forward: a generation waiting for another attempt stays
 * processing, and a failed one, whose credits were given back, is never run again), InfiniteStories' illustrations (at
 * most 5 retries, so 6 attempts), Rotation's jobs (max_retries, timeout_seconds and
 * depends_on_job_id per row, logs in job_logs).
 */
public final class AppTables {

    public static final AppTable ALGORHYTHMIC_GENERATION_JOBS = new AppTable(
            "algorhythmic.generation_jobs",
            "varchar",
            3,
            new AppTable.StatusWords("pending", "generating", null, "completed", "failed", "timeout", null),
            "status",
            null,
            "started_at",
            "completed_at",
            "error_message",
            "retry_count",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            true);

    public static final AppTable DELULA_GENERATIONS = new AppTable(
            "delula.generations",
            "integer",
            3,
            new AppTable.StatusWords("pending", "processing", "processing", "completed", "failed", null, null),
            "status",
            null,
            "processing_started_at",
            "completed_at",
            "error_message",
            null,
            null,
            null,
            null,
            null,
            "metadata",
            null,
            null,
            false);

    public static final AppTable INFINITESTORIES_ILLUSTRATIONS = new AppTable(
            "infinitestories.story_illustrations",
            "uuid",
            6,
            new AppTable.StatusWords("pending", "processing", "retrying", "completed", "failed", null, null),
            "status",
            null,
            null,
            null,
            "error_message",
            "retry_count",
            null,
            null,
            null,
            null,
            "generation_metadata",
            null,
            null,
            true);

    public static final AppTable ROTATION_JOBS = new AppTable(
            "rotation.jobs",
            "integer",
            4,
            new AppTable.StatusWords("pending", "running", "retrying", "completed", "failed", null, "cancelled"),
            "status",
            "rotation.job_status",
            "started_at",
            "completed_at",
            "error_message",
            "retry_count",
            "progress_percentage",
            "current_step",
            "heartbeat_at",
            "assigned_to",
            null,
            "timeout_seconds",
            "rotation.job_logs",
            true);

    public static final List<AppTable> ALL =
            List.of(ALGORHYTHMIC_GENERATION_JOBS, DELULA_GENERATIONS, INFINITESTORIES_ILLUSTRATIONS, ROTATION_JOBS);

    private AppTables() {}
}
