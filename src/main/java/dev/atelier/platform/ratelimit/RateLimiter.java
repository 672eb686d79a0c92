package dev.atelier.platform.ratelimit;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Cidrs;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.notify.ChangeListener;
import io.micrometer.core.instrument.Metrics;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's one rate limiter (docs/adr/0017-rate-limits.md). Rules come from
 * {@code platform.rate_limit_rules} and Rotation's {@code rotation.rate_limits}, held in memory and
 * reloaded when channel {@code atelier_ratelimit} says they changed. Counts live in
 * {@code platform.rate_limit_counters}: a check is one upsert over every key the request counts
 * against (a fixed window per key that starts with its first request), so every server on the
 * database shares each count. Two things are kept per server: a key's refusal (a key over its
 * limit stays over it until its window ends, on every server, so it is refused here without a
 * round trip until then), and for rules of large limits a lease (places counted in the database
 * ahead of use and handed out here; every place handed out was counted, so the limit holds across
 * servers).
 */
public final class RateLimiter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
    private static final int MAX_IDENTIFIER = 200;
    private static final int MAX_LOCAL_BLOCKS = 100_000;
    private static final long CONNECTION_WAIT_MILLIS = 5_000;
    private static final int MAX_BATCH = 256;

    /**
     * Rules allowing at least this many requests per window are counted in leases: a check that
     * finds no lease counts {@link #leaseSize} places at once and keeps the unused ones for this
     * server's next checks of the key (see {@link Lease}).
     */
    static final int LEASE_MIN_LIMIT = 1000;
    /** A lease is at most this share of a window's limit, so unused leases waste little of it. */
    static final int LEASE_DIVISOR = 100;

    static final int LEASE_MAX = 1000;

    /**
     * Counts {@code n} requests on each key: a key whose window ended starts a new one with them.
     * Concurrent checks are combined into one statement (see {@link #hit}), so a key may come
     * with more than one request.
     */
    static final String HIT = """
            insert into platform.rate_limit_counters as c (key, window_start, window_end, hits)
            select k, now(), now() + w * interval '1 second', n
            from unnest(?::text[], ?::int[], ?::int[]) as t(k, w, n)
            on conflict (key) do update set
                window_start = case when c.window_end <= now() then now() else c.window_start end,
                window_end = case when c.window_end <= now() then excluded.window_end else c.window_end end,
                hits = case when c.window_end <= now() then excluded.hits
                            else least(c.hits, 2147483647 - excluded.hits) + excluded.hits end
            returning key, hits, window_start, window_end""";

    private static final String HIT_RESULT =
            "select key, hits, ceil(extract(epoch from (window_end - now())))::bigint from hit";

    private static final String HIT_ONLY = "with hit as (" + HIT + ") " + HIT_RESULT;

    /** The same, keeping Rotation's rows' state columns current in the same statement. */
    private static final String HIT_AND_ROTATION = "with hit as (" + HIT + "), rot as ("
            + " update rotation.rate_limits r set current_count = h.hits, window_start = h.window_start,"
            + " is_blocked = h.hits > r.requests_per_window + r.burst_allowance,"
            + " blocked_until = case when h.hits > r.requests_per_window + r.burst_allowance"
            + " then h.window_end end"
            + " from hit h, unnest(?::text[], ?::int[]) as rk(key, id)"
            + " where rk.key = h.key and r.id = rk.id) "
            + HIT_RESULT;

    /** The longest a missed rule-change notification goes unnoticed. */
    private static final Duration POLL = Duration.ofSeconds(30);

    private static final String FORGIVE = "delete from platform.rate_limit_counters where key = any(?::text[])";

    private final Database database;
    private final RateLimiter.@Nullable Pool pool;
    private final JobEngine.@Nullable Listener listener;
    private final Cidrs exempt;
    private final boolean leasing;
    private final Object reloadLock = new Object();
    private final ConcurrentHashMap<String, Long> blockedUntilNanos = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final LongAdder statements = new LongAdder();
    private final LongAdder counted = new LongAdder();
    private volatile List<Rule> requestRules = List.of();
    private volatile Map<String, List<Rule>> actionRules = Map.of();
    private final ChangeListener changes;

    /**
     * @param listener    opens connections outside the request pool (the LISTEN and the limiter's
     *                    own connections); without one, checks run through the request pool
     * @param exempt      client addresses never limited
     * @param connections how many connections the checks use at most
     * @param leasing     whether rules of large limits are counted in leases ({@link #leaseSize});
     *                    without, every check is one count in the database
     */
    public RateLimiter(
            Database database, JobEngine.@Nullable Listener listener, Cidrs exempt, int connections, boolean leasing) {
        this.database = database;
        this.listener = listener;
        this.exempt = exempt;
        this.leasing = leasing;
        this.pool = listener == null ? null : new Pool(listener, connections);
        // A missed notification is caught up within a poll; without a listener, polling alone.
        this.changes = new ChangeListener("atelier_ratelimit", listener, this::reload, POLL, POLL, null);
    }

    /** Loads the rules and starts listening for their changes. */
    public void start() {
        try {
            reload();
        } catch (SQLException | RuntimeException e) {
            log.warn("rate-limit rules not loaded at start ({}); retrying when notified", e.getMessage());
        }
        changes.start();
    }

    /** Whether this server hears rule changes now. */
    public boolean isListening() {
        return changes.isSubscribed();
    }

    @Override
    public void close() {
        changes.close();
        if (pool != null) {
            pool.close();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Rules
    // ------------------------------------------------------------------------------------------

    /** Reads the rules again and forgets this server's refusals (a limit may have been raised). */
    public void reload() throws SQLException {
        synchronized (reloadLock) {
            List<Rule> rules = database.transaction(Caller.serviceRole(), true, tx -> load(tx.connection()));
            List<Rule> requests = new ArrayList<>();
            Map<String, List<Rule>> actions = new HashMap<>();
            for (Rule rule : rules) {
                if (rule.action() != null) {
                    actions.computeIfAbsent(rule.action(), a -> new ArrayList<>())
                            .add(rule);
                } else {
                    requests.add(rule);
                }
            }
            actions.replaceAll((a, list) -> List.copyOf(list));
            requestRules = List.copyOf(requests);
            actionRules = Map.copyOf(actions);
            blockedUntilNanos.clear();
            leases.clear(); // a limit may have changed: count anew
        }
    }

    private static List<Rule> load(Connection c) throws SQLException {
        List<Rule> rules = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select name, identifier_type, endpoint_pattern, requests_per_window,"
                        + " window_seconds from platform.rate_limit_rules where enabled order by id")) {
            while (rs.next()) {
                Rule rule = rule(
                        rs.getString(1),
                        IdentifierType.of(rs.getString(2)),
                        null,
                        rs.getString(3),
                        rs.getInt(4),
                        rs.getInt(5),
                        null);
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        // Rotation's rows: a rule for one identifier on a path pattern (any method); the burst
        // allowance is added to the window's requests.
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select id, identifier, identifier_type, endpoint_pattern,"
                        + " requests_per_window::bigint + burst_allowance, window_duration_seconds"
                        + " from rotation.rate_limits order by id")) {
            while (rs.next()) {
                int id = rs.getInt(1);
                String pattern = rs.getString(4);
                if (!pattern.startsWith("/")) {
                    log.warn("rotation.rate_limits row {}: endpoint_pattern {} is not a path; ignored", id, pattern);
                    continue;
                }
                Rule rule = rule(
                        "rotation.rate_limits." + id,
                        IdentifierType.of(rs.getString(3)),
                        rs.getString(2),
                        "* " + pattern,
                        (int) Math.min(Integer.MAX_VALUE, rs.getLong(5)),
                        rs.getInt(6),
                        id);
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        return rules;
    }

    private static @Nullable Rule rule(
            String name,
            IdentifierType type,
            @Nullable String identifier,
            String endpoint,
            int limit,
            int window,
            @Nullable Integer rotationId) {
        try {
            if (endpoint.startsWith(Rule.ACTION)) {
                return new Rule(
                        name,
                        type,
                        identifier,
                        null,
                        null,
                        endpoint.substring(Rule.ACTION.length()),
                        limit,
                        window,
                        rotationId);
            }
            int space = endpoint.indexOf(' ');
            String method = endpoint.substring(0, space);
            return new Rule(
                    name,
                    type,
                    identifier,
                    "*".equals(method) ? null : method,
                    Rule.glob(endpoint.substring(space + 1)),
                    null,
                    limit,
                    window,
                    rotationId);
        } catch (RuntimeException e) {
            log.warn("rate-limit rule {} ignored: {}", name, e.getMessage());
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------------------------------

    /** Whether a rule of this policy name is loaded (for tests and administration). */
    public boolean hasRule(String policy) {
        return requestRules.stream().anyMatch(r -> r.policy().equals(policy))
                || actionRules.values().stream()
                        .flatMap(List::stream)
                        .anyMatch(r -> r.policy().equals(policy));
    }

    /** The identifier types the rules for this request need (so the caller resolves only those). */
    public Set<IdentifierType> needs(String method, String path) {
        Set<IdentifierType> types = EnumSet.noneOf(IdentifierType.class);
        for (Rule rule : requestRules) {
            if (rule.matchesRequest(method, path)) {
                types.add(rule.type());
            }
        }
        return types;
    }

    /** Counts a request against the rules whose method and path pattern match it. */
    public Decision request(String method, String path, Identifiers ids) throws SQLException {
        List<Rule> rules = requestRules;
        if (rules.isEmpty()) {
            return Decision.NONE;
        }
        List<Rule> matching = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.matchesRequest(method, path)) {
                matching.add(rule);
            }
        }
        return counted("request", check(matching, ids));
    }

    /** Counts one step of the server's own code ({@code action:<name>} rules), e.g. a password sign-in. */
    public Decision action(String action, Identifiers ids) throws SQLException {
        return counted(action, check(actionRules.getOrDefault(action, List.of()), ids));
    }

    /** Refusals counted for /metrics ({@code atelier_ratelimit_rejections_total{kind}}). */
    private static Decision counted(String kind, Decision decision) {
        if (!decision.allowed()) {
            Metrics.counter("atelier.ratelimit.rejections", "kind", kind).increment();
        }
        return decision;
    }

    /**
     * Starts the count of {@code action}'s rules of {@code type} again for these identifiers: a
     * successful sign-in forgives the wrong passwords typed before it from that address.
     */
    public void forgive(String action, IdentifierType type, Identifiers ids) throws SQLException {
        List<String> keys = new ArrayList<>();
        for (Rule rule : actionRules.getOrDefault(action, List.of())) {
            String key = rule.type() == type ? key(rule, ids) : null;
            if (key != null) {
                keys.add(key);
                blockedUntilNanos.remove(key);
                leases.remove(key);
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        run(c -> {
            try (PreparedStatement delete = c.prepareStatement(FORGIVE)) {
                Array array = c.createArrayOf("text", keys.toArray());
                delete.setArray(1, array);
                return delete.executeUpdate();
            }
        });
    }

    /** Checks counted in the database and the statements that counted them, since start (bench). */
    public long[] countedAndStatements() {
        return new long[] {counted.sum(), statements.sum()};
    }

    /** Forgets this server's refusals, so the next check of every key asks the database. */
    public void forgetLocalRefusals() {
        blockedUntilNanos.clear();
        leases.clear();
    }

    /**
     * How many places a check of {@code rule} counts at once: 1, or for a rule of at least
     * {@value #LEASE_MIN_LIMIT} requests per window a hundredth of its limit (at most
     * {@value #LEASE_MAX}). Rotation's rows are never leased: their current_count is read as the
     * requests made.
     */
    static int leaseSize(Rule rule) {
        if (rule.rotationId() != null || rule.limit() < LEASE_MIN_LIMIT) {
            return 1;
        }
        return Math.min(LEASE_MAX, rule.limit() / LEASE_DIVISOR);
    }

    private Decision check(List<Rule> rules, Identifiers ids) throws SQLException {
        if (rules.isEmpty() || exempt.contains(ids.ip())) {
            return Decision.NONE;
        }
        // Sorted by key: concurrent checks lock the counters' rows in one order.
        TreeMap<String, Rule> keyed = new TreeMap<>();
        for (Rule rule : rules) {
            String key = key(rule, ids);
            if (key != null) {
                keyed.putIfAbsent(key, rule);
            }
        }
        if (keyed.isEmpty()) {
            return Decision.NONE;
        }
        long now = System.nanoTime();
        // A key with a lease here takes a place from it (a place counted already, so it is
        // allowed even if the key was refused since); a key refused here stays refused to its
        // window's end; the others are counted in the database.
        List<Decision.Outcome> outcomes = new ArrayList<>(keyed.size());
        List<Decision.Outcome> refused = new ArrayList<>();
        TreeMap<String, Rule> toCount = new TreeMap<>();
        Map<String, Integer> asks = new HashMap<>();
        for (Map.Entry<String, Rule> e : keyed.entrySet()) {
            String key = e.getKey();
            Rule rule = e.getValue();
            int size = leasing ? leaseSize(rule) : 1;
            Lease lease = size > 1 ? leases.get(key) : null;
            Decision.Outcome taken = lease == null ? null : lease.take(rule, now);
            if (taken != null) {
                outcomes.add(taken);
                continue;
            }
            if (lease != null) {
                leases.remove(key, lease); // used up or past its window: a new one comes with the count
            }
            Long until = blockedUntilNanos.get(key);
            if (until != null) {
                long left = until - now;
                if (left > 0) {
                    refused.add(new Decision.Outcome(rule, 0, ceilSeconds(left), false));
                    continue;
                }
                blockedUntilNanos.remove(key, until);
            }
            toCount.put(key, rule);
            asks.put(key, size);
        }
        if (!refused.isEmpty()) {
            return new Decision(refused);
        }
        if (toCount.isEmpty()) {
            return new Decision(outcomes);
        }
        Map<String, long[]> counted = hit(toCount, asks);
        long after = System.nanoTime();
        for (Map.Entry<String, Rule> e : toCount.entrySet()) {
            String key = e.getKey();
            Rule rule = e.getValue();
            long[] row = counted.get(key);
            if (row == null) {
                continue;
            }
            long last = row[0]; // this check's places in the window's count end here
            long asked = row[1];
            long reset = row[2];
            long before = last - asked;
            long granted = Math.max(0, Math.min(asked, rule.limit() - before));
            boolean allowed = granted > 0;
            outcomes.add(new Decision.Outcome(rule, (int) Math.max(0, rule.limit() - before - 1), reset, allowed));
            // Places are kept only while the window surely lasts, so none is used after its end.
            long windowEnd = after + TimeUnit.SECONDS.toNanos(reset - 1);
            if (granted > 1 && reset > 1) {
                if (leases.size() >= MAX_LOCAL_BLOCKS) {
                    leases.clear(); // unused places are lost: stricter, never looser
                }
                Lease fresh = new Lease(windowEnd, (int) granted - 1, last);
                leases.compute(key, (k, held) -> held != null && held.absorb(fresh, after) ? held : fresh);
            }
            if (!allowed && reset > 0) {
                if (blockedUntilNanos.size() >= MAX_LOCAL_BLOCKS) {
                    blockedUntilNanos.clear(); // only a shortcut: the database still refuses
                }
                // The window's end as this server's clock sees it, never later than the database's.
                blockedUntilNanos.put(key, windowEnd);
            }
        }
        return new Decision(outcomes);
    }

    /**
     * Places of one key's window counted in the database by this server and not used yet. Every
     * place handed out was counted before, so across servers no more than the limit are allowed;
     * places left unused when the window ends (or the lease is dropped) count without a request,
     * which is stricter by at most a lease per server and key.
     */
    private static final class Lease {
        private final long windowEndNanos;
        private final AtomicInteger left;
        /** The highest place of the window's count this server has counted. */
        private final AtomicLong lastPlace;

        Lease(long windowEndNanos, int left, long lastPlace) {
            this.windowEndNanos = windowEndNanos;
            this.left = new AtomicInteger(left);
            this.lastPlace = new AtomicLong(lastPlace);
        }

        /** Takes over another lease of the same window (two checks counted at once); false when expired. */
        boolean absorb(Lease other, long now) {
            if (windowEndNanos - now <= 0) {
                return false;
            }
            left.addAndGet(other.left.get());
            lastPlace.accumulateAndGet(other.lastPlace.get(), Math::max);
            return true;
        }

        /** A place for one request, or null when none is left or the window is about to end. */
        Decision.@Nullable Outcome take(Rule rule, long now) {
            long remainingNanos = windowEndNanos - now;
            if (remainingNanos <= 0) {
                return null;
            }
            int was = left.getAndUpdate(n -> n > 0 ? n - 1 : n);
            if (was <= 0) {
                return null;
            }
            // The window's count as this server knows it, less the places it has not used.
            long used = lastPlace.get() - (was - 1);
            return new Decision.Outcome(
                    rule, (int) Math.max(0, rule.limit() - used), ceilSeconds(remainingNanos) + 1, true);
        }
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    /** One check's keys, waiting to be counted by whichever thread holds a connection first. */
    private static final class Pending {
        final TreeMap<String, Rule> keyed;
        final Map<String, Integer> asks;
        final CompletableFuture<Map<String, long[]>> result = new CompletableFuture<>();

        Pending(TreeMap<String, Rule> keyed, Map<String, Integer> asks) {
            this.keyed = keyed;
            this.asks = asks;
        }

        int asks(String key) {
            return asks.getOrDefault(key, 1);
        }
    }

    /**
     * Counts the keys of one check. Checks that arrive while every connection is busy are queued,
     * and the next thread to get a connection counts all of them in one statement (as a group
     * commit does): under load, one round trip serves many requests. Each request still gets its
     * own place in each key's count, so exactly {@code limit} requests are allowed per window.
     */
    private Map<String, long[]> hit(TreeMap<String, Rule> keyed, Map<String, Integer> asks) throws SQLException {
        boolean rotation = keyed.values().stream().anyMatch(r -> r.rotationId() != null);
        Pool p = pool;
        if (rotation || p == null) {
            Pending alone = new Pending(keyed, asks);
            run(c -> {
                count(c, List.of(alone));
                return Boolean.TRUE;
            });
            return await(alone);
        }
        Pending mine = new Pending(keyed, asks);
        queue.add(mine);
        while (!mine.result.isDone()) {
            boolean led = p.tryRun(c -> {
                List<Pending> batch = new ArrayList<>();
                Pending next;
                while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                    batch.add(next);
                }
                if (!batch.isEmpty()) {
                    count(c, batch);
                    statements.increment();
                    counted.add(batch.size());
                }
                return Boolean.TRUE;
            });
            if (led) {
                synchronized (queue) {
                    queue.notifyAll(); // the counted ones return, the others try for the freed connection
                }
                continue;
            }
            // Blocked, not spinning: woken when a batch is counted (maybe this one) and its
            // connection is free again. The timeout only covers a wake-up that raced ahead.
            synchronized (queue) {
                if (!mine.result.isDone() && !p.hasFree()) {
                    try {
                        queue.wait(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new SQLTransientConnectionException("interrupted while counting", e);
                    }
                }
            }
        }
        return await(mine);
    }

    private static Map<String, long[]> await(Pending pending) throws SQLException {
        try {
            return pending.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw e;
        }
    }

    /** One statement for every key of every check of the batch; completes each check's future. */
    private static void count(Connection c, List<Pending> batch) throws SQLException {
        TreeMap<String, List<Pending>> byKey = new TreeMap<>();
        Map<String, Rule> rules = new HashMap<>();
        for (Pending pending : batch) {
            for (Map.Entry<String, Rule> e : pending.keyed.entrySet()) {
                byKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(pending);
                rules.putIfAbsent(e.getKey(), e.getValue());
            }
        }
        List<String> keys = new ArrayList<>(byKey.keySet());
        List<Integer> windows = new ArrayList<>(keys.size());
        List<Integer> counts = new ArrayList<>(keys.size());
        List<String> rotationKeys = new ArrayList<>();
        List<Integer> rotationIds = new ArrayList<>();
        for (Map.Entry<String, List<Pending>> e : byKey.entrySet()) {
            String key = e.getKey();
            Rule rule = java.util.Objects.requireNonNull(rules.get(key));
            windows.add(rule.windowSeconds());
            counts.add(e.getValue().stream().mapToInt(p -> p.asks(key)).sum());
            if (rule.rotationId() != null) {
                rotationKeys.add(key);
                rotationIds.add(rule.rotationId());
            }
        }
        Map<Pending, Map<String, long[]>> results = new HashMap<>();
        try (PreparedStatement hit = c.prepareStatement(rotationIds.isEmpty() ? HIT_ONLY : HIT_AND_ROTATION)) {
            hit.setArray(1, c.createArrayOf("text", keys.toArray()));
            hit.setArray(2, c.createArrayOf("int4", windows.toArray()));
            hit.setArray(3, c.createArrayOf("int4", counts.toArray()));
            if (!rotationIds.isEmpty()) {
                hit.setArray(4, c.createArrayOf("text", rotationKeys.toArray()));
                hit.setArray(5, c.createArrayOf("int4", rotationIds.toArray()));
            }
            try (ResultSet rs = hit.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1);
                    long total = rs.getLong(2);
                    long reset = rs.getLong(3);
                    List<Pending> waiting = byKey.getOrDefault(key, List.of());
                    // The batch's checks on this key took the last places of its count, in order,
                    // each as many as it asked for: {its last place, how many, seconds left}.
                    long place =
                            total - waiting.stream().mapToInt(p -> p.asks(key)).sum();
                    for (Pending pending : waiting) {
                        int asked = pending.asks(key);
                        place += asked;
                        results.computeIfAbsent(pending, x -> new HashMap<>())
                                .put(key, new long[] {place, asked, reset});
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            batch.forEach(pending -> pending.result.completeExceptionally(e));
            throw e;
        }
        batch.forEach(pending -> pending.result.complete(results.getOrDefault(pending, Map.of())));
    }

    /** The counter of {@code rule} for these identifiers, or null when the rule does not apply. */
    static @Nullable String key(Rule rule, Identifiers ids) {
        String value = ids.value(rule.type());
        if (value == null || (rule.identifier() != null && !rule.identifier().equals(value))) {
            return null;
        }
        if (value.length() > MAX_IDENTIFIER) {
            value = "sha256:" + sha256(value);
        }
        return rule.policy() + "|" + value;
    }

    static String sha256(String text) {
        return org.apache.commons.codec.digest.DigestUtils.sha256Hex(text);
    }

    // ------------------------------------------------------------------------------------------
    // Connections
    // ------------------------------------------------------------------------------------------

    @FunctionalInterface
    interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T run(Sql<T> work) throws SQLException {
        Pool p = pool;
        if (p != null) {
            return p.run(work);
        }
        return database.transaction(Caller.serviceRole(), tx -> work.run(tx.connection()));
    }

    /**
     * The limiter's own connections: the login role switched to service_role once, in autocommit,
     * so a check is one statement and one round trip (the request pool's transactions cost three).
     */
    private static final class Pool implements AutoCloseable {
        private final JobEngine.Listener source;
        private final BlockingQueue<Connection> idle;
        private final Semaphore permits;
        private volatile boolean closed;

        Pool(JobEngine.Listener source, int size) {
            this.source = source;
            this.idle = new ArrayBlockingQueue<>(size);
            this.permits = new Semaphore(size);
        }

        boolean hasFree() {
            return permits.availablePermits() > 0;
        }

        /** Runs {@code work} if a connection is free at once; false when none is. */
        boolean tryRun(Sql<?> work) throws SQLException {
            if (!permits.tryAcquire()) {
                return false;
            }
            holding(work);
            return true;
        }

        <T> T run(Sql<T> work) throws SQLException {
            try {
                if (!permits.tryAcquire(CONNECTION_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    throw new SQLTransientConnectionException("every rate-limit connection is busy");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLTransientConnectionException("interrupted while waiting for a connection", e);
            }
            return holding(work);
        }

        /** Runs {@code work} on an idle (or new) connection; the caller holds a permit, released here. */
        private <T> T holding(Sql<T> work) throws SQLException {
            Connection c = null;
            boolean healthy = false;
            try {
                c = idle.poll();
                if (c == null) {
                    c = open();
                }
                T result = work.run(c);
                healthy = true;
                return result;
            } finally {
                if (c != null) {
                    if (healthy && !closed && idle.offer(c)) {
                        c = null;
                    } else {
                        quietlyClose(c);
                    }
                }
                permits.release();
            }
        }

        private Connection open() throws SQLException {
            Connection c = source.open();
            try (Statement s = c.createStatement()) {
                c.setAutoCommit(true);
                s.execute("set role service_role");
                s.execute("set statement_timeout = '5s'");
                s.execute("set application_name = 'atelier-ratelimit'");
            } catch (SQLException | RuntimeException e) {
                quietlyClose(c);
                throw e;
            }
            return c;
        }

        private static void quietlyClose(Connection c) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // dropped anyway
            }
        }

        @Override
        public void close() {
            closed = true;
            Connection c;
            while ((c = idle.poll()) != null) {
                quietlyClose(c);
            }
        }
    }
}
