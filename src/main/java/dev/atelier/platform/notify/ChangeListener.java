package dev.atelier.platform.notify;

import dev.atelier.platform.jobs.JobEngine;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one in-process snapshot current across servers: LISTENs on a channel on a connection of
 * its own (the job engine's listener source, outside the request pool), reloads when a
 * notification arrives (within a second of the commit that sent it), reloads right after each
 * (re)subscription for whatever changed while it was not listening, and reloads every
 * {@code poll} in case a notification was missed. Used by the flag service (channel
 * {@code atelier_flags}) and the settings service ({@code atelier_settings}).
 */
public final class ChangeListener implements AutoCloseable {

    /** What a reload does; it replaces the owner's snapshot. */
    @FunctionalInterface
    public interface Reload {
        void run() throws SQLException;
    }

    /** Work done by the poll thread between reloads (the flag service flushes its counts). */
    @FunctionalInterface
    public interface Tick {
        void run();
    }

    private static final Logger log = LoggerFactory.getLogger(ChangeListener.class);
    private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String channel;
    private final JobEngine.@Nullable Listener source;
    private final Reload reload;
    private final Duration poll;
    private final Duration tick;
    private final @Nullable Tick onTick;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private volatile @Nullable Connection listening;
    private volatile boolean subscribed;

    /**
     * @param channel the NOTIFY channel (lower-case identifier)
     * @param source  where LISTEN connections come from; null: no LISTEN, polling only
     * @param reload  reloads the snapshot
     * @param poll    the longest a missed notification goes unnoticed
     * @param tick    how often the poll thread wakes (and runs {@code onTick})
     * @param onTick  run at every tick, or null
     */
    public ChangeListener(
            String channel,
            JobEngine.@Nullable Listener source,
            Reload reload,
            Duration poll,
            Duration tick,
            @Nullable Tick onTick) {
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("not a channel name: " + channel);
        }
        this.channel = channel;
        this.source = source;
        this.reload = reload;
        this.poll = poll;
        this.tick = tick;
        this.onTick = onTick;
    }

    /** Starts listening (when there is a source) and polling. */
    public void start() {
        if (source != null) {
            threads.add(daemon(channel + "-listener", this::listenLoop));
        }
        threads.add(daemon(channel + "-poll", this::pollLoop));
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Whether this server hears changes now (LISTEN is on and the snapshot was read after it). */
    public boolean isSubscribed() {
        return subscribed;
    }

    @Override
    public void close() {
        stopping = true;
        Connection l = listening;
        if (l != null) {
            try {
                l.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void listenLoop() {
        JobEngine.Listener from = Objects.requireNonNull(source);
        while (!stopping) {
            try (Connection c = from.open()) {
                listening = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                reload.run(); // whatever changed while not listening
                subscribed = true;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopping) {
                    PGNotification[] received = pg.getNotifications(1000);
                    if (received != null && received.length > 0) {
                        reload.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.debug("{} notifications interrupted ({}); polling until they are back", channel, e.getMessage());
                try {
                    Thread.sleep(1000); // a reconnect delay, not a wait for a result
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                subscribed = false;
                listening = null;
            }
        }
    }

    private void pollLoop() {
        long lastPoll = System.nanoTime();
        while (!stopping) {
            try {
                Thread.sleep(tick.toMillis()); // the tick period
            } catch (InterruptedException e) {
                return;
            }
            if (onTick != null) {
                onTick.run();
            }
            if (System.nanoTime() - lastPoll >= poll.toNanos() || listening == null) {
                lastPoll = System.nanoTime();
                try {
                    reload.run();
                } catch (SQLException | RuntimeException e) {
                    log.debug("{} reload failed ({})", channel, e.getMessage());
                }
            }
        }
    }
}
