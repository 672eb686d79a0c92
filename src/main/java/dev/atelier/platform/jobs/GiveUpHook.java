package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Database;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Runs in the transaction that ends a job without success (failed after its last attempt, timed
 * out, cancelled, or failed through a dependency). That transition happens once per job, so the
 * hook does too: the place to release credits a job holds.
 */
@FunctionalInterface
public interface GiveUpHook {
    void gaveUp(Database.Transaction tx, long jobId, @Nullable String appKey, String outcome) throws SQLException;
}
