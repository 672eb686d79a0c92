package dev.atelier.apps.infinitestories;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs {@code cleanup_expired_cache()} at the top of every hour, as the document schedules it
 * with pg_cron, which Atelier does not need. Several servers on one database may each run it:
 * deleting already-deleted rows is harmless.
 */
@Component
class CacheCleanup {

    private static final Logger log = LoggerFactory.getLogger(CacheCleanup.class);

    private final Database database;

    CacheCleanup(Database database) {
        this.database = database;
    }

    @Scheduled(cron = "0 0 * * * *")
    void hourly() {
        try {
            int deleted = run();
            if (deleted > 0) {
                log.info("removed {} expired InfiniteStories cache entries", deleted);
            }
        } catch (SQLException e) {
            log.warn("InfiniteStories cache clean-up failed: {}", e.getMessage());
        }
    }

    int run() throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement call =
                            tx.connection().prepareStatement("select infinitestories.cleanup_expired_cache()");
                    ResultSet rs = call.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
