package dev.atelier.platform.jobs;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The engine's SQL on platform.jobs and on the app tables it drives. Every call runs inside the caller's transaction. */
final class JobStore {

    static final String JOB_COLUMNS =
            "j.id, j.kind, j.queue, j.attempt, j.app_table, j.app_key, j.max_attempts, j.args::text, "
                    + "j.on_dependency_failure = 'cancel'";

    private JobStore() {}

    static JobRef ref(ResultSet rs) throws SQLException {
        int max = rs.getInt(7);
        Integer maxAttempts = rs.wasNull() ? null : max;
        return new JobRef(
                rs.getLong(1),
                rs.getString(2),
                rs.getString(3),
                rs.getInt(4),
                rs.getString(5),
                rs.getString(6),
                maxAttempts,
                rs.getString(8),
                rs.getBoolean(9));
    }

    static Timestamp ts(Instant at) {
        return Timestamp.from(at);
    }

    // ------------------------------------------------------------------------------------------
    // Enqueue
    // ------------------------------------------------------------------------------------------

    /** Inserts a platform job (or finds the one with the same idempotency key); returns its id. */
    static long insert(Connection c, NewJob job, Instant now) throws SQLException {
        boolean waits = !job.dependsOn().isEmpty();
        try (PreparedStatement insert = c.prepareStatement(
                "insert into platform.jobs (queue, kind, args, state, priority, run_at, max_attempts, "
                        + "idempotency_key, on_dependency_failure) values (?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) "
                        + "on conflict (kind, idempotency_key) where idempotency_key is not null do nothing returning id")) {
            insert.setString(1, job.queue());
            insert.setString(2, job.kind());
            insert.setString(3, job.args());
            insert.setString(4, waits ? "waiting" : "available");
            insert.setInt(5, job.priority());
            insert.setTimestamp(6, ts(job.runAt() != null ? job.runAt() : now));
            if (job.maxAttempts() == null) {
                insert.setNull(7, Types.INTEGER);
            } else {
                insert.setInt(7, job.maxAttempts());
            }
            insert.setString(8, job.idempotencyKey());
            insert.setString(9, job.cancelOnDependencyFailure() ? "cancel" : "fail");
            try (ResultSet rs = insert.executeQuery()) {
                if (!rs.next()) {
                    return existing(c, job.kind(), java.util.Objects.requireNonNull(job.idempotencyKey()));
                }
                long id = rs.getLong(1);
                for (long dependency : job.dependsOn()) {
                    addDependency(c, id, dependency);
                }
                notify(c, "atelier_jobs", job.queue());
                return id;
            }
        }
    }

    private static long existing(Connection c, String kind, String key) throws SQLException {
        try (PreparedStatement find =
                c.prepareStatement("select id from platform.jobs where kind = ? and idempotency_key = ?")) {
            find.setString(1, kind);
            find.setString(2, key);
            try (ResultSet rs = find.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("idempotent job vanished", "40001");
                }
                return rs.getLong(1);
            }
        }
    }

    /**
     * Makes {@code job} wait for {@code dependsOn}; refuses an edge that would close a cycle.
     * Edges are added under one transaction-level lock, so two concurrent additions cannot each
     * close half of a cycle unseen.
     */
    static void addDependency(Connection c, long job, long dependsOn) throws SQLException {
        if (job == dependsOn) {
            throw new DependencyCycleException(job, dependsOn);
        }
        try (PreparedStatement lock =
                c.prepareStatement("select pg_advisory_xact_lock(hashtext('atelier.jobs.dependencies'))")) {
            lock.execute();
        }
        try (PreparedStatement reach = c.prepareStatement(
                "with recursive up(id) as (select ?::bigint union select d.depends_on from platform.job_dependencies d "
                        + "join up on d.job_id = up.id) select exists (select 1 from up where id = ?)")) {
            reach.setLong(1, dependsOn);
            reach.setLong(2, job);
            try (ResultSet rs = reach.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new DependencyCycleException(job, dependsOn);
                }
            }
        }
        try (PreparedStatement add = c.prepareStatement(
                "insert into platform.job_dependencies (job_id, depends_on) values (?, ?) on conflict do nothing")) {
            add.setLong(1, job);
            add.setLong(2, dependsOn);
            add.executeUpdate();
        }
        try (PreparedStatement wait =
                c.prepareStatement("update platform.jobs set state = 'waiting' where id = ? and state = 'available' "
                        + "and exists (select 1 from platform.jobs p where p.id = ? and p.state <> 'completed')")) {
            wait.setLong(1, job);
            wait.setLong(2, dependsOn);
            wait.executeUpdate();
        }
    }

    static void notify(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement notify = c.prepareStatement("select pg_notify(?, ?)")) {
            notify.setString(1, channel);
            notify.setString(2, payload);
            notify.execute();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Claim, heartbeat, fence
    // ------------------------------------------------------------------------------------------

    /**
     * Takes up to {@code limit} runnable jobs of the given kinds, best priority first, skipping rows
     * another server is taking right now, and leases them to {@code owner}: one statement.
     */
    static List<JobRef> claim(
            Connection c, String owner, Instant now, Instant leaseUntil, Collection<String> kinds, int limit)
            throws SQLException {
        List<JobRef> claimed = new ArrayList<>();
        if (limit <= 0 || kinds.isEmpty()) {
            return claimed;
        }
        try (PreparedStatement claim = c.prepareStatement("with picked as (select id from platform.jobs "
                + "where state = 'available' and run_at <= ? and kind = any (?) "
                + "and queue <> all (array(select q.queue from platform.job_queues q where q.paused)) "
                + "order by priority, run_at, id limit ? for update skip locked) "
                + "update platform.jobs j set state = 'running', attempt = j.attempt + 1, lease_owner = ?, "
                + "lease_expires_at = ?, heartbeat_at = ?, started_at = ?, cancel_requested = false "
                + "from picked where j.id = picked.id returning " + JOB_COLUMNS)) {
            claim.setTimestamp(1, ts(now));
            claim.setArray(2, c.createArrayOf("text", kinds.toArray()));
            claim.setInt(3, limit);
            claim.setString(4, owner);
            claim.setTimestamp(5, ts(leaseUntil));
            claim.setTimestamp(6, ts(now));
            claim.setTimestamp(7, ts(now));
            try (ResultSet rs = claim.executeQuery()) {
                while (rs.next()) {
                    claimed.add(ref(rs));
                }
            }
        }
        return claimed;
    }

    /** Serialises claims of one kind across servers for the rest of the transaction. */
    static void lockKind(Connection c, String kind) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "atelier.jobs.kind:" + kind);
            lock.execute();
        }
    }

    static int running(Connection c, String kind) throws SQLException {
        try (PreparedStatement count =
                c.prepareStatement("select count(*) from platform.jobs where state = 'running' and kind = ?")) {
            count.setString(1, kind);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Renews the leases this owner still holds; returns, per job still held, whether it was asked
     * to cancel. A job missing from the answer was rescued from this owner.
     */
    static Map<Long, Boolean> heartbeat(
            Connection c, String owner, long[] ids, int[] attempts, Instant now, Instant leaseUntil)
            throws SQLException {
        Map<Long, Boolean> held = new HashMap<>();
        Map<Long, Integer> expected = expected(ids, attempts);
        // id = any (...) walks the primary key; a join with unnest(...) may be planned as a scan.
        try (PreparedStatement beat =
                c.prepareStatement("update platform.jobs j set lease_expires_at = ?, heartbeat_at = ? "
                        + "where j.id = any (?) and j.state = 'running' and j.lease_owner = ? "
                        + "returning j.id, j.attempt, j.cancel_requested")) {
            beat.setTimestamp(1, ts(leaseUntil));
            beat.setTimestamp(2, ts(now));
            beat.setArray(3, longs(c, ids));
            beat.setString(4, owner);
            try (ResultSet rs = beat.executeQuery()) {
                while (rs.next()) {
                    if (Integer.valueOf(rs.getInt(2)).equals(expected.get(rs.getLong(1)))) {
                        held.put(rs.getLong(1), rs.getBoolean(3));
                    }
                }
            }
        }
        return held;
    }

    private static Map<Long, Integer> expected(long[] ids, int[] attempts) {
        Map<Long, Integer> expected = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            expected.put(ids[i], attempts[i]);
        }
        return expected;
    }

    /** Locks the jobs this owner still holds at these attempts; the others are no longer its to finish. */
    static Map<Long, JobRef> fence(Connection c, String owner, long[] ids, int[] attempts) throws SQLException {
        Map<Long, JobRef> held = new HashMap<>();
        Map<Long, Integer> expected = expected(ids, attempts);
        try (PreparedStatement fence = c.prepareStatement("select " + JOB_COLUMNS + " from platform.jobs j "
                + "where j.id = any (?) and j.state = 'running' and j.lease_owner = ? order by j.id for update of j")) {
            fence.setArray(1, longs(c, ids));
            fence.setString(2, owner);
            try (ResultSet rs = fence.executeQuery()) {
                while (rs.next()) {
                    JobRef ref = ref(rs);
                    if (Integer.valueOf(ref.attempt()).equals(expected.get(ref.id()))) {
                        held.put(ref.id(), ref);
                    }
                }
            }
        }
        return held;
    }

    /** Running jobs whose lease ran out (their worker died or hangs without heartbeats), locked. */
    static List<JobRef> expired(Connection c, Instant now, int limit) throws SQLException {
        List<JobRef> expired = new ArrayList<>();
        try (PreparedStatement find = c.prepareStatement(
                "select " + JOB_COLUMNS + " from platform.jobs j "
                        + "where j.state = 'running' and j.lease_expires_at < ? order by j.id limit ? for update skip locked")) {
            find.setTimestamp(1, ts(now));
            find.setInt(2, limit);
            try (ResultSet rs = find.executeQuery()) {
                while (rs.next()) {
                    expired.add(ref(rs));
                }
            }
        }
        return expired;
    }

    static @Nullable JobRef lock(Connection c, long id) throws SQLException {
        try (PreparedStatement find = c.prepareStatement(
                "select " + JOB_COLUMNS + ", j.state from platform.jobs j where j.id = ? for update")) {
            find.setLong(1, id);
            try (ResultSet rs = find.executeQuery()) {
                return rs.next() ? ref(rs) : null;
            }
        }
    }

    static String state(Connection c, long id) throws SQLException {
        try (PreparedStatement find = c.prepareStatement("select state from platform.jobs where id = ?")) {
            find.setLong(1, id);
            try (ResultSet rs = find.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Transitions
    // ------------------------------------------------------------------------------------------

    static void completed(Connection c, long[] ids, Instant now) throws SQLException {
        try (PreparedStatement done = c.prepareStatement(
                "update platform.jobs set state = 'completed', outcome = 'completed', "
                        + "progress = 100, finished_at = ?, lease_owner = null, lease_expires_at = null where id = any (?)")) {
            done.setTimestamp(1, ts(now));
            done.setArray(2, longs(c, ids));
            done.executeUpdate();
        }
    }

    /**
     * Completes the jobs this owner still holds at these attempts, in one statement (the fence is
     * in its WHERE clause). Returns the completed ones; those with dependents are flagged.
     */
    static List<Completed> completeHeld(Connection c, String owner, long[] ids, int[] attempts, Instant now)
            throws SQLException {
        List<Completed> done = new ArrayList<>();
        try (PreparedStatement complete = c.prepareStatement("update platform.jobs j set state = 'completed', "
                + "outcome = 'completed', progress = 100, finished_at = ?, lease_owner = null, lease_expires_at = null "
                + "where j.id = any (?) and j.state = 'running' and j.lease_owner = ? "
                + "and j.attempt = (?::int[])[array_position(?::bigint[], j.id)] "
                + "returning j.id, j.app_table, j.app_key, "
                + "exists (select 1 from platform.job_dependencies d where d.depends_on = j.id)")) {
            Array idArray = longs(c, ids);
            complete.setTimestamp(1, ts(now));
            complete.setArray(2, idArray);
            complete.setString(3, owner);
            complete.setArray(
                    4,
                    c.createArrayOf(
                            "integer", java.util.Arrays.stream(attempts).boxed().toArray()));
            complete.setArray(5, idArray);
            try (ResultSet rs = complete.executeQuery()) {
                while (rs.next()) {
                    done.add(new Completed(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
                }
            }
        }
        return done;
    }

    record Completed(
            long id, @Nullable String appTable, @Nullable String appKey, boolean hasDependents) {}

    static void retry(Connection c, JobRef job, String error, Instant now, Instant runAt) throws SQLException {
        try (PreparedStatement retry = c.prepareStatement(
                "update platform.jobs set state = 'available', run_at = ?, "
                        + "last_error = ?, errors = errors || jsonb_build_array(jsonb_build_object('attempt', ?::int, 'at', ?::timestamptz, "
                        + "'error', ?::text)), lease_owner = null, lease_expires_at = null, cancel_requested = false where id = ?")) {
            retry.setTimestamp(1, ts(runAt));
            retry.setString(2, error);
            retry.setInt(3, job.attempt());
            retry.setTimestamp(4, ts(now));
            retry.setString(5, error);
            retry.setLong(6, job.id());
            retry.executeUpdate();
        }
    }

    /** Ends a job without success: outcome failed, timeout or cancelled. */
    static void gaveUp(Connection c, JobRef job, String outcome, @Nullable String error, Instant now)
            throws SQLException {
        try (PreparedStatement end =
                c.prepareStatement("update platform.jobs set state = ?, outcome = ?, last_error = ?, "
                        + "errors = case when ?::text is null then errors else errors || jsonb_build_array(jsonb_build_object("
                        + "'attempt', attempt, 'at', ?::timestamptz, 'error', ?::text)) end, finished_at = ?, lease_owner = null, "
                        + "lease_expires_at = null where id = ?")) {
            end.setString(1, outcome.equals("cancelled") ? "cancelled" : "failed");
            end.setString(2, outcome);
            end.setString(3, error);
            end.setString(4, error);
            end.setTimestamp(5, ts(now));
            end.setString(6, error);
            end.setTimestamp(7, ts(now));
            end.setLong(8, job.id());
            end.executeUpdate();
        }
    }

    /** Waiting dependents of these jobs whose dependencies have now all completed become available. */
    static List<String> release(Connection c, long[] completed, Instant now) throws SQLException {
        List<String> queues = new ArrayList<>();
        try (PreparedStatement release = c.prepareStatement("update platform.jobs j set state = 'available', "
                + "run_at = greatest(j.run_at, ?) where j.state = 'waiting' and j.id in (select d.job_id from "
                + "platform.job_dependencies d where d.depends_on = any (?)) and not exists (select 1 from "
                + "platform.job_dependencies d join platform.jobs p on p.id = d.depends_on where d.job_id = j.id "
                + "and p.state <> 'completed') returning j.queue")) {
            release.setTimestamp(1, ts(now));
            release.setArray(2, longs(c, completed));
            try (ResultSet rs = release.executeQuery()) {
                while (rs.next()) {
                    queues.add(rs.getString(1));
                }
            }
        }
        return queues;
    }

    /** Waiting dependents of a job that failed or was cancelled, locked. */
    static List<JobRef> waitingOn(Connection c, long failed) throws SQLException {
        List<JobRef> dependents = new ArrayList<>();
        try (PreparedStatement find = c.prepareStatement("select " + JOB_COLUMNS + " from platform.jobs j "
                + "where j.state = 'waiting' and j.id in (select d.job_id from platform.job_dependencies d "
                + "where d.depends_on = ?) order by j.id for update")) {
            find.setLong(1, failed);
            try (ResultSet rs = find.executeQuery()) {
                while (rs.next()) {
                    dependents.add(ref(rs));
                }
            }
        }
        return dependents;
    }

    /** Waiting jobs whose dependencies are settled (app rows inserted after their dependency ended). */
    static List<Long> settledWaiting(Connection c, int limit) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement find = c.prepareStatement("select d.depends_on from platform.jobs j "
                + "join platform.job_dependencies d on d.job_id = j.id join platform.jobs p on p.id = d.depends_on "
                + "where j.state = 'waiting' and p.state in ('completed', 'failed', 'cancelled') limit ?")) {
            find.setInt(1, limit);
            try (ResultSet rs = find.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    static Array longs(Connection c, long[] values) throws SQLException {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return c.createArrayOf("bigint", boxed);
    }
}
