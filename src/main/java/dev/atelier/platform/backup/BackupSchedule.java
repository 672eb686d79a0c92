package dev.atelier.platform.backup;

import dev.atelier.platform.jobs.CatchUp;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.jobs.JobType;
import dev.atelier.platform.jobs.Schedule;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * With the embedded database and backups enabled: a base backup on the backup schedule (daily by
 * default), then retention; and every minute, the storage objects copied into the backup
 * directory, so that a restore to a point between base backups finds the bytes its rows name.
 * Both run on the job engine, once per period across servers.
 */
@Component
class BackupSchedule {

    private static final Logger log = LoggerFactory.getLogger(BackupSchedule.class);

    BackupSchedule(JobEngine jobs, Clock clock, ObjectProvider<Backups.Live> live) {
        Backups.Live backups = live.getIfAvailable();
        if (backups == null) {
            return;
        }
        Backups b = backups.backups();
        jobs.schedule(
                "backup.base",
                Schedule.cron(b.settings().schedule()),
                CatchUp.LATEST,
                JobType.of("schedule:backup.base", job -> {
                            Backups.Backup taken = b.take(backups.cluster(), line -> log.info("{}", line));
                            Backups.Pruned pruned = b.prune(clock.instant());
                            log.info(
                                    "backup {} taken; retention removed {} base backups, {} WAL segments, {} objects",
                                    taken.id(),
                                    pruned.backups().size(),
                                    pruned.walSegments(),
                                    pruned.objects());
                        })
                        .withMaxAttempts(3)
                        .withBackoff(Duration.ofMinutes(5), Duration.ofHours(1)));
        jobs.schedule("backup.objects", Schedule.every(Duration.ofMinutes(1)), CatchUp.LATEST, job -> {
            b.syncObjects();
            b.indexWal();
        });
    }
}
