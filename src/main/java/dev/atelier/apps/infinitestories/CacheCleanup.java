package dev.atelier.apps.infinitestories;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.Schedule;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Runs {@code cleanup_expired_cache()} at the top of every hour, as the document schedules it
 * with pg_cron: a periodic job of the engine, so it runs once per hour across all servers on the
 * database, not once per server. An hour missed while no server ran is made up once.
 */
@Component
class CacheCleanup {

    static final String SCHEDULE = "infinitestories.cleanup_expired_cache";

    private static final Logger log = LoggerFactory.getLogger(CacheCleanup.class);

    private final Database database;

    CacheCleanup(Database database, JobEngine jobs) {
        this.database = database;
        jobs.schedule(
                SCHEDULE,
                Schedule.cron("0 * * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> {
                    int deleted = run(tx);
                    if (deleted > 0) {
                        log.info("removed {} expired InfiniteStories cache entries", deleted);
                    }
                }));
    }

    int run() throws SQLException {
        return database.transaction(Caller.serviceRole(), CacheCleanup::run);
    }

    private static int run(Database.Transaction tx) throws SQLException {
        try (PreparedStatement call =
                        tx.connection().prepareStatement("select infinitestories.cleanup_expired_cache()");
                ResultSet rs = call.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
