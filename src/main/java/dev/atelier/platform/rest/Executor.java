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

    /** The JSON body as text, the number of rows in it, and the total when counted. */
    record Result(
            @Nullable String body, long pageTotal, @Nullable Long total) {}

    @FunctionalInterface
    interface Check {
        void accept(Result result);
    }

    /** Chooses the statement once the planner's row estimate is known (count=estimated). */
    @FunctionalInterface
    interface ByEstimate {
        Sql statement(@Nullable Long estimate);
    }

    Result query(Caller caller, boolean readOnly, Sql sql, @Nullable Check check) throws SQLException {
        return query(caller, readOnly, null, estimate -> sql, check);
    }

    /**
     * @param planned when not null, a statement to EXPLAIN first: its row estimate goes to
     *                {@code choose} and stands in for a total the statement leaves null
     */
    Result query(Caller caller, boolean readOnly, @Nullable Sql planned, ByEstimate choose, @Nullable Check check)
            throws SQLException {
        return database.transaction(caller, readOnly, tx -> {
            Connection c = tx.connection();
            Long estimate = planned == null ? null : plannedRows(c, planned);
            Result result;
            try (PreparedStatement ps = choose.statement(estimate).prepare(c);
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                String body = rs.getString(1);
                long page = rs.getLong(2);
                long total = rs.getLong(3);
                Long totalOrNull = rs.wasNull() ? estimate : Long.valueOf(total);
                result = new Result(body, page, totalOrNull);
            }
            if (check != null) {
                check.accept(result);
            }
            return result;
        });
    }

    /** A statement without a result set (a mutation with return=minimal, a void function): rows affected. */
    long update(Caller caller, boolean readOnly, Sql sql, boolean isQuery, @Nullable Check check) throws SQLException {
        return database.transaction(caller, readOnly, tx -> {
            Connection c = tx.connection();
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
                check.accept(new Result(null, rows, null));
            }
            return rows;
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
