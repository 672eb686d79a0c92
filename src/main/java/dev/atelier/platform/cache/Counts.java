package dev.atelier.platform.cache;

import java.util.concurrent.atomic.LongAdder;

/** The counters every cache keeps, whatever its kind, read live through {@link CacheMetrics}. */
abstract class Counts implements CacheMetrics {

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder puts = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder invalidations = new LongAdder();

    @Override
    public long hits() {
        return hits.sum();
    }

    @Override
    public long misses() {
        return misses.sum();
    }

    @Override
    public long puts() {
        return puts.sum();
    }

    @Override
    public long evictions() {
        return evictions.sum();
    }

    @Override
    public long invalidations() {
        return invalidations.sum();
    }
}
