package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
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
 *
 * <p>Round trips stay those of a request without these features: the request's settings
 * ({@link RequestContext}) go with the role and the claims ({@code Database.transaction}); the
 * pre-request function (PostgREST's db-pre-request), the statement and the read of
 * {@code response.headers} and {@code response.status} go to PostgreSQL as one pipelined
 * batch (pgjdbc sends a multi-statement query with one Sync), so a pre-request that raises stops
 * the statement, and what the statement and its AFTER triggers set is read once they have run.
 */
final class Executor {

    /** What SQL set for the response, read after the statement in the same batch. */
    private static final String READ_RESPONSE = ";\nSELECT nullif(current_setting('response.headers', true), ''),"
            + " nullif(current_setting('response.status', true), '')";

    private final Database database;
    /** {@code SELECT "schema"."fn"();\n}, or empty without a pre-request function. */
    private final String preRequestCall;

    /**
     * @param preRequest the pre-request function, {@code schema.name}, or null for none
     */
    Executor(Database database, @Nullable String preRequest) {
        this.database = database;
        this.preRequestCall = preRequest == null ? "" : "SELECT " + preRequestFunction(preRequest) + "();\n";
    }

    /**
     * {@code "schema"."name"} from atelier.rest.pre-request ({@code schema.name}, each part quoted
     * as written, as PostgREST quotes db-pre-request).
     */
    static String preRequestFunction(String name) {
        String[] parts = name.trim().split("\\.", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException(
                    "atelier.rest.pre-request must be a schema-qualified function name (schema.function): " + name);
        }
        return Sql.quote(parts[0]) + "." + Sql.quote(parts[1]);
    }

    /**
     * The JSON body as text, the number of rows in it, the total when counted, and what SQL set
     * for the response.
     */
    record Result(
            @Nullable String body, long pageTotal, @Nullable Long total, Responses.FromSql fromSql) {}

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

    /**
     * @param planned when not null, a statement to EXPLAIN first: its row estimate goes to
     *                {@code choose} and stands in for a total the statement leaves null
     */
    Result query(ApiRequest req, boolean readOnly, @Nullable Sql planned, ByEstimate choose, @Nullable Check check)
            throws SQLException {
        return database.transaction(req.caller, readOnly, req.context.settings(), tx -> {
            Connection c = tx.connection();
            Long estimate = planned == null ? null : plannedRows(c, planned);
            try (PreparedStatement ps = batch(choose.statement(estimate)).prepare(c)) {
                boolean isResultSet = ps.execute();
                if (!preRequestCall.isEmpty()) {
                    isResultSet = ps.getMoreResults();
                }
                Result result;
                if (!isResultSet) {
                    throw new SQLException("the statement returned no rows", "XX000");
                }
                try (ResultSet rs = ps.getResultSet()) {
                    rs.next();
                    String body = rs.getString(1);
                    long page = rs.getLong(2);
                    long total = rs.getLong(3);
                    Long totalOrNull = rs.wasNull() ? estimate : Long.valueOf(total);
                    result = new Result(body, page, totalOrNull, Responses.FromSql.NONE);
                }
                return finish(ps, result, check);
            }
        });
    }

    /** A statement without a result set (a mutation with return=minimal, a void function): rows affected. */
    Result update(ApiRequest req, boolean readOnly, Sql sql, boolean isQuery, @Nullable Check check)
            throws SQLException {
        return database.transaction(req.caller, readOnly, req.context.settings(), tx -> {
            Connection c = tx.connection();
            try (PreparedStatement ps = batch(sql).prepare(c)) {
                boolean isResultSet = ps.execute();
                if (!preRequestCall.isEmpty()) {
                    isResultSet = ps.getMoreResults();
                }
                long rows;
                if (isQuery && isResultSet) {
                    try (ResultSet rs = ps.getResultSet()) {
                        rows = rs.next() ? 1 : 0;
                    }
                } else {
                    rows = Math.max(0, ps.getLargeUpdateCount());
                }
                return finish(ps, new Result(null, rows, null, Responses.FromSql.NONE), check);
            }
        });
    }

    /**
     * Any work in a transaction of its own, e.g. the OpenAPI privilege look-up; the pre-request
     * function runs first. What SQL sets for the response is not read (nor is it by PostgREST for
     * its root).
     */
    <T> T run(ApiRequest req, Database.Work<T> work) throws SQLException {
        return database.transaction(req.caller, true, req.context.settings(), tx -> {
            if (!preRequestCall.isEmpty()) {
                try (PreparedStatement ps = tx.connection().prepareStatement(preRequestCall)) {
                    ps.execute();
                }
            }
            return work.run(tx);
        });
    }

    /** [pre-request;] statement; read of response.headers and response.status: one batch. */
    private Sql batch(Sql statement) {
        return new Sql().sql(preRequestCall).append(statement).sql(READ_RESPONSE);
    }

    /** The check on the rows, then what SQL set for the response, read from the batch's last result. */
    private static Result finish(PreparedStatement ps, Result result, @Nullable Check check) throws SQLException {
        String headers = null;
        String status = null;
        if (ps.getMoreResults()) {
            try (ResultSet rs = ps.getResultSet()) {
                if (rs.next()) {
                    headers = rs.getString(1);
                    status = rs.getString(2);
                }
            }
        }
        if (check != null) {
            check.accept(result);
        }
        Responses.FromSql fromSql = Responses.fromSql(headers, status);
        return fromSql == Responses.FromSql.NONE
                ? result
                : new Result(result.body(), result.pageTotal(), result.total(), fromSql);
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
