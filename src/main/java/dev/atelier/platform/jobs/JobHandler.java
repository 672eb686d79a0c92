package dev.atelier.platform.jobs;

/**
 * The work of one job type. Returning completes the job; throwing fails the attempt (retried
 * until the type's maximum). An interrupt means the job was cancelled, timed out or lost its
 * lease: stop soon, the outcome is already decided.
 */
@FunctionalInterface
public interface JobHandler {
    void run(JobContext job) throws Exception;
}
