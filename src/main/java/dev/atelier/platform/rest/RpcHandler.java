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
        switch (plan.result()) {
            case VOID -> {
                Result result = executor.update(req, readOnly, RpcSql.voidCall(call), true, null);
                return Responses.empty(req, result, 204);
            }
            case SCALAR -> {
                Result result = executor.query(req, readOnly, RpcSql.scalar(call, req.limits.maxResponseBytes()), null);
                return Responses.value(req, result, result.body(), true);
            }
            case SCALAR_SET -> {
                RangeSpec range = plan.range();
                Sql sql = RpcSql.scalarSet(
                        call,
                        req.limits.capRows(range.limit()),
                        range.offset() == 0 ? null : range.offset(),
                        req.limits.maxResponseBytes());
                Result result = executor.query(req, readOnly, sql, Responses.singleObject(req.media));
                return Responses.page(req, result, range.offset(), null);
            }
            case COMPOSITE -> {
                // One composite value: PostgREST answers the object itself, not an array of one.
                ReadPlan root = plan.rows();
                Sql sql = ReadSql.page(root, call.from(Sql.quote(root.alias)), false, true);
                Result result = executor.query(req, readOnly, sql, null);
                return Responses.value(
                        req, result, result.pageTotal() == 0 ? "null" : Responses.unwrap(result.body()), false);
            }
            case COMPOSITE_SET -> {
                ReadPlan root = plan.rows();
                Sql from = call.from(Sql.quote(root.alias));
                // A POST runs read-write and counts exactly or not at all.
                Count count = readOnly
                        ? req.preferences.count()
                        : req.preferences.count() == Count.EXACT ? Count.EXACT : null;
                ReadSql.Statement statement = ReadSql.read(root, from, req.media, count, req.limits.maxRows());
                Result result = executor.query(
                        req, readOnly, statement.planned(), statement.page(), Responses.singleObject(req.media));
                return Responses.page(req, result, plan.range().offset(), count);
            }
            default -> throw new IllegalStateException(plan.result().name());
        }
    }
}
