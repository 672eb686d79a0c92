package dev.atelier.platform.jobs;

import static dev.atelier.platform.jobs.Engines.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.Caller;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The periodic work the documents name is on the engine's schedules, and what it runs does its job. */
class DocumentSchedulesTest {

    @Test
    void everyPeriodicTaskOfTheDocumentsIsScheduledOnce() throws Exception {
        // The ledger's three run every ATELIER_LEDGER_PERIOD_MS, which the test server sets to a
        // century (PT876000H) so that none runs by itself during a test.
        Engines.server.component(JobEngine.class); // the server's engine declared them at start
        assertThat(text("select string_agg(name || ' ' || expression || ' ' || catch_up, ', ' order by name) "
                        + "from platform.job_schedules where name not like 'test%'"))
                .isEqualTo("algorhythmic.credit-cycles every PT876000H latest, "
                        + "algorhythmic.retention 30 3 * * * latest, "
                        + "delula.daily-credits every PT876000H latest, "
                        + "ledger.expire-holds every PT876000H latest, "
                        + "platform.cache.expire 0 * * * * latest, " // InfiniteStories' cleanup_expired_cache() in it
                        // (ADR 18)
                        + "platform.jobs.retention 17 3 * * * latest, "
                        + "platform.ratelimit.sweep */10 * * * * latest, "
                        + "rotation.aggregate_daily_metrics 10 0 * * * all, "
                        + "rotation.cleanup_expired_candidates 5 * * * * latest, "
                        + "rotation.cleanup_old_analytics_data 40 3 * * * latest");
    }

    @Test
    void algorhythmicRetentionRemovesOldTelemetryFinishedJobsAndUnusedArtOnly() throws Exception {
        String tag = UUID.randomUUID().toString();
        Engines.text("insert into algorhythmic.telemetry_events (event_type, event_data, \"timestamp\") values "
                + "('old-" + tag + "', '{}', now() - interval '31 days'), ('new-" + tag
                + "', '{}', now() - interval '29 days') "
                + "returning 1");
        Engines.text("insert into algorhythmic.generation_jobs (prompt, status, created_at, completed_at) values "
                + "('done-" + tag + "', 'completed', now() - interval '8 days', now() - interval '8 days'), "
                + "('fresh-" + tag
                + "', 'completed', now() - interval '6 days', now() - interval '6 days') returning 1");
        Engines.text(
                "insert into algorhythmic.art_sessions (session_id, image_url, prompt, created_at, last_used_at, is_saved) "
                        + "values ('s', 'u', 'unused-" + tag
                        + "', now() - interval '200 days', now() - interval '91 days', false), "
                        + "('s', 'u', 'saved-" + tag
                        + "', now() - interval '200 days', now() - interval '91 days', true), "
                        + "('s', 'u', 'used-" + tag
                        + "', now() - interval '200 days', now() - interval '10 days', false) returning 1");
        String removed = Engines.database().transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement call =
                            tx.connection().prepareStatement("select algorhythmic.apply_retention()::text");
                    ResultSet rs = call.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        });
        assertThat(removed)
                .contains("telemetry_events")
                .contains("generation_jobs")
                .contains("art_sessions");
        assertThat(text("select string_agg(event_type, ',' order by event_type) from algorhythmic.telemetry_events "
                        + "where event_type like '%" + tag + "'"))
                .isEqualTo("new-" + tag);
        assertThat(text("select string_agg(prompt, ',' order by prompt) from algorhythmic.generation_jobs "
                        + "where prompt like '%" + tag + "'"))
                .isEqualTo("fresh-" + tag);
        assertThat(text("select string_agg(prompt, ',' order by prompt) from algorhythmic.art_sessions "
                        + "where prompt like '%" + tag + "'"))
                .isEqualTo("saved-" + tag + ",used-" + tag);
    }
}
