package dev.atelier.platform.telemetry;

import dev.atelier.platform.db.Database;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The server's batch writers, made with one configuration ({@code atelier.telemetry.capacity-rows}
 * rows may wait per writer, {@code atelier.telemetry.batch-rows} per COPY, {@code
 * atelier.telemetry.writers} threads copying at once) and closed together at
 * shutdown after writing what waits, before the connection pool closes.
 */
@Component
public class Ingestion implements AutoCloseable {

    private final Database database;
    private final int capacityRows;
    private final int batchRows;
    private final int threads;
    private final List<BatchWriter<?>> writers = new CopyOnWriteArrayList<>();

    Ingestion(
            Database database,
            @Value("${ATELIER_TELEMETRY_CAPACITY_ROWS:${atelier.telemetry.capacity-rows:100000}}") int capacityRows,
            @Value("${ATELIER_TELEMETRY_BATCH_ROWS:${atelier.telemetry.batch-rows:2500}}") int batchRows,
            @Value("${ATELIER_TELEMETRY_WRITERS:${atelier.telemetry.writers:2}}") int threads) {
        this.database = database;
        this.capacityRows = capacityRows;
        this.batchRows = batchRows;
        this.threads = threads;
    }

    /** A writer named after its table, e.g. {@code algorhythmic.telemetry_events}. */
    public <R> BatchWriter<R> writer(String name, BatchWriter.Sink<R> sink) {
        BatchWriter<R> writer = new BatchWriter<>(name, database, sink, capacityRows, batchRows, threads);
        writers.add(writer);
        return writer;
    }

    /** The writers made so far, for metrics and monitoring. */
    public List<BatchWriter<?>> writers() {
        return List.copyOf(writers);
    }

    @Override
    public void close() {
        for (BatchWriter<?> writer : writers) {
            writer.close(Duration.ofSeconds(10));
        }
    }
}
