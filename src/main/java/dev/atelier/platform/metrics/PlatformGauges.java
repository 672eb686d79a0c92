package dev.atelier.platform.metrics;

import dev.atelier.platform.cache.CacheMetrics;
import dev.atelier.platform.cache.Caches;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.telemetry.BatchWriter;
import dev.atelier.platform.telemetry.Ingestion;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is read at scrape time rather than counted as it happens: the database's reachability, the
 * pool, the jobs by kind and state with the age of the oldest due one, and the ingestion writers.
 * Database figures are refreshed at most every five seconds, however often Prometheus scrapes.
 */
final class PlatformGauges {

    private static final Logger log = LoggerFactory.getLogger(PlatformGauges.class);
    private static final long REFRESH_NANOS = 5_000_000_000L;

    private final Database database;
    private final Ingestion ingestion;
    private final Caches caches;
    private final MeterRegistry registry;
    private final MultiGauge jobs;
    private final MultiGauge jobLatency;
    private final Set<String> writersBound = ConcurrentHashMap.newKeySet();
    private final Set<String> cachesBound = ConcurrentHashMap.newKeySet();
    private volatile long refreshedAt = System.nanoTime() - REFRESH_NANOS;
    private volatile boolean up;

    PlatformGauges(Database database, Ingestion ingestion, Caches caches, MeterRegistry registry) {
        this.database = database;
        this.ingestion = ingestion;
        this.caches = caches;
        this.registry = registry;
        Gauge.builder("atelier.db.up", () -> up ? 1 : 0)
                .description("1 when the database answers a round trip within a second")
                .register(registry);
        for (String state : List.of("active", "idle", "total", "waiting", "max")) {
            Gauge.builder("atelier.db.pool.connections", database, d -> poolFigure(d.poolStatus(), state))
                    .description("request pool connections by state (waiting: callers waiting for one)")
                    .tag("state", state)
                    .register(registry);
        }
        for (String role : database.poolStatus().sharesInUse().keySet()) {
            Gauge.builder(
                            "atelier.db.pool.share.in.use",
                            database,
                            d -> d.poolStatus().sharesInUse().getOrDefault(role, 0))
                    .description("connections of the pool taken by one request role")
                    .tag("role", role)
                    .register(registry);
        }
        jobs = MultiGauge.builder("atelier.jobs")
                .description("jobs by kind and state (finished ones: within the last hour)")
                .register(registry);
        jobLatency = MultiGauge.builder("atelier.jobs.queue.latency")
                .description("age of the oldest job of a kind that is due and not yet claimed")
                .baseUnit("seconds")
                .register(registry);
    }

    private static double poolFigure(Database.PoolStatus pool, String state) {
        return switch (state) {
            case "active" -> pool.active();
            case "idle" -> pool.idle();
            case "total" -> pool.total();
            case "waiting" -> pool.waiting();
            default -> pool.max();
        };
    }

    /** Called before each scrape. */
    void refresh() {
        bindWriters();
        bindCaches();
        long now = System.nanoTime();
        if (now - refreshedAt < REFRESH_NANOS) {
            return;
        }
        refreshedAt = now;
        up = database.isReachable();
        if (!up) {
            return;
        }
        try {
            List<MultiGauge.Row<?>> counts = new ArrayList<>();
            List<MultiGauge.Row<?>> latencies = new ArrayList<>();
            database.transaction(Caller.serviceRole(), true, tx -> {
                try (PreparedStatement s = tx.connection().prepareStatement("""
                                select kind, state, count(*) from platform.jobs
                                where state in ('waiting', 'available', 'running') or finished_at > now() - interval '1 hour'
                                group by kind, state""");
                        ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        counts.add(MultiGauge.Row.of(
                                Tags.of("kind", rs.getString(1), "state", rs.getString(2)), rs.getLong(3)));
                    }
                }
                try (PreparedStatement s = tx.connection().prepareStatement("""
                                select kind, extract(epoch from now() - min(run_at)) from platform.jobs
                                where state = 'available' and run_at <= now() group by kind""");
                        ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        latencies.add(MultiGauge.Row.of(Tags.of("kind", rs.getString(1)), rs.getDouble(2)));
                    }
                }
                return counts.size();
            });
            jobs.register(counts, true);
            jobLatency.register(latencies, true);
        } catch (SQLException e) {
            log.debug("job figures for /metrics not read: {}", e.getMessage());
        }
    }

    /** Each cache's counters (caches are made as the apps start; bound at the first scrape after). */
    private void bindCaches() {
        for (CacheMetrics cache : caches.all()) {
            if (!cachesBound.add(cache.name())) {
                continue;
            }
            Tags tags = Tags.of("cache", cache.name(), "kind", cache.kind());
            FunctionCounter.builder("atelier.cache.requests", cache, CacheMetrics::hits)
                    .description("cache reads by result")
                    .tags(tags.and("result", "hit"))
                    .register(registry);
            FunctionCounter.builder("atelier.cache.requests", cache, CacheMetrics::misses)
                    .description("cache reads by result")
                    .tags(tags.and("result", "miss"))
                    .register(registry);
            FunctionCounter.builder("atelier.cache.puts", cache, CacheMetrics::puts)
                    .tags(tags)
                    .register(registry);
            FunctionCounter.builder("atelier.cache.evictions", cache, CacheMetrics::evictions)
                    .description("entries removed because they expired or the cache was full")
                    .tags(tags)
                    .register(registry);
        }
    }

    private void bindWriters() {
        for (BatchWriter<?> writer : ingestion.writers()) {
            if (!writersBound.add(writer.name())) {
                continue;
            }
            Tags tags = Tags.of("writer", writer.name());
            Gauge.builder("atelier.ingest.waiting.rows", writer, BatchWriter::waitingRows)
                    .description("rows accepted and not yet committed")
                    .tags(tags)
                    .register(registry);
            FunctionCounter.builder("atelier.ingest.written.rows", writer, BatchWriter::writtenRows)
                    .description("rows committed")
                    .tags(tags)
                    .register(registry);
            FunctionCounter.builder("atelier.ingest.refused.rows", writer, BatchWriter::refusedRows)
                    .description("rows refused with 429 for lack of room")
                    .tags(tags)
                    .register(registry);
        }
    }
}
