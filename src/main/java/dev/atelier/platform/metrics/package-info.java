/**
 * Metrics in Prometheus' text format at {@code /metrics} (Micrometer): HTTP requests by route,
 * the connection pool, the database, jobs, the ledger, storage bytes and the ingestion writers;
 * served to loopback only unless a metrics key is configured.
 */
@NullMarked
package dev.atelier.platform.metrics;

import org.jspecify.annotations.NullMarked;
