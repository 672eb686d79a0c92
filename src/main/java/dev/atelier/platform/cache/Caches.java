package dev.atelier.platform.cache;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The server's caches by name, and what they share: the rows of {@code rotation.cache_config}
 * (re-read every {@code refresh}, so a change reaches every server without a restart), the flush
 * of PostgreSQL caches' access counts (every {@link #FLUSH}), and the clean-up job that expires
 * and trims every PostgreSQL cache once per period across all servers ({@link #EXPIRE_SCHEDULE}).
 */
public final class Caches implements AutoCloseable, SmartLifecycle {

    public static final Duration FLUSH = Duration.ofSeconds(5);
    public static final String EXPIRE_SCHEDULE = "platform.cache.expire";
    private static final Logger log = LoggerFactory.getLogger(Caches.class);

    private final Database database;
    private final Clock clock;
    private final Ticker ticker;
    private final Duration refresh;
    private final Map<String, LocalCache<?, ?>> locals = new ConcurrentSkipListMap<>();
    private final Map<String, SharedCache> shared = new ConcurrentSkipListMap<>();
    private volatile CacheRules rules = CacheRules.NONE;
    private volatile @Nullable ScheduledExecutorService background;

    Caches(Database database, Clock clock, Ticker ticker, Duration refresh) {
        this.database = database;
        this.clock = clock;
        this.ticker = ticker;
        this.refresh = refresh;
    }

    /** An in-process cache; one per name. */
    public <K, V> LocalCache<K, V> local(String name, LocalCache.Spec<V> spec) {
        claim(name);
        LocalCache<K, V> c = new LocalCache<>(name, spec, ticker, rules);
        locals.put(name, c);
        return c;
    }

    /**
     * A PostgreSQL cache over a table shaped as InfiniteStories' {@code cache_entries}; the
     * clean-up job calls {@code cleanupFunction()} when given (the document's own function), else
     * deletes expired rows itself.
     */
    public SharedCache keyValue(
            String name, String table, @Nullable String cleanupFunction, Duration ttl, @Nullable Long maxBytes) {
        return register(name, new SharedTable.KeyValue(table, cleanupFunction), ttl, maxBytes);
    }

    /**
     * A PostgreSQL cache over a table shaped as Rotation's {@code metadata_cache}; keys are
     * {@code <entity_type>:<entity_id>:<cache_key>}.
     */
    public SharedCache metadata(String name, String table, Duration ttl, @Nullable Long maxBytes) {
        return register(name, new SharedTable.Entity(table), ttl, maxBytes);
    }

    private SharedCache register(String name, SharedTable table, Duration ttl, @Nullable Long maxBytes) {
        claim(name);
        SharedCache c = new SharedCache(name, table, ttl, maxBytes, database, clock, rules);
        shared.put(name, c);
        return c;
    }

    private synchronized void claim(String name) {
        if (!name.matches("[a-z][a-z0-9_.]{0,99}")) {
            throw new IllegalArgumentException("a cache name is lower-case letters, digits, _ and .: " + name);
        }
        if (locals.containsKey(name) || shared.containsKey(name)) {
            throw new IllegalStateException("a cache named " + name + " exists already");
        }
    }

    /** Every cache of this server, local ones first, each by name. */
    public List<CacheMetrics> all() {
        List<CacheMetrics> out = new ArrayList<>(locals.values());
        out.addAll(shared.values());
        return out;
    }

    public Optional<LocalCache<?, ?>> local(String name) {
        return Optional.ofNullable(locals.get(name));
    }

    public Optional<SharedCache> shared(String name) {
        return Optional.ofNullable(shared.get(name));
    }

    List<CacheRules.Rule> rules() {
        return rules.rules();
    }

    /** Re-reads cache_config and applies it to every cache when it changed. */
    public void refresh() throws SQLException {
        List<CacheRules.Rule> rows = database.transaction(Caller.serviceRole(), true, tx -> read(tx.connection()));
        if (rows.equals(rules.rules()) || sameRows(rows)) {
            return;
        }
        CacheRules next = new CacheRules(rows);
        rules = next;
        locals.values().forEach(c -> c.apply(next));
        shared.values().forEach(c -> c.apply(next));
        log.info("cache_config applied: {} pattern(s)", rows.size());
    }

    private boolean sameRows(List<CacheRules.Rule> rows) {
        return rows.size() == rules.rules().size() && rules.rules().containsAll(rows);
    }

    private static List<CacheRules.Rule> read(Connection c) throws SQLException {
        List<CacheRules.Rule> rows = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("select id, cache_key_pattern, ttl_seconds, max_size_mb,"
                        + " cache_strategy, enabled from rotation.cache_config order by id");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                int mb = rs.getInt(4);
                Long maxBytes = rs.wasNull() ? null : mb * 1024L * 1024L;
                rows.add(new CacheRules.Rule(
                        rs.getInt(1),
                        rs.getString(2),
                        Duration.ofSeconds(rs.getInt(3)),
                        maxBytes,
                        CacheRules.Strategy.of(rs.getString(5)),
                        rs.getBoolean(6)));
            }
        }
        return rows;
    }

    /** Writes every PostgreSQL cache's pending access counts. */
    public void flush() {
        shared.values().forEach(SharedCache::flush);
    }

    /** The clean-up job's work, now, in one transaction: returns the rows removed. */
    public int expire() throws SQLException {
        return database.transaction(Caller.serviceRole(), this::expire);
    }

    int expire(Database.Transaction tx) throws SQLException {
        int n = 0;
        for (SharedCache c : shared.values()) {
            n += c.expire(tx.connection());
        }
        return n;
    }

    /** Reads cache_config and starts the refresh and flush loop of this server (with the application). */
    @Override
    public synchronized void start() {
        try {
            refresh();
        } catch (SQLException | RuntimeException e) {
            log.warn("cache_config not read at start ({}); caches use their defaults until it is", e.getMessage());
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "caches");
            t.setDaemon(true);
            return t;
        });
        s.scheduleWithFixedDelay(this::refreshQuietly, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
        s.scheduleWithFixedDelay(this::flush, FLUSH.toMillis(), FLUSH.toMillis(), TimeUnit.MILLISECONDS);
        background = s;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (SQLException | RuntimeException e) {
            log.debug("cache_config not re-read ({})", e.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return background != null;
    }

    /** Stops the loop and writes the pending access counts (with the application). */
    @Override
    public void stop() {
        close();
    }

    @Override
    public synchronized void close() {
        ScheduledExecutorService s = background;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            background = null;
        }
        flush();
    }
}
