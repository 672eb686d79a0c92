/**
 * The job engine: queued, scheduled and periodic work claimed from PostgreSQL, with leases,
 * heartbeats, retries, timeouts, cancellation, dependencies and cross-server limits, driving each
 * app's own job table.
 */
@NullMarked
package dev.atelier.platform.jobs;

import org.jspecify.annotations.NullMarked;
