package dev.atelier.platform.cache;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache every server agrees on: one PostgreSQL table of an app, read and written as the service
 * role (these tables are no client's to read). JSON values. A key's TTL and whether it is cached
 * at all come from {@code rotation.cache_config} (full key {@code <name>:<key>}), else from the
 * defaults the app gives; the size (max_size_mb of the pattern matching {@code <name>:}) is held
 * by the periodic clean-up job, which deletes what the pattern's strategy values least.
 *
 * <p>Reads are counted in memory and written to the table's access columns in one statement per
 * flush ({@link Caches#FLUSH}), not one UPDATE per hit: a hit costs one indexed SELECT, and the
 * columns lag by at most a flush (or are lost with the server if it dies between two).
 */
public final class SharedCache extends Counts {

    private static final Logger log = LoggerFactory.getLogger(SharedCache.class);

    private final String name;
    private final SharedTable table;
    private final Duration defaultTtl;
    private final @Nullable Long defaultMaxBytes;
    private final Database database;
    private final Clock clock;
    private volatile CacheRules rules;
    private final ConcurrentHashMap<String, Pending> reads = new ConcurrentHashMap<>();

    private static final class Pending {
        final LongAdder count = new LongAdder();
        volatile Instant last;

        Pending(Instant at) {
            this.last = at;
        }
    }

    SharedCache(
            String name,
            SharedTable table,
            Duration defaultTtl,
            @Nullable Long defaultMaxBytes,
            Database database,
            Clock clock,
            CacheRules rules) {
        this.name = name;
        this.table = table;
        this.defaultTtl = defaultTtl;
        this.defaultMaxBytes = defaultMaxBytes;
        this.database = database;
        this.clock = clock;
        this.rules = rules;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "postgresql";
    }

    public String table() {
        return table.table();
    }

    public Duration ttlFor(String key) {
        CacheRules.Rule r = rules.forKey(name + ":" + key);
        return r == null ? defaultTtl : r.ttl();
    }

    public boolean enabledFor(String key) {
        CacheRules.Rule r = rules.forKey(name + ":" + key);
        return r == null || r.enabled();
    }

    /** The size the clean-up job holds the table to, if any. */
    public @Nullable Long maxBytes() {
        CacheRules.Rule whole = rules.forCache(name);
        return whole != null && whole.maxBytes() != null ? whole.maxBytes() : defaultMaxBytes;
    }

    CacheRules.Strategy strategy() {
        CacheRules.Rule whole = rules.forCache(name);
        return whole == null ? CacheRules.Strategy.LRU : whole.strategy();
    }

    /** The live value of a key, in a read-only transaction of its own. */
    public Optional<String> get(String key) throws SQLException {
        if (!enabledFor(key)) {
            misses.increment();
            return Optional.empty();
        }
        return database.transaction(Caller.serviceRole(), true, tx -> get(tx.connection(), key));
    }

    /** The live value of a key, read on the caller's connection (a service-role transaction). */
    public Optional<String> get(Connection c, String key) throws SQLException {
        if (!enabledFor(key)) {
            misses.increment();
            return Optional.empty();
        }
        Optional<String> value = table.read(c, key);
        if (value.isPresent()) {
            hits.increment();
            Instant now = clock.instant();
            Pending p = reads.computeIfAbsent(key, k -> new Pending(now));
            p.count.increment();
            p.last = now;
        } else {
            misses.increment();
        }
        return value;
    }

    /** Stores a value for its key's TTL, in a transaction of its own; nothing when the key is disabled. */
    public void put(String key, String json) throws SQLException {
        if (!enabledFor(key)) {
            return;
        }
        database.transaction(Caller.serviceRole(), tx -> {
            put(tx.connection(), key, json);
            return Boolean.TRUE;
        });
    }

    /** Stores a value for its key's TTL on the caller's connection (a service-role transaction). */
    public void put(Connection c, String key, String json) throws SQLException {
        if (!enabledFor(key)) {
            return;
        }
        table.write(c, key, json, ttlFor(key));
        puts.increment();
    }

    /** Removes a key at once, for every server. */
    public boolean invalidate(String key) throws SQLException {
        boolean removed = database.transaction(Caller.serviceRole(), tx -> table.delete(tx.connection(), key));
        reads.remove(key);
        if (removed) {
            invalidations.increment();
        }
        return removed;
    }

    /** Live rows and their bytes, across all servers. */
    public long[] size() throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> table.size(tx.connection()));
    }

    /** Writes the reads counted since the last flush to the table's access columns. */
    void flush() {
        if (reads.isEmpty()) {
            return;
        }
        Map<String, SharedTable.Access> taken = new HashMap<>();
        for (String k : List.copyOf(reads.keySet())) {
            Pending p = reads.remove(k);
            if (p != null) {
                taken.put(k, new SharedTable.Access(p.count.sum(), p.last));
            }
        }
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                table.accessed(tx.connection(), taken);
                return Boolean.TRUE;
            });
        } catch (SQLException | RuntimeException e) {
            log.warn("{}: access counts not written ({}); keeping them for the next flush", name, e.getMessage());
            taken.forEach((k, a) -> {
                Pending p = reads.computeIfAbsent(k, x -> new Pending(a.last()));
                p.count.add(a.count());
            });
        }
    }

    /** The clean-up job's part: expired rows, then the size. Returns the rows removed. */
    int expire(Connection c) throws SQLException {
        int n = table.expire(c);
        Long max = maxBytes();
        if (max != null) {
            n += table.trim(c, max, strategy());
        }
        evictions.add(n);
        return n;
    }

    void apply(CacheRules next) {
        rules = next;
    }
}
