package dev.atelier.platform.flags;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.flags.FlagModel.Feature;
import dev.atelier.platform.flags.FlagModel.RotationRule;
import dev.atelier.platform.flags.FlagModel.RotationType;
import dev.atelier.platform.flags.FlagModel.Segment;
import dev.atelier.platform.flags.FlagModel.Snapshot;
import dev.atelier.platform.jobs.ChannelListener;
import dev.atelier.platform.jobs.JobEngine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's flags: a snapshot of every flag and segment held in memory and evaluated by
 * {@link FlagEngine} without a database round trip, reloaded when a change is notified on
 * channel {@code atelier_flags} (a LISTEN connection of its own, outside the request pool, as the
 * job engine's) and every {@link #POLL} in case a notification was missed. Evaluations are counted
 * per flag and hour in memory and appended to {@code rotation.feature_flag_evaluations} at each
 * {@link #FLUSH}.
 */
public final class FlagService implements AutoCloseable {

    /** The state one reload produces; replaced as a whole. */
    public record Loaded(
            Snapshot snapshot,
            Map<String, Integer> ids,
            Set<String> tracked,
            byte[] clientFeatures,
            String etag,
            Instant loadedAt) {}

    static final Duration FLUSH = Duration.ofSeconds(5);
    static final Duration POLL = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(FlagService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final Clock clock;
    private final JobEngine.@Nullable Listener listener;
    private volatile Loaded loaded;
    private volatile boolean stopping;
    private volatile @Nullable ChannelListener listening;
    private final Object reloadLock = new Object();
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentHashMap<CountKey, Counts> counts = new ConcurrentHashMap<>();

    private record CountKey(String flag, Instant hour, String app) {}

    private static final class Counts {
        final LongAdder yes = new LongAdder();
        final LongAdder no = new LongAdder();
        final ConcurrentHashMap<String, LongAdder> variants = new ConcurrentHashMap<>();
    }

    public FlagService(Database database, Clock clock, JobEngine.@Nullable Listener listener) {
        this.database = database;
        this.clock = clock;
        this.listener = listener;
        this.loaded = emptyState(clock);
    }

    /** Loads the flags and starts listening, polling and flushing. */
    public void start() {
        try {
            reload();
        } catch (SQLException | RuntimeException e) {
            log.warn("feature flags not loaded at start ({}); retrying in the background", e.getMessage());
        }
        if (listener != null) {
            listening = ChannelListener.start("flags-listener", listener, "atelier_flags", this::reload, n -> {
                try {
                    reload();
                } catch (SQLException e) {
                    log.debug("flag reload failed ({})", e.getMessage());
                }
            });
        }
        threads.add(daemon("flags-poll-flush", this::pollAndFlushLoop));
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void close() {
        stopping = true;
        ChannelListener l = listening;
        if (l != null) {
            l.close();
        }
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flush();
    }

    /** Whether this server hears changes now (LISTEN is on and the snapshot was read after it). */
    public boolean isListening() {
        ChannelListener l = listening;
        return l != null && l.isSubscribed();
    }

    public Loaded loaded() {
        return loaded;
    }

    public Snapshot snapshot() {
        return loaded.snapshot();
    }

    // ------------------------------------------------------------------------------------------
    // Evaluation
    // ------------------------------------------------------------------------------------------

    /** Whether a flag is on for the context; counted. An unknown flag is off and not counted. */
    public boolean isEnabled(String name, FlagContext ctx) {
        Loaded l = loaded;
        boolean on = FlagEngine.isEnabled(l.snapshot(), name, ctx);
        count(l, name, on, null, "atelier");
        return on;
    }

    /** A flag's variant for the context; counted with its variant. */
    public FlagEngine.VariantResult variant(String name, FlagContext ctx) {
        Loaded l = loaded;
        FlagEngine.VariantResult v = FlagEngine.variant(l.snapshot(), name, ctx);
        count(l, name, v.featureEnabled(), v.enabled() ? v.name() : null, "atelier");
        return v;
    }

    /**
     * Every flag's variant (and so whether it is on) for the context, by name; counted. A flag
     * whose stored condition cannot be evaluated (nested too deep) is left out.
     */
    public Map<String, FlagEngine.VariantResult> evaluateAll(FlagContext ctx) {
        Loaded l = loaded;
        Map<String, FlagEngine.VariantResult> out = new LinkedHashMap<>();
        for (Feature f : l.snapshot().features().values()) {
            FlagEngine.VariantResult v;
            try {
                v = FlagEngine.variant(l.snapshot(), f, ctx);
            } catch (IllegalArgumentException e) {
                continue; // a stored condition too deep to evaluate: off here, 400 when asked for alone
            }
            out.put(f.name(), v);
            count(l, f.name(), v.featureEnabled(), v.enabled() ? v.name() : null, "atelier");
        }
        return out;
    }

    private void count(Loaded l, String name, boolean on, @Nullable String variant, String app) {
        if (!l.tracked().contains(name)) {
            return;
        }
        Instant hour = clock.instant().truncatedTo(ChronoUnit.HOURS);
        Counts c = counts.computeIfAbsent(new CountKey(name, hour, app), k -> new Counts());
        (on ? c.yes : c.no).increment();
        if (variant != null) {
            c.variants.computeIfAbsent(variant, k -> new LongAdder()).increment();
        }
    }

    /**
     * Counts an Unleash SDK reports ({@code POST /api/client/metrics}) for its bucket's hour: yes,
     * no and variants per toggle, added to the in-memory counts under the SDK's app name.
     */
    public int recordClientMetrics(
            String appName, Instant start, Map<String, long[]> yesNo, Map<String, Map<String, Long>> variants) {
        Loaded l = loaded;
        Instant hour = start.truncatedTo(ChronoUnit.HOURS);
        int known = 0;
        for (Map.Entry<String, long[]> e : yesNo.entrySet()) {
            if (!l.ids().containsKey(e.getKey()) || !l.tracked().contains(e.getKey())) {
                continue; // unknown flags, and flags whose evaluations are not tracked
            }
            known++;
            Counts c = counts.computeIfAbsent(new CountKey(e.getKey(), hour, appName), k -> new Counts());
            c.yes.add(e.getValue()[0]);
            c.no.add(e.getValue()[1]);
            variants.getOrDefault(e.getKey(), Map.of())
                    .forEach((v, n) ->
                            c.variants.computeIfAbsent(v, k -> new LongAdder()).add(n));
        }
        return known;
    }

    /** Appends the counts since the last flush: one row per flag, hour and app. */
    public void flush() {
        if (counts.isEmpty()) {
            return;
        }
        Map<CountKey, Counts> taken = new HashMap<>();
        for (CountKey k : List.copyOf(counts.keySet())) {
            Counts c = counts.remove(k);
            if (c != null) {
                taken.put(k, c);
            }
        }
        Map<String, Integer> ids = loaded.ids();
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement insert = tx.connection()
                        .prepareStatement(
                                "insert into rotation.feature_flag_evaluations (feature_flag_id, period_start,"
                                        + " yes_count, no_count, variant_counts, app_name, evaluated_at)"
                                        + " select ?, ?, ?, ?, ?::jsonb, ?, now()"
                                        + " where exists (select 1 from rotation.feature_flags where id = ?)")) {
                    for (Map.Entry<CountKey, Counts> e : taken.entrySet()) {
                        Integer id = ids.get(e.getKey().flag());
                        if (id == null) {
                            continue;
                        }
                        ObjectNode v = JSON.createObjectNode();
                        e.getValue().variants.forEach((name, n) -> v.put(name, n.sum()));
                        insert.setInt(1, id);
                        insert.setObject(
                                2, java.time.OffsetDateTime.ofInstant(e.getKey().hour(), java.time.ZoneOffset.UTC));
                        insert.setLong(3, e.getValue().yes.sum());
                        insert.setLong(4, e.getValue().no.sum());
                        insert.setString(5, v.toString());
                        insert.setString(
                                6,
                                e.getKey().app().equals("atelier")
                                        ? null
                                        : e.getKey().app());
                        insert.setInt(7, id);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                return Boolean.TRUE;
            });
        } catch (SQLException | RuntimeException e) {
            log.warn("flag evaluation counts not flushed ({}); keeping them for the next flush", e.getMessage());
            taken.forEach((k, c) -> {
                Counts into = counts.computeIfAbsent(k, x -> new Counts());
                into.yes.add(c.yes.sum());
                into.no.add(c.no.sum());
                c.variants.forEach((name, n) -> into.variants
                        .computeIfAbsent(name, x -> new LongAdder())
                        .add(n.sum()));
            });
        }
    }

    // ------------------------------------------------------------------------------------------
    // Loading
    // ------------------------------------------------------------------------------------------

    /** Reads every flag and segment and replaces the snapshot. */
    public void reload() throws SQLException {
        synchronized (reloadLock) {
            loaded = database.transaction(Caller.serviceRole(), true, tx -> load(tx.connection(), clock));
        }
    }

    private static Loaded emptyState(Clock clock) {
        return render(Snapshot.empty(), Map.of(), Set.of(), JSON.createArrayNode(), JSON.createArrayNode(), clock);
    }

    static Loaded load(Connection c, Clock clock) throws SQLException {
        Map<String, Feature> features = new LinkedHashMap<>();
        Map<String, Integer> ids = new HashMap<>();
        Set<String> tracked = new java.util.HashSet<>();
        ArrayNode clientFeatures = JSON.createArrayNode();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select id, key, is_enabled, flag_type::text, rollout_percentage,"
                        + " target_users, conditions::text, strategies::text, variants::text, dependencies::text,"
                        + " track_evaluations, description from rotation.feature_flags order by key")) {
            while (rs.next()) {
                String key = rs.getString(2);
                String type = rs.getString(4);
                Array users = rs.getArray(6);
                Set<Integer> targets = new java.util.HashSet<>();
                for (Object o : (Object[]) users.getArray()) {
                    if (o != null) {
                        targets.add((Integer) o);
                    }
                }
                JsonNode conditions = json(rs.getString(7));
                RotationRule rule = type.equals("strategies")
                        ? null
                        : new RotationRule(
                                RotationType.valueOf(type.toUpperCase(java.util.Locale.ROOT)),
                                rs.getInt(5),
                                Set.copyOf(targets),
                                conditions);
                ObjectNode client = JSON.createObjectNode();
                client.put("name", key);
                client.put("description", rs.getString(12));
                client.put("type", "release");
                client.put("project", "default");
                client.put("enabled", rs.getBoolean(3));
                client.put("stale", false);
                client.put("impressionData", false);
                client.set(
                        "strategies", rule == null ? json(rs.getString(8)) : UnleashTranslation.strategies(key, rule));
                client.set("variants", json(rs.getString(9)));
                JsonNode deps = json(rs.getString(10));
                if (!deps.isEmpty()) {
                    client.set("dependencies", deps);
                }
                clientFeatures.add(client);
                Feature parsed = FlagJson.feature(client, rule);
                features.put(key, parsed);
                ids.put(key, rs.getInt(1));
                if (rs.getBoolean(11)) {
                    tracked.add(key);
                }
            }
        }
        Map<Integer, Segment> segments = new LinkedHashMap<>();
        ArrayNode clientSegments = JSON.createArrayNode();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("select id, name, constraints::text from platform.flag_segments order by id")) {
            while (rs.next()) {
                ObjectNode seg = JSON.createObjectNode();
                seg.put("id", rs.getInt(1));
                seg.put("name", rs.getString(2));
                seg.set("constraints", json(rs.getString(3)));
                clientSegments.add(seg);
                segments.put(rs.getInt(1), FlagJson.segment(seg));
            }
        }
        return render(
                new Snapshot(Map.copyOf(features), Map.copyOf(segments)),
                ids,
                tracked,
                clientFeatures,
                clientSegments,
                clock);
    }

    private static Loaded render(
            Snapshot snapshot,
            Map<String, Integer> ids,
            Set<String> tracked,
            ArrayNode clientFeatures,
            ArrayNode clientSegments,
            Clock clock) {
        ObjectNode body = JSON.createObjectNode();
        body.put("version", 2);
        body.set("features", clientFeatures);
        body.set("segments", clientSegments);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String etag;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            etag = "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new Loaded(snapshot, Map.copyOf(ids), Set.copyOf(tracked), bytes, etag, clock.instant());
    }

    private static JsonNode json(@Nullable String text) {
        if (text == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored flag JSON does not parse", e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Background
    // ------------------------------------------------------------------------------------------

    private void pollAndFlushLoop() {
        long lastPoll = System.nanoTime();
        while (!stopping) {
            try {
                Thread.sleep(FLUSH.toMillis()); // the flush period
            } catch (InterruptedException e) {
                return;
            }
            flush();
            if (System.nanoTime() - lastPoll >= POLL.toNanos() || !isListening()) {
                lastPoll = System.nanoTime();
                try {
                    reload();
                } catch (SQLException | RuntimeException e) {
                    log.debug("flag reload failed ({})", e.getMessage());
                }
            }
        }
    }
}
