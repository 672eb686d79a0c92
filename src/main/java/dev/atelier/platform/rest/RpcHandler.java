package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Executor.Result;
import dev.atelier.platform.rest.Preferences.Count;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * POST /rest/v1/rpc/{fn} with named JSON arguments, and GET/HEAD with arguments in the query
 * string (in a read-only transaction, as PostgREST runs them): plan ({@link CallPlanner}), render
 * ({@link RpcSql}, {@link ReadSql}), execute, respond ({@link Responses}). A scalar result is one
 * JSON value, a set of scalars a JSON array, a composite or table result rows that select,
 * filters, order and limits apply to, like a table's.
 */
final class RpcHandler {

    private final Executor executor;

    RpcHandler(Executor executor) {
        this.executor = executor;
    }

    Reply handle(ApiRequest req, Catalog catalog, @Nullable ColumnGrants grants) throws SQLException {
        CallPlan plan = CallPlanner.plan(req, catalog, grants);
        RpcSql.Call call = RpcSql.call(plan);
        boolean readOnly = plan.readOnly();
        boolean set = plan.result() == CallPlan.Result.SCALAR_SET || plan.result() == CallPlan.Result.COMPOSITE_SET;
        Long maxAffected = req.preferences.strictMaxAffected();
        if (maxAffected != null && !set) {
            // PostgREST 13: the rows a function affects are the rows it returns, so it must return a set.
            throw ErrorCode.PGRST128.error();
        }
        Executor.Check limit = maxAffected == null ? null : Responses.maxAffected(maxAffected);
        Executor.Check single = RelationHandler.checks(Responses.singleObject(req.media), limit);
        // As PostgREST counts a function's rows: exactly for count=exact and count=estimated.
        Count asked = req.preferences.count();
        switch (plan.result()) {
            case VOID -> {
                if (req.explain != null) {
                    return plan(req, readOnly, RpcSql.voidCall(call));
                }
                Result result = executor.update(req, readOnly, RpcSql.voidCall(call), true, null);
                return Responses.empty(req, result, 204);
            }
            case SCALAR -> {
                Sql sql = RpcSql.scalar(call, req.limits.maxResponseBytes());
                if (req.explain != null) {
                    return plan(req, readOnly, sql);
                }
                Result result = executor.query(req, readOnly, sql, null);
                return Responses.value(req, result, result.body(), true);
            }
            case SCALAR_SET -> {
                RangeSpec range = plan.range();
                Sql sql = RpcSql.scalarSet(
                        call,
                        req.limits.capRows(range.limit()),
                        range.offset() == 0 ? null : range.offset(),
                        req.limits.maxResponseBytes(),
                        asked == Count.EXACT || asked == Count.ESTIMATED);
                if (req.explain != null) {
                    return plan(req, readOnly, sql);
                }
                Result result = executor.query(req, readOnly, sql, single);
                return Responses.page(req, result, range.offset(), asked);
            }
            case COMPOSITE -> {
                // One composite value: PostgREST answers the object itself, not an array of one.
                ReadPlan root = plan.rows();
                Sql sql = ReadSql.page(root, call.from(Sql.quote(root.alias)), false, true);
                if (req.explain != null) {
                    return plan(req, readOnly, sql);
                }
                Result result = executor.query(req, readOnly, sql, null);
                return Responses.value(
                        req, result, result.pageTotal() == 0 ? "null" : Responses.unwrap(result.body()), false);
            }
            case COMPOSITE_SET -> {
                ReadPlan root = plan.rows();
                Sql from = call.from(Sql.quote(root.alias));
                // A GET may plan its count (EXPLAIN); a POST counts exactly or not at all, as PostgREST.
                Count count = readOnly ? asked : asked == Count.EXACT || asked == Count.ESTIMATED ? Count.EXACT : null;
                ReadSql.Statement statement = ReadSql.read(root, from, req.media, count, req.limits.maxRows());
                if (req.explain != null) {
                    return plan(req, readOnly, statement.page().statement(null));
                }
                Result result = executor.query(req, readOnly, statement, single);
                return Responses.page(req, result, plan.range().offset(), asked);
            }
            default -> throw new IllegalStateException(plan.result().name());
        }
    }

    /** Accept: application/vnd.pgrst.plan: the EXPLAIN of the call instead of its result. */
    private Reply plan(ApiRequest req, boolean readOnly, Sql sql) throws SQLException {
        MediaType.Explain explain = java.util.Objects.requireNonNull(req.explain);
        return Responses.plan(req, explain, executor.explain(req, readOnly, sql, explain));
    }
}
