package dev.atelier.platform.jobs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/** A job this engine holds: from its claim until its outcome is committed (or found to be lost). */
final class Running {

    final JobRef job;
    final JobType type;
    final @Nullable AppTable table;
    final List<JobEffect> effects = new CopyOnWriteArrayList<>();
    /** null while it may run on; cancelled, timeout or lost once the engine decided otherwise. */
    volatile @Nullable String stop;

    /** Set when the handler asked for a later retry ({@link RetryLater}) or none ({@link GiveUpNow}). */
    volatile java.time.@Nullable Duration retryAfter;

    volatile boolean giveUpNow;

    volatile @Nullable Thread thread;
    volatile @Nullable Future<?> timeout;

    Running(JobRef job, JobType type, @Nullable AppTable table) {
        this.job = job;
        this.type = type;
        this.table = table;
    }

    /** Asks the handler to stop for {@code reason}; the first reason wins. */
    synchronized void stop(String reason) {
        if (stop == null) {
            stop = reason;
            Thread running = thread;
            if (running != null) {
                running.interrupt();
            }
        }
    }

    synchronized void started(Thread worker) {
        thread = worker;
        if (stop != null) {
            worker.interrupt();
        }
    }

    synchronized void ended() {
        thread = null;
        Thread.interrupted(); // a stop that raced with the end must not leak into the pool's next task
        Future<?> pending = timeout;
        if (pending != null) {
            pending.cancel(false);
        }
    }
}
