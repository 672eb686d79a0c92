package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Runs one request's statements in one transaction as the caller. Reads (GET/HEAD) run READ ONLY,
 * as in PostgREST, so a function called by GET cannot write (25006, 405). A {@link Check} runs
 * inside the transaction, so a result it refuses (say, a single object asked for and two rows
 * changed) rolls the writes back.
 *
 * <p>Round trips: the request's settings ({@link RequestContext}, and {@code Prefer: timezone=})
 * go with the role and the claims, and the pre-request function (PostgREST's db-pre-request), the
 * statement and the read of {@code response.headers} and {@code response.status} are sent with
 * them as one multi-statement query ({@code Database.transaction} with a first statement), so a
 * pre-request that raises stops the statement, and what the statement and its AFTER triggers set
 * is read once they have run. A write then commits after the checks. A read's page statement
 * reads the response settings itself, in its last columns ({@link ReadSql#RESPONSE_SETTINGS}; no
 * trigger fires in a read), and its BEGIN and COMMIT are sent with it: a read is two exchanges
 * with PostgreSQL (BEGIN and the role statement; the page and COMMIT, since pgjdbc waits before a
 * statement that follows one whose result it cannot bound), down from five (ADR 0029). A dry run ({@code Prefer: tx=rollback}) rolls back at the end.
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
     * The JSON body as text, the number of rows in it, the total when counted, for an upsert the
     * rows it inserted, and what SQL set for the response.
     */
    record Result(
            @Nullable String body,
            long pageTotal,
            @Nullable Long total,
            @Nullable Long inserted,
            Responses.FromSql fromSql) {}

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
        return query(req, readOnly, null, estimate -> sql, null, false, check);
    }

    /** A read's statements ({@link ReadSql#read}), with count=planned or estimated as PostgREST counts. */
    Result query(ApiRequest req, boolean readOnly, ReadSql.Statement statement, @Nullable Check check)
            throws SQLException {
        Long past = statement.estimatePast();
        Sql planned = statement.planned();
        if (past == null || planned == null) {
            return query(req, readOnly, planned, statement.page(), null, true, check);
        }
        // count=estimated: counted exactly up to db-max-rows, past it the planner's estimate
        // when that is larger.
        return query(
                req,
                readOnly,
                null,
                statement.page(),
                (c, counted) -> {
                    if (counted == null || counted <= past) {
                        return counted;
                    }
                    Long estimate = plannedRows(c, planned);
                    return estimate == null ? counted : Long.valueOf(Math.max(counted, estimate));
                },
                true,
                check);
    }

    /** What a counted total becomes once the page is read (count=estimated past db-max-rows). */
    @FunctionalInterface
    private interface Recount {
        @Nullable
        Long total(Connection c, @Nullable Long counted) throws SQLException;
    }

    /**
     * @param planned when not null, a statement to EXPLAIN first: its row estimate goes to
     *                {@code choose} and stands in for a total the statement leaves null
     * @param pageStatement the statement is a page statement of {@link ReadSql}: it reads what SQL
     *                set for the response itself ({@link ReadSql#RESPONSE_SETTINGS}), so no second
     *                statement is sent for it
     */
    private Result query(
            ApiRequest req,
            boolean readOnly,
            @Nullable Sql planned,
            ByEstimate choose,
            @Nullable Recount recount,
            boolean pageStatement,
            @Nullable Check check)
            throws SQLException {
        if (pageStatement && readOnly && planned == null && recount == null && !req.rollback) {
            // A plain read: opening, [pre-request,] page and COMMIT in one multi-statement query.
            Sql statement = withPreRequest(choose.statement(null));
            return database.transaction(
                    req.caller, true, settings(req), statement.text(), statement::bind, true, (tx, ps) -> {
                        if (!statementResult(ps)) {
                            throw new SQLException("the statement returned no rows", "XX000");
                        }
                        Page page = Page.read(ps, null, true);
                        Result result = new Result(page.body(), page.rows(), page.total(), null, page.fromSql());
                        if (check != null) {
                            check.accept(result);
                        }
                        return result;
                    });
        }
        return database.transaction(req.caller, readOnly, settings(req), tx -> {
            Connection c = tx.connection();
            Long estimate = planned == null ? null : plannedRows(c, planned);
            Sql statement = choose.statement(estimate);
            try (PreparedStatement ps = (pageStatement ? withPreRequest(statement) : batch(statement)).prepare(c)) {
                ps.execute();
                if (!statementResult(ps)) {
                    throw new SQLException("the statement returned no rows", "XX000");
                }
                Page page = Page.read(ps, estimate, pageStatement);
                Responses.FromSql fromSql = pageStatement ? page.fromSql() : fromSql(ps);
                Long total = recount == null ? page.total() : recount.total(c, page.total());
                return finish(c, req, new Result(page.body(), page.rows(), total, null, fromSql), check);
            }
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
        Sql batch = batch(sql);
        return database.transaction(req.caller, false, settings(req), batch.text(), batch::bind, false, (tx, ps) -> {
            Connection c = tx.connection();
            boolean isResultSet = statementResult(ps);
            Page page = representation && isResultSet
                    ? Page.read(ps, null, false)
                    : new Page(null, Math.max(0, ps.getLargeUpdateCount()), null);
            Responses.FromSql fromSql = fromSql(ps);
            Long inserted = null;
            if (countInserted) {
                try (PreparedStatement count = c.prepareStatement(MutationSql.INSERTED_ROWS);
                        ResultSet rs = count.executeQuery()) {
                    if (rs.next()) {
                        long n = rs.getLong(1);
                        inserted = rs.wasNull() ? Long.valueOf(0) : Long.valueOf(n);
                    }
                }
            }
            return finish(c, req, new Result(page.body(), page.rows(), page.total(), inserted, fromSql), check);
        });
    }

    /** A statement without a result set (a mutation with return=minimal, a void function): rows affected. */
    Result update(ApiRequest req, boolean readOnly, Sql sql, boolean isQuery, @Nullable Check check)
            throws SQLException {
        Sql batch = batch(sql);
        return database.transaction(req.caller, readOnly, settings(req), batch.text(), batch::bind, false, (tx, ps) -> {
            boolean isResultSet = statementResult(ps);
            long rows;
            if (isQuery && isResultSet) {
                try (ResultSet rs = ps.getResultSet()) {
                    rows = rs.next() ? 1 : 0;
                }
            } else {
                rows = Math.max(0, ps.getLargeUpdateCount());
            }
            return finish(tx.connection(), req, new Result(null, rows, null, null, fromSql(ps)), check);
        });
    }

    /**
     * Any work in a transaction of its own, e.g. the OpenAPI privilege look-up; the pre-request
     * function runs first. What SQL sets for the response is not read (nor is it by PostgREST for
     * its root).
     */
    <T> T run(ApiRequest req, Database.Work<T> work) throws SQLException {
        return database.transaction(req.caller, true, settings(req), tx -> {
            if (!preRequestCall.isEmpty()) {
                try (PreparedStatement ps = tx.connection().prepareStatement(preRequestCall)) {
                    ps.execute();
                }
            }
            return work.run(tx);
        });
    }

    /** The time zone names PostgreSQL knows (pg_timezone_names), for Prefer: timezone=. */
    java.util.Set<String> timezones(Caller caller) throws SQLException {
        return database.transaction(caller, true, tx -> {
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
    String explain(ApiRequest req, boolean readOnly, Sql statement, MediaType.Explain explain) throws SQLException {
        return database.transaction(req.caller, readOnly, settings(req), tx -> {
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

    /** The request's settings, and Prefer: timezone= (a name PostgreSQL knows, checked while parsing). */
    private static Map<String, String> settings(ApiRequest req) {
        String zone = req.preferences.timezone();
        if (zone == null) {
            return req.context.settings();
        }
        Map<String, String> settings = new LinkedHashMap<>(req.context.settings());
        settings.put("timezone", zone);
        return settings;
    }

    /**
     * A page statement's one row: body, page_total and total ({@code totalIfNull} when null), and
     * for a statement of {@link ReadSql} what SQL set for the response (columns 4 and 5).
     */
    private record Page(
            @Nullable String body,
            long rows,
            @Nullable Long total,
            @Nullable String responseHeaders,
            @Nullable String responseStatus) {
        Page(@Nullable String body, long rows, @Nullable Long total) {
            this(body, rows, total, null, null);
        }

        /** @param withResponse a page statement of {@link ReadSql}, with the response settings */
        static Page read(PreparedStatement ps, @Nullable Long totalIfNull, boolean withResponse) throws SQLException {
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                String body = rs.getString(1);
                long rows = rs.getLong(2);
                long total = rs.getLong(3);
                Long counted = rs.wasNull() ? totalIfNull : Long.valueOf(total);
                return withResponse
                        ? new Page(body, rows, counted, rs.getString(4), rs.getString(5))
                        : new Page(body, rows, counted);
            }
        }

        Responses.FromSql fromSql() {
            return Responses.fromSql(responseHeaders, responseStatus);
        }
    }

    /** [pre-request;] statement; read of response.headers and response.status: one batch. */
    private Sql batch(Sql statement) {
        return new Sql().sql(preRequestCall).append(statement).sql(READ_RESPONSE);
    }

    /** [pre-request;] statement. */
    private Sql withPreRequest(Sql statement) {
        return preRequestCall.isEmpty()
                ? statement
                : new Sql().sql(preRequestCall).append(statement);
    }

    /**
     * On an executed batch positioned at its first result: moves past the pre-request function's
     * result, when there is one, and answers whether the statement's own result is rows.
     */
    private boolean statementResult(PreparedStatement ps) throws SQLException {
        return preRequestCall.isEmpty() ? ps.getResultSet() != null : ps.getMoreResults();
    }

    /** What SQL set for the response, from the batch's last result. */
    private static Responses.FromSql fromSql(PreparedStatement ps) throws SQLException {
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
        return Responses.fromSql(headers, status);
    }

    /**
     * The check on the rows, then the end of a dry run (Prefer: tx=rollback, or
     * atelier.rest.tx-end): deferred constraints are checked now, as a commit would, then
     * everything is rolled back; what the response says is what a commit would have answered, and
     * the caller's transaction then commits nothing.
     */
    private static Result finish(Connection c, ApiRequest req, Result result, @Nullable Check check)
            throws SQLException {
        if (check != null) {
            check.accept(result);
        }
        if (req.rollback) {
            try (PreparedStatement ps = c.prepareStatement("SET CONSTRAINTS ALL IMMEDIATE")) {
                ps.execute();
            }
            c.rollback();
        }
        return result;
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
