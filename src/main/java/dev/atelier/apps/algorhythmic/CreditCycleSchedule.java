package dev.atelier.apps.algorhythmic;

import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.Schedule;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Billing cycles that have ended are rolled (missed ones one by one), once per period ({@code ATELIER_LEDGER_PERIOD_MS}, 60 s by default) across all
 * servers, on the job engine. The work is safe to repeat, so a period run twice after a rescue
 * changes nothing.
 */
@Component
class CreditCycleSchedule {

    CreditCycleSchedule(
            JobEngine jobs,
            AlgorhythmicCredits credits,
            @Value("${ATELIER_LEDGER_PERIOD_MS:${atelier.ledger.period-ms:60000}}") long periodMillis) {
        jobs.schedule(
                "algorhythmic.credit-cycles",
                Schedule.every(Duration.ofMillis(periodMillis)),
                CatchUp.LATEST,
                job -> credits.rollDueCycles());
    }
}
