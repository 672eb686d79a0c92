package dev.atelier.platform.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * An in-process cache (Caffeine) for what may differ briefly between servers. Its TTL, size
 * (bytes, by the spec's sizer) and whether it serves at all come from {@code rotation.cache_config}
 * when a pattern matches (per key for TTL and enabled, per cache for size), else from the spec;
 * a change of the table reaches a running cache at the next refresh, entries already held
 * included. Time is Caffeine's {@link Ticker}, so tests move it instead of waiting.
 */
public final class LocalCache<K, V> extends Counts {

    /** The defaults a cache keeps while no pattern of cache_config governs it. */
    public record Spec<V>(Duration ttl, long maxBytes, ToLongFunction<V> sizer) {
        public Spec {
            if (ttl.isNegative() || ttl.isZero() || maxBytes <= 0) {
                throw new IllegalArgumentException("a cache needs a positive TTL and size");
            }
        }
    }

    private record Timed<V>(V value, long writtenAt) {}

    /** Bookkeeping bytes of a Caffeine entry besides key and value (node, references, timer). */
    private static final long ENTRY_OVERHEAD = 96;

    private final String name;
    private final Spec<V> spec;
    private final Ticker ticker;
    private final Cache<K, Timed<V>> cache;
    private volatile CacheRules rules = CacheRules.NONE;
    private volatile boolean anyDisabled;
    private volatile boolean cacheEnabled = true;

    LocalCache(String name, Spec<V> spec, Ticker ticker, CacheRules rules) {
        this.name = name;
        this.spec = spec;
        this.ticker = ticker;
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .executor(Runnable::run) // maintenance on the caller's thread: no pool, deterministic in tests
                .maximumWeight(spec.maxBytes())
                .weigher((K k, Timed<V> t) -> (int) Math.min(Integer.MAX_VALUE, weigh(k, t.value())))
                .expireAfter(new Expiry<K, Timed<V>>() {
                    @Override
                    public long expireAfterCreate(K key, Timed<V> value, long now) {
                        return ttlFor(key).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(K key, Timed<V> value, long now, long current) {
                        return ttlFor(key).toNanos();
                    }

                    @Override
                    public long expireAfterRead(K key, Timed<V> value, long now, long current) {
                        return current;
                    }
                })
                .evictionListener((k, v, cause) -> evictions.increment())
                .build();
        apply(rules);
    }

    /**
     * A cache outside any server's registry, on its own ticker: not governed by cache_config and
     * not reported. For tests and tools that need a cache's behaviour with a clock they move.
     */
    public static <K, V> LocalCache<K, V> standalone(String name, Spec<V> spec, Ticker ticker) {
        return new LocalCache<>(name, spec, ticker, CacheRules.NONE);
    }

    private long weigh(K key, V value) {
        return ENTRY_OVERHEAD
                + 2L * String.valueOf(key).length()
                + Math.max(0, spec.sizer().applyAsLong(value));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "local";
    }

    /** The TTL a key gets when written now: its pattern's, else the spec's. */
    public Duration ttlFor(K key) {
        CacheRules.Rule r = rules.forKey(name + ":" + key);
        return r == null ? spec.ttl() : r.ttl();
    }

    /** Whether a key may be served and stored now. */
    public boolean enabledFor(K key) {
        if (!cacheEnabled) {
            return false;
        }
        if (!anyDisabled) {
            return true;
        }
        CacheRules.Rule r = rules.forKey(name + ":" + key);
        return r == null || r.enabled();
    }

    /** The cache's clock, in nanoseconds (Caffeine's ticker). */
    public long nanoTime() {
        return ticker.read();
    }

    /** The value held for a key, counted as a hit or a miss. */
    public @Nullable V getIfPresent(K key) {
        Timed<V> t = enabledFor(key) ? cache.getIfPresent(key) : null;
        (t == null ? misses : hits).increment();
        return t == null ? null : t.value();
    }

    /** The value held for a key, else the loader's, stored (unless the key's pattern is disabled). */
    public V get(K key, Function<? super K, ? extends V> loader) {
        if (!enabledFor(key)) {
            misses.increment();
            return loader.apply(key);
        }
        boolean[] loaded = {false};
        Timed<V> t = cache.get(key, k -> {
            loaded[0] = true;
            return new Timed<>(loader.apply(k), ticker.read());
        });
        if (loaded[0]) {
            misses.increment();
            puts.increment();
        } else {
            hits.increment();
        }
        return t.value();
    }

    public void put(K key, V value) {
        if (!enabledFor(key)) {
            return;
        }
        cache.put(key, new Timed<>(value, ticker.read()));
        puts.increment();
    }

    /**
     * Replaces a key's value atomically with what the function makes of the current one (null when
     * absent or expired); null removes it. Counted as a hit when there was a value, else a miss; the
     * entry is weighed and timed again, as a write.
     */
    public @Nullable V compute(K key, BiFunction<? super K, ? super @Nullable V, ? extends @Nullable V> remap) {
        if (!enabledFor(key)) {
            misses.increment();
            return remap.apply(key, null);
        }
        Timed<V> result = cache.asMap().compute(key, (k, old) -> {
            (old == null ? misses : hits).increment();
            V next = remap.apply(k, old == null ? null : old.value());
            if (next == null) {
                return null;
            }
            puts.increment();
            return new Timed<>(next, ticker.read());
        });
        return result == null ? null : result.value();
    }

    public void invalidate(K key) {
        if (cache.asMap().remove(key) != null) {
            invalidations.increment();
        }
    }

    public void invalidateAll() {
        long n = cache.estimatedSize();
        cache.invalidateAll();
        invalidations.add(n);
    }

    /** Entries held now (expired ones not yet cleaned up excluded after {@link #cleanUp()}). */
    public long entries() {
        return cache.estimatedSize();
    }

    /** Bytes held now, as the sizer counts them. */
    public long bytes() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    /** The size in bytes beyond which entries are evicted. */
    public long maxBytes() {
        return cache.policy().eviction().map(e -> e.getMaximum()).orElse(spec.maxBytes());
    }

    /** Runs Caffeine's pending maintenance (expiry, eviction) now. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** Takes new cache_config rows: size, on/off, and each held entry's expiry from its write time. */
    void apply(CacheRules next) {
        rules = next;
        List<CacheRules.Rule> all = next.rules();
        anyDisabled = all.stream().anyMatch(r -> !r.enabled());
        CacheRules.Rule whole = next.forCache(name);
        boolean enabled = whole == null || whole.enabled();
        long max = whole != null && whole.maxBytes() != null ? whole.maxBytes() : spec.maxBytes();
        cache.policy().eviction().ifPresent(e -> {
            if (e.getMaximum() != max) {
                e.setMaximum(max);
            }
        });
        cacheEnabled = enabled;
        if (!enabled) {
            invalidateAll();
            return;
        }
        long now = ticker.read();
        cache.policy()
                .expireVariably()
                .ifPresent(v -> cache.asMap().forEach((k, t) -> {
                    long left = t.writtenAt() + ttlFor(k).toNanos() - now;
                    if (left <= 0 || !enabledFor(k)) {
                        cache.asMap().remove(k, t);
                    } else {
                        v.setExpiresAfter(k, Duration.ofNanos(left));
                    }
                }));
        cache.cleanUp();
    }
}
