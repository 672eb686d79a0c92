package dev.atelier.platform.jobs;

import java.sql.SQLException;

/** A dependency that would make a job wait, through others, for itself. */
public final class DependencyCycleException extends SQLException {

    private static final long serialVersionUID = 1L;

    DependencyCycleException(long job, long dependsOn) {
        super("job " + job + " cannot depend on job " + dependsOn + ": that would make a cycle", "23514");
    }
}
