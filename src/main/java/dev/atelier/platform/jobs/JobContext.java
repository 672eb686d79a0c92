package dev.atelier.platform.jobs;

import org.jspecify.annotations.Nullable;

/** What a running job sees of itself, and how it reports. */
public interface JobContext {

    long id();

    String kind();

    /** 1 for the first attempt. */
    int attempt();

    /** The job's arguments as JSON text. */
    String args();

    /** The app row's primary key, for a job that drives an app table; null for platform work. */
    @Nullable
    String appKey();

    /** Records progress (0-100) and a message, on the job and on its app row, at once. */
    void progress(double percent, @Nullable String message);

    /** Appends a log line (Rotation's job_logs for Rotation jobs, platform.job_logs otherwise). */
    void log(LogLevel level, String message);

    /** True once the job was cancelled, timed out or lost its lease; the handler should stop. */
    boolean stopRequested();

    /** Work to commit atomically with this attempt's completion (see {@link JobEffect}). */
    void onComplete(JobEffect effect);
}
