package dev.atelier.platform.jobs;

import dev.atelier.platform.db.Database;
import java.sql.SQLException;

/**
 * Database work committed in the same transaction that marks the job completed, and only if this
 * attempt still holds the job: a rescued job's late worker cannot commit it.
 */
@FunctionalInterface
public interface JobEffect {
    void apply(Database.Transaction tx) throws SQLException;
}
