package dev.atelier.apps.rotation;

import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobContext;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.Schedule;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The document's utility functions on the job engine's schedules, each once per period across
 * all servers: match candidates expire hourly; each UTC day is aggregated just after it ends,
 * every missed day included (the function is idempotent per day); analytics retention runs daily.
 */
@Component
class RotationMaintenance {

    private static final Pattern PERIOD = Pattern.compile("\"period\"\\s*:\\s*\"([^\"]+)\"");

    RotationMaintenance(JobEngine jobs) {
        jobs.schedule(
                "rotation.cleanup_expired_candidates",
                Schedule.cron("5 * * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> call(tx, "select rotation.cleanup_expired_candidates()")));
        jobs.schedule(
                "rotation.aggregate_daily_metrics",
                Schedule.cron("10 0 * * *"),
                CatchUp.ALL,
                job -> job.onComplete(tx -> aggregate(tx, dayBefore(job))));
        jobs.schedule(
                "rotation.cleanup_old_analytics_data",
                Schedule.cron("40 3 * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> call(tx, "select rotation.cleanup_old_analytics_data()")));
    }

    /** The day that ended just before the period began (UTC). */
    static LocalDate dayBefore(JobContext job) {
        Matcher m = PERIOD.matcher(job.args());
        Instant period = m.find() ? Instant.parse(m.group(1)) : Instant.now();
        return period.atZone(ZoneOffset.UTC).toLocalDate().minusDays(1);
    }

    private static void aggregate(Database.Transaction tx, LocalDate day) throws SQLException {
        try (PreparedStatement call = tx.connection().prepareStatement("select rotation.aggregate_daily_metrics(?)")) {
            call.setDate(1, Date.valueOf(day));
            call.execute();
        }
    }

    private static void call(Database.Transaction tx, String sql) throws SQLException {
        try (PreparedStatement call = tx.connection().prepareStatement(sql)) {
            call.execute();
        }
    }
}
