/**
 * Ingestion at volume: events that clients send in batches, written to PostgreSQL by COPY in
 * group-committed batches, acknowledged only once committed, refused with a wait (429) when the
 * database falls behind rather than held in unbounded memory; and per-request performance
 * sampling on top of it.
 */
@NullMarked
package dev.atelier.platform.telemetry;

import org.jspecify.annotations.NullMarked;
