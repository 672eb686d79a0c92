package dev.atelier.platform.telemetry;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the rows of many requests into one table by COPY, group-committed: a writer thread takes
 * every submission waiting (up to {@code maxBatchRows} rows), copies them in one transaction with
 * whatever the sink adds to it ({@link Sink#afterCopy}, e.g. counters), commits, and only then
 * completes each submission's future, so a request that was answered "accepted" has its rows
 * committed. If the batch fails, each submission is retried alone, so one bad request fails only
 * itself.
 *
 * <p>Memory is bounded: at most {@code capacityRows} rows wait. A submission that does not fit is
 * refused at once with {@link Overloaded} and a wait estimated from the recent write rate; that is
 * the back-pressure the endpoints answer as 429 with Retry-After.
 */
public final class BatchWriter<R> implements AutoCloseable {

    /** Where the rows go. */
    public interface Sink<R> {

        /** The COPY statement, {@code copy <table> (<columns>) from stdin}, text format. */
        String copyStatement();

        /** Writes one row's columns in the statement's order, then {@link CopyRows#endRow()}. */
        void write(R row, CopyRows out);

        /** More work in the same transaction, after the rows are copied (counters, summaries). */
        default void afterCopy(Database.Transaction tx, List<R> rows) throws SQLException {}
    }

    /** Too many rows are waiting for the database; try again after {@link #retryAfter()}. */
    public static final class Overloaded extends RuntimeException {

        private final Duration retryAfter;

        Overloaded(String name, Duration retryAfter) {
            super(name + ": too many events are waiting to be written; retry in " + retryAfter.toSeconds() + " s");
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    private record Submission<R>(List<R> rows, CompletableFuture<Void> done) {}

    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
    private static final int FLUSH_BYTES = 256 * 1024;

    private final String name;
    private final Database database;
    private final Sink<R> sink;
    private final int capacityRows;
    private final int maxBatchRows;
    private final LinkedBlockingQueue<Submission<R>> queue = new LinkedBlockingQueue<>();
    private final AtomicLong waitingRows = new AtomicLong();
    private final AtomicLong writtenRows = new AtomicLong();
    private final AtomicLong refusedRows = new AtomicLong();
    private final List<Thread> threads;
    private volatile boolean closing;
    /** Rows per second of the last batch (EWMA), for the Retry-After estimate. */
    private volatile double rate = 10_000;

    /**
     * A writer with {@code threads} writing threads: each copies one batch at a time, so with two
     * one batch is being copied while the next forms, and PostgreSQL may use two cores.
     */
    public BatchWriter(String name, Database database, Sink<R> sink, int capacityRows, int maxBatchRows, int threads) {
        if (capacityRows < 1 || maxBatchRows < 1 || threads < 1) {
            throw new IllegalArgumentException(name + ": capacity, batch size and threads must be positive");
        }
        this.name = name;
        this.database = database;
        this.sink = sink;
        this.capacityRows = capacityRows;
        this.maxBatchRows = maxBatchRows;
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread writer = new Thread(this::run, "batch-writer-" + name + "-" + i);
            writer.setDaemon(true);
            writer.start();
            started.add(writer);
        }
        this.threads = List.copyOf(started);
    }

    /**
     * Queues {@code rows} to be written together (all or none); the future completes when they
     * are committed and fails when they could not be.
     *
     * @throws Overloaded when they do not fit in what may wait
     */
    public CompletableFuture<Void> submit(List<R> rows) {
        if (closing) {
            throw new Overloaded(name, Duration.ofSeconds(1));
        }
        long waiting = waitingRows.addAndGet(rows.size());
        if (waiting > capacityRows && waiting > rows.size()) {
            waitingRows.addAndGet(-rows.size());
            refusedRows.addAndGet(rows.size());
            long seconds = (long) Math.ceil((waiting - rows.size()) / Math.max(rate, 1.0));
            throw new Overloaded(name, Duration.ofSeconds(Math.max(1, Math.min(seconds, 60))));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Submission<>(List.copyOf(rows), done));
        return done;
    }

    /** The writer's name: its table. */
    public String name() {
        return name;
    }

    /** Rows accepted and not yet committed. */
    public long waitingRows() {
        return waitingRows.get();
    }

    /** Rows committed since start. */
    public long writtenRows() {
        return writtenRows.get();
    }

    /** Rows refused for lack of room since start. */
    public long refusedRows() {
        return refusedRows.get();
    }

    /** Writes what is waiting, then stops; waits at most {@code timeout}. */
    public void close(Duration timeout) {
        closing = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread writer : threads) {
            try {
                writer.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writer.interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private void run() {
        CopyRows out = new CopyRows();
        while (!closing || !queue.isEmpty()) {
            Submission<R> first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            List<Submission<R>> batch = new ArrayList<>();
            batch.add(first);
            int rows = first.rows().size();
            // Writers take what fits one after the other; another's poll of the first may still
            // race a peek here, in which case a batch is at most one submission over the size.
            synchronized (queue) {
                for (Submission<R> next = queue.peek();
                        next != null && rows + next.rows().size() <= maxBatchRows;
                        next = queue.peek()) {
                    Submission<R> taken = queue.poll();
                    if (taken == null) {
                        break;
                    }
                    batch.add(taken);
                    rows += taken.rows().size();
                }
            }
            try {
                if (!write(batch, out) && batch.size() > 1) {
                    for (Submission<R> one : batch) {
                        write(List.of(one), out);
                    }
                }
            } finally {
                waitingRows.addAndGet(-rows);
            }
        }
        for (Submission<R> left; (left = queue.poll()) != null; ) {
            waitingRows.addAndGet(-left.rows().size());
            left.done().completeExceptionally(new IllegalStateException(name + " stopped before writing these rows"));
        }
    }

    /**
     * Copies the submissions in one transaction; true when committed (their futures completed).
     * On failure a lone submission's future fails; a batch's stay open for the retry one by one.
     */
    private boolean write(List<Submission<R>> batch, CopyRows out) {
        long started = System.nanoTime();
        List<R> all = new ArrayList<>();
        for (Submission<R> s : batch) {
            all.addAll(s.rows());
        }
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                CopyIn copy =
                        tx.connection().unwrap(PGConnection.class).getCopyAPI().copyIn(sink.copyStatement());
                try {
                    out.clear();
                    for (R row : all) {
                        sink.write(row, out);
                        if (out.length() >= FLUSH_BYTES) {
                            copy.writeToCopy(out.bytes(), 0, out.length());
                            out.clear();
                        }
                    }
                    copy.writeToCopy(out.bytes(), 0, out.length());
                    copy.endCopy();
                } finally {
                    if (copy.isActive()) {
                        copy.cancelCopy();
                    }
                }
                sink.afterCopy(tx, all);
                return all.size();
            });
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                LOG.warn("{}: could not write {} rows: {}", name, all.size(), e.getMessage());
                batch.get(0).done().completeExceptionally(e);
            }
            return false;
        }
        writtenRows.addAndGet(all.size());
        double seconds = Math.max((System.nanoTime() - started) / 1e9, 1e-3);
        rate = 0.8 * rate + 0.2 * (all.size() / seconds);
        for (Submission<R> s : batch) {
            s.done().complete(null);
        }
        return true;
    }
}
