package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * Runs one request's statements in one transaction as the caller. Reads (GET/HEAD) run READ ONLY,
 * as in PostgREST, so a function called by GET cannot write (25006, 405). A {@link Check} runs
 * inside the transaction, so a result it refuses (say, a single object asked for and two rows
 * changed) rolls the writes back.
 */
final class Executor {

    private final Database database;

    Executor(Database database) {
        this.database = database;
    }

    /**
     * The JSON body as text, the number of rows in it, the total when counted, and for an upsert
     * the rows it inserted.
     */
    record Result(
            @Nullable String body,
            long pageTotal,
            @Nullable Long total,
            @Nullable Long inserted) {}

    @FunctionalInterface
    interface Check {
        void accept(Result result);
    }

    /** Chooses the statement once the planner's row estimate is known (count=estimated). */
    @FunctionalInterface
    interface ByEstimate {
        Sql statement(@Nullable Long estimate);
    }

    Result query(ApiRequest req, boolean readOnly, Sql sql, @Nullable Check check) throws SQLException {
        return query(req, readOnly, null, estimate -> sql, check);
    }

    /** A read's statements ({@link ReadSql#read}), with count=planned or estimated as PostgREST counts. */
    Result query(ApiRequest req, boolean readOnly, ReadSql.Statement statement, @Nullable Check check)
            throws SQLException {
        Long past = statement.estimatePast();
        Sql planned = statement.planned();
        if (past == null || planned == null) {
            return query(req, readOnly, planned, statement.page(), check);
        }
        return database.transaction(req.caller, readOnly, tx -> {
            Connection c = tx.connection();
            begin(c, req);
            Result result;
            try (PreparedStatement ps = statement.page().statement(null).prepare(c);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                String body = rs.getString(1);
                long page = rs.getLong(2);
                long total = rs.getLong(3);
                Long counted = rs.wasNull() ? null : Long.valueOf(total);
                if (counted != null && counted > past) {
                    // More rows than db-max-rows: the planner's estimate when it is larger.
                    Long estimate = plannedRows(c, planned);
                    counted = estimate == null ? counted : Long.valueOf(Math.max(counted, estimate));
                }
                result = new Result(body, page, counted, null);
            }
            if (check != null) {
                check.accept(result);
            }
            end(c, req);
            return result;
        });
    }

    /**
     * @param planned when not null, a statement to EXPLAIN first: its row estimate goes to
     *                {@code choose} and stands in for a total the statement leaves null
     */
    Result query(ApiRequest req, boolean readOnly, @Nullable Sql planned, ByEstimate choose, @Nullable Check check)
            throws SQLException {
        return database.transaction(req.caller, readOnly, tx -> {
            Connection c = tx.connection();
            begin(c, req);
            Long estimate = planned == null ? null : plannedRows(c, planned);
            Result result;
            try (PreparedStatement ps = choose.statement(estimate).prepare(c);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                String body = rs.getString(1);
                long page = rs.getLong(2);
                long total = rs.getLong(3);
                Long totalOrNull = rs.wasNull() ? estimate : Long.valueOf(total);
                result = new Result(body, page, totalOrNull, null);
            }
            if (check != null) {
                check.accept(result);
            }
            end(c, req);
            return result;
        });
    }

    /**
     * A write: with {@code representation}, a statement answering (body, rows, total); without, one
     * with no result set (its update count is the rows). With {@code countInserted}, an upsert's
     * inserted rows are read back after it ({@link MutationSql#INSERTED_ROWS}). The check runs
     * before the transaction ends, so a refusal rolls the write back.
     */
    Result write(ApiRequest req, Sql sql, boolean representation, boolean countInserted, @Nullable Check check)
            throws SQLException {
        return database.transaction(req.caller, false, tx -> {
            Connection c = tx.connection();
            begin(c, req);
            String body = null;
            long rows;
            Long total = null;
            try (PreparedStatement ps = sql.prepare(c)) {
                if (representation) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        body = rs.getString(1);
                        rows = rs.getLong(2);
                        long t = rs.getLong(3);
                        total = rs.wasNull() ? null : Long.valueOf(t);
                    }
                } else {
                    rows = ps.executeLargeUpdate();
                }
            }
            Long inserted = null;
            if (countInserted) {
                try (PreparedStatement ps = c.prepareStatement(MutationSql.INSERTED_ROWS);
                        ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        long n = rs.getLong(1);
                        inserted = rs.wasNull() ? Long.valueOf(0) : Long.valueOf(n);
                    }
                }
            }
            Result result = new Result(body, rows, total, inserted);
            if (check != null) {
                check.accept(result);
            }
            end(c, req);
            return result;
        });
    }

    /** A statement without a result set (a mutation with return=minimal, a void function): rows affected. */
    long update(ApiRequest req, boolean readOnly, Sql sql, boolean isQuery, @Nullable Check check) throws SQLException {
        return database.transaction(req.caller, readOnly, tx -> {
            Connection c = tx.connection();
            begin(c, req);
            long rows;
            try (PreparedStatement ps = sql.prepare(c)) {
                if (isQuery) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rows = rs.next() ? 1 : 0;
                    }
                } else {
                    rows = ps.executeLargeUpdate();
                }
            }
            if (check != null) {
                check.accept(new Result(null, rows, null, null));
            }
            end(c, req);
            return rows;
        });
    }

    /** Prefer: timezone=, known to PostgreSQL (checked while parsing): for this transaction only. */
    private static void begin(Connection c, ApiRequest req) throws SQLException {
        String zone = req.preferences.timezone();
        if (zone != null) {
            try (PreparedStatement ps = c.prepareStatement("select set_config('timezone', ?, true)")) {
                ps.setString(1, zone);
                ps.execute();
            }
        }
    }

    /**
     * A dry run (Prefer: tx=rollback, or atelier.rest.tx-end): deferred constraints are checked
     * now, as a commit would, then everything is rolled back; what the response says is what a
     * commit would have answered. The caller's transaction then commits nothing.
     */
    private static void end(Connection c, ApiRequest req) throws SQLException {
        if (req.rollback) {
            try (PreparedStatement ps = c.prepareStatement("SET CONSTRAINTS ALL IMMEDIATE")) {
                ps.execute();
            }
            c.rollback();
        }
    }

    /** The time zone names PostgreSQL knows (pg_timezone_names), for Prefer: timezone=. */
    java.util.Set<String> timezones(Caller caller) throws SQLException {
        return run(caller, tx -> {
            java.util.Set<String> names = new java.util.HashSet<>();
            try (PreparedStatement ps = tx.connection().prepareStatement("select name from pg_timezone_names");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            return java.util.Set.copyOf(names);
        });
    }

    /**
     * PostgreSQL's EXPLAIN of {@code statement}, run as the caller in a transaction like the
     * statement's own (same role, claims, RLS, statement timeout, read-only for reads): the plan's
     * lines, each ended by a newline, as PostgREST answers them. With ANALYZE the statement runs,
     * inside a savepoint that is rolled back, so a write planned with ANALYZE changes nothing.
     */
    String explain(Caller caller, boolean readOnly, Sql statement, MediaType.Explain explain) throws SQLException {
        return database.transaction(caller, readOnly, tx -> {
            Connection c = tx.connection();
            java.sql.Savepoint savepoint = explain.analyze() ? c.setSavepoint() : null;
            StringBuilder plan = new StringBuilder();
            try (PreparedStatement ps = new Sql()
                            .sql(explain.explainPrefix())
                            .append(statement)
                            .prepare(c);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            if (savepoint != null) {
                c.rollback(savepoint);
            }
            return plan.toString();
        });
    }

    /** Any work in a transaction of its own, e.g. the OpenAPI privilege look-up. */
    <T> T run(Caller caller, Database.Work<T> work) throws SQLException {
        return database.transaction(caller, true, work);
    }

    /** PostgreSQL's row estimate for the matching rows: PostgREST's count=planned. */
    private static @Nullable Long plannedRows(Connection c, Sql planned) throws SQLException {
        Sql explain = new Sql().sql("EXPLAIN (FORMAT JSON) ").append(planned);
        try (PreparedStatement ps = explain.prepare(c);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            try {
                JsonNode plan = Payload.mapper().readTree(rs.getString(1));
                JsonNode rows = plan.path(0).path("Plan").path("Plan Rows");
                return rows.isNumber() ? rows.asLong() : null;
            } catch (java.io.IOException e) {
                return null;
            }
        }
    }
}
