package dev.atelier.platform.jobs;

import java.time.Duration;

/**
 * How one engine runs.
 *
 * @param workers           jobs this server runs at once
 * @param batch             most jobs claimed in one statement
 * @param pollInterval      how often an idle engine looks for work when no notification wakes it
 * @param heartbeatInterval how often it renews the leases of its running jobs
 * @param lease             how long a lease lasts without a heartbeat: a job whose worker died is
 *                          rescued this long after its last heartbeat
 * @param maintenance       how often it rescues expired jobs, settles dependencies and ticks schedules
 * @param shutdownGrace     how long stopping waits for running jobs before interrupting them
 */
public record JobEngineOptions(
        int workers,
        int batch,
        Duration pollInterval,
        Duration heartbeatInterval,
        Duration lease,
        Duration maintenance,
        Duration shutdownGrace) {

    public JobEngineOptions {
        if (workers < 1 || batch < 1) {
            throw new IllegalArgumentException("workers and batch must be at least 1");
        }
        if (lease.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("the lease must outlast at least two heartbeats");
        }
    }

    public static JobEngineOptions defaults() {
        return new JobEngineOptions(
                8,
                100,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofSeconds(10));
    }

    public JobEngineOptions withWorkers(int count) {
        return new JobEngineOptions(count, batch, pollInterval, heartbeatInterval, lease, maintenance, shutdownGrace);
    }

    public JobEngineOptions withLease(Duration heartbeat, Duration leaseDuration) {
        return new JobEngineOptions(workers, batch, pollInterval, heartbeat, leaseDuration, maintenance, shutdownGrace);
    }

    public JobEngineOptions withPollInterval(Duration interval) {
        return new JobEngineOptions(workers, batch, interval, heartbeatInterval, lease, maintenance, shutdownGrace);
    }

    public JobEngineOptions withMaintenance(Duration interval) {
        return new JobEngineOptions(workers, batch, pollInterval, heartbeatInterval, lease, interval, shutdownGrace);
    }

    public JobEngineOptions withShutdownGrace(Duration grace) {
        return new JobEngineOptions(workers, batch, pollInterval, heartbeatInterval, lease, maintenance, grace);
    }
}
