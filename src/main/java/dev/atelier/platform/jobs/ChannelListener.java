package dev.atelier.platform.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LISTEN on one notification channel, on a connection of its own from a {@link JobEngine.Listener}
 * (outside the request pool), in a daemon thread: {@code onSubscribed} runs each time LISTEN is
 * (re)established, so whatever changed while not listening is caught up, and {@code onNotified}
 * runs for every batch of notifications. A lost connection is reopened a second later.
 */
public final class ChannelListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChannelListener.class);

    /** What runs on the listening thread; its failures are logged and listening goes on. */
    @FunctionalInterface
    public interface Reaction {
        void run() throws SQLException;
    }

    private final JobEngine.Listener source;
    private final String channel;
    private final Reaction onSubscribed;
    private final Consumer<PGNotification[]> onNotified;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean subscribed;
    private volatile @Nullable Connection listening;

    private ChannelListener(
            String threadName,
            JobEngine.Listener source,
            String channel,
            Reaction onSubscribed,
            Consumer<PGNotification[]> onNotified) {
        if (!channel.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain channel name: " + channel);
        }
        this.source = source;
        this.channel = channel;
        this.onSubscribed = onSubscribed;
        this.onNotified = onNotified;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts listening on {@code channel} in a daemon thread named {@code threadName}. */
    public static ChannelListener start(
            String threadName,
            JobEngine.Listener source,
            String channel,
            Reaction onSubscribed,
            Consumer<PGNotification[]> onNotified) {
        ChannelListener listener = new ChannelListener(threadName, source, channel, onSubscribed, onNotified);
        listener.thread.start();
        return listener;
    }

    /** Whether LISTEN is on now and {@code onSubscribed} ran after it. */
    public boolean isSubscribed() {
        return subscribed;
    }

    private void loop() {
        while (!stopping) {
            try (Connection c = source.open()) {
                listening = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                onSubscribed.run();
                subscribed = true;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopping) {
                    PGNotification[] received = pg.getNotifications(1000);
                    if (received != null && received.length > 0) {
                        onNotified.accept(received);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (stopping) {
                    return;
                }
                log.debug("notifications on {} interrupted ({}); retrying", channel, e.getMessage());
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
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
