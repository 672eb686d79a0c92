package dev.atelier.platform.jobs;

/**
 * The work of one job type. Returning completes the job; throwing fails the attempt (retried
 * until the type's maximum). An interrupt means the job was cancelled, timed out or lost its
 * lease: stop soon, the outcome is already decided. Throwing {@link java.util.concurrent.TimeoutException}
 * ends the attempt as timed out (as the type's own timeout would); {@link RetryLater} and
 * {@link GiveUpNow} choose when, or whether, the next attempt comes.
 */
@FunctionalInterface
public interface JobHandler {
    void run(JobContext job) throws Exception;
}
