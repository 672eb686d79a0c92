package dev.atelier.platform.cache;

/**
 * What one cache has counted on this server since it started, read live: the surface a
 * Micrometer binder would wrap in function counters and gauges (one set of meters per cache,
 * tagged with {@link #name()} and {@link #kind()}), and what {@code GET /api/v1/admin/caches}
 * reports.
 */
public interface CacheMetrics {

    /** The cache's name, also the first part of every key its cache_config patterns see. */
    String name();

    /** {@code local} (Caffeine, this server) or {@code postgresql} (one table, all servers). */
    String kind();

    long hits();

    long misses();

    long puts();

    /** Entries removed because they expired or because the cache was over its size. */
    long evictions();

    /** Entries removed by the application ({@code invalidate}). */
    long invalidations();

    /** Hits over reads, 0 before the first read. */
    default double hitRate() {
        long reads = hits() + misses();
        return reads == 0 ? 0 : (double) hits() / reads;
    }
}
