package dev.atelier.apps.algorhythmic;

import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.Schedule;
import java.sql.PreparedStatement;
import org.springframework.stereotype.Component;

/**
 * The document's retention policies (telemetry 30 days, generation jobs 7 days, art sessions
 * unused for 90 days: {@code algorhythmic.apply_retention()}, V73), daily, once across all servers.
 */
@Component
class RetentionSchedule {

    RetentionSchedule(JobEngine jobs) {
        jobs.schedule(
                "algorhythmic.retention",
                Schedule.cron("30 3 * * *"),
                CatchUp.LATEST,
                job -> job.onComplete(tx -> {
                    try (PreparedStatement call =
                            tx.connection().prepareStatement("select algorhythmic.apply_retention()")) {
                        call.execute();
                    }
                }));
    }
}
