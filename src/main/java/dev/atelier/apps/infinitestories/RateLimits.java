package dev.atelier.apps.infinitestories;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The document's per-user, per-function rate limit over {@code infinitestories.rate_limits}, as a
 * sliding window: each row counts the requests of one second ({@code window_start}) and counts
 * them until {@code window_end} = that second + the window. A request is allowed when fewer than
 * the limit are counted at the database's {@code now()}; otherwise it is told when the oldest
 * counted requests leave the window.
 *
 * <p>Servers on one database agree: the time is the database's, and the requests of one user and
 * function are serialised by a transaction-level advisory lock on that pair (there is no row to
 * lock before a user's first request; the lock is per database, not per server), so concurrent
 * requests can never both take the last place.
 */
@Component
class RateLimits {

    private final Database database;

    RateLimits(Database database) {
        this.database = database;
    }

    /** Counts one request of {@code function} for {@code user}, or returns how long to wait when the window is full. */
    Optional<Duration> take(UUID user, String function, int limit, Duration window) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            var c = tx.connection();
            try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, "infinitestories.rate_limits/" + user + "/" + function);
                lock.execute();
            }
            try (PreparedStatement expired = c.prepareStatement(
                    "delete from infinitestories.rate_limits where user_id = ? and function_name = ? and window_end <= now()")) {
                expired.setObject(1, user);
                expired.setString(2, function);
                expired.executeUpdate();
            }
            List<long[]> rows = new ArrayList<>(); // request_count, millis until window_end
            try (PreparedStatement counted = c.prepareStatement("""
                    select request_count, ceil(extract(epoch from (window_end - now())) * 1000)::bigint
                    from infinitestories.rate_limits
                    where user_id = ? and function_name = ? and window_end > now()
                    order by window_start""")) {
                counted.setObject(1, user);
                counted.setString(2, function);
                try (ResultSet rs = counted.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
                    }
                }
            }
            long total = rows.stream().mapToLong(r -> r[0]).sum();
            if (total >= limit) {
                // The wait: until enough of the oldest requests left the window to make room for one.
                long leaving = 0;
                for (long[] row : rows) {
                    leaving += row[0];
                    if (total - leaving < limit) {
                        return Optional.of(Duration.ofMillis(Math.max(1, row[1])));
                    }
                }
                return Optional.of(window);
            }
            try (PreparedStatement count = c.prepareStatement("""
                    insert into infinitestories.rate_limits (user_id, function_name, request_count, window_start, window_end)
                    values (?, ?, 1, date_trunc('second', now()), date_trunc('second', now()) + ? * interval '1 millisecond')
                    on conflict (user_id, function_name, window_start)
                    do update set request_count = rate_limits.request_count + 1""")) {
                count.setObject(1, user);
                count.setString(2, function);
                count.setLong(3, window.toMillis());
                count.executeUpdate();
            }
            return Optional.<Duration>empty();
        });
    }
}
