package dev.atelier.platform.ai;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many calls of a provider run at once, across every server on the database
 * (docs/adr/0012-ai-providers.md): a call takes one of the provider's numbered slot rows in
 * {@code platform.ai_provider_slots} ({@code FOR UPDATE SKIP LOCKED}, a short transaction), holds
 * it by a lease this server renews while the call runs, and frees it when the call ends. A server
 * that dies stops renewing, and its slots are free again once their lease runs out. No database
 * connection is held while a call runs.
 */
final class ProviderSlots implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProviderSlots.class);
    private static final long FIRST_WAIT_MILLIS = 20;
    private static final long LONGEST_WAIT_MILLIS = 250;

    private final Database database;
    private final String server = UUID.randomUUID().toString().substring(0, 8);
    private final Duration lease;
    /** Tokens of the slots this server holds, renewed together. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** Providers whose slot rows exist up to a number (created once per server and size). */
    private final Set<String> ensured = ConcurrentHashMap.newKeySet();

    private final ScheduledExecutorService renewer;

    ProviderSlots(Database database, Duration lease) {
        this.database = database;
        this.lease = lease;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "atelier-ai-slots");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(10, lease.toMillis() / 3);
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** A slot held by one call; closing it frees the slot. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes a slot of {@code provider} (at most {@code max} at once), waiting until {@code
     * deadlineNanos} (a {@link System#nanoTime()} value); {@link AiException.Kind#TIMEOUT} when none
     * came free in time.
     */
    Permit acquire(String provider, int max, String requestId, long deadlineNanos) throws AiException {
        ensure(provider, max);
        String token = server + ":" + UUID.randomUUID();
        long wait = FIRST_WAIT_MILLIS;
        while (true) {
            int slot;
            try {
                slot = claim(provider, max, token, requestId);
            } catch (SQLException e) {
                throw new AiException(
                        AiException.Kind.TRANSIENT,
                        "provider " + provider + ": could not take a concurrency slot: " + e.getMessage(),
                        null,
                        e);
            }
            if (slot > 0) {
                held.add(token);
                int taken = slot;
                return () -> release(provider, taken, token);
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (left <= 0) {
                throw new AiException(
                        AiException.Kind.TIMEOUT,
                        "provider " + provider + ": all " + max
                                + " concurrency slots stayed busy for the whole timeout of the call");
            }
            try {
                Thread.sleep(Math.min(wait, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AiException(AiException.Kind.TIMEOUT, "interrupted waiting for a slot", null, e);
            }
            wait = Math.min(LONGEST_WAIT_MILLIS, wait * 2);
        }
    }

    private void ensure(String provider, int max) throws AiException {
        if (ensured.contains(provider + "#" + max)) {
            return;
        }
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement insert = tx.connection()
                        .prepareStatement("insert into platform.ai_provider_slots (provider, slot)"
                                + " select ?, g from pg_catalog.generate_series(1, ?) g on conflict do nothing")) {
                    insert.setString(1, provider);
                    insert.setInt(2, max);
                    insert.executeUpdate();
                }
                return Boolean.TRUE;
            });
        } catch (SQLException e) {
            throw new AiException(
                    AiException.Kind.TRANSIENT,
                    "provider " + provider + ": slots unavailable: " + e.getMessage(),
                    null,
                    e);
        }
        ensured.add(provider + "#" + max);
    }

    private int claim(String provider, int max, String token, String requestId) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement claim = tx.connection().prepareStatement("""
                            update platform.ai_provider_slots s
                               set holder = ?, request_id = ?, acquired_at = now(),
                                   lease_expires_at = now() + ? * interval '1 millisecond'
                             where (s.provider, s.slot) = (
                                   select f.provider, f.slot from platform.ai_provider_slots f
                                    where f.provider = ? and f.slot <= ?
                                      and (f.holder is null or f.lease_expires_at < now())
                                    order by f.slot limit 1
                                    for update skip locked)
                            returning s.slot""")) {
                claim.setString(1, token);
                claim.setString(2, requestId.length() > 200 ? requestId.substring(0, 200) : requestId);
                claim.setLong(3, lease.toMillis());
                claim.setString(4, provider);
                claim.setInt(5, max);
                try (ResultSet rs = claim.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : -1;
                }
            }
        });
    }

    private void release(String provider, int slot, String token) {
        held.remove(token);
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement free = tx.connection()
                        .prepareStatement("update platform.ai_provider_slots set holder = null, request_id = null,"
                                + " acquired_at = null, lease_expires_at = null"
                                + " where provider = ? and slot = ? and holder = ?")) {
                    free.setString(1, provider);
                    free.setInt(2, slot);
                    free.setString(3, token);
                    free.executeUpdate();
                }
                return Boolean.TRUE;
            });
        } catch (SQLException | RuntimeException e) {
            // The lease frees it anyway: it is no longer renewed.
            log.warn(
                    "provider {}: could not free concurrency slot {} ({}); its lease will",
                    provider,
                    slot,
                    e.toString());
        }
    }

    private void renew() {
        if (held.isEmpty()) {
            return;
        }
        String[] tokens = held.toArray(String[]::new);
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement renew = tx.connection()
                        .prepareStatement("update platform.ai_provider_slots"
                                + " set lease_expires_at = now() + ? * interval '1 millisecond'"
                                + " where holder = any(?)")) {
                    renew.setLong(1, lease.toMillis());
                    renew.setArray(2, tx.connection().createArrayOf("text", tokens));
                    renew.executeUpdate();
                }
                return Boolean.TRUE;
            });
        } catch (SQLException | RuntimeException e) {
            log.warn("could not renew the leases of AI provider slots: {}", e.toString());
        }
    }

    /** Stops renewing without freeing anything: what a killed server leaves behind (tests). */
    void halt() {
        renewer.shutdownNow();
        held.clear();
    }

    @Override
    public void close() {
        renewer.shutdownNow();
    }
}
