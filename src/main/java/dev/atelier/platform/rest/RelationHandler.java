package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.platform.rest.Executor.Result;
import dev.atelier.platform.rest.Preferences.Count;
import dev.atelier.platform.rest.Preferences.Return;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * GET, HEAD, POST, PUT, PATCH and DELETE on /rest/v1/{table}: plan ({@link ReadPlanner},
 * {@link WritePlanner}), render ({@link ReadSql}, {@link MutationSql}), execute, respond
 * ({@link Responses}).
 */
final class RelationHandler {

    private final Executor executor;

    RelationHandler(Executor executor) {
        this.executor = executor;
    }

    Reply handle(ApiRequest req, Catalog catalog, @Nullable ColumnGrants grants) throws SQLException {
        return req.isRead() ? read(req, catalog, grants) : write(req, WritePlanner.plan(req, catalog, grants));
    }

    private Reply read(ApiRequest req, Catalog catalog, @Nullable ColumnGrants grants) throws SQLException {
        RangeSpec range = req.range();
        Table table = catalog.tableOrError(req.schema, req.name);
        ReadPlan root = new ReadPlanner(catalog, req.schema, req.limits, grants)
                .plan(table, table.columns(), table.name(), req.query, false, req::range);

        Count count = req.preferences.count();
        ReadSql.Statement statement =
                ReadSql.read(root, ReadSql.from(table, root), req.media, count, req.limits.maxRows());
        Result result =
                executor.query(req, true, statement.planned(), statement.page(), Responses.singleObject(req.media));
        return Responses.page(req, result, range.offset(), count);
    }

    private Reply write(ApiRequest req, MutatePlan plan) throws SQLException {
        Sql statement = MutationSql.statement(plan);
        Executor.Check single = Responses.singleObject(req.media);
        if (plan.returning() == Return.REPRESENTATION) {
            Result result = executor.query(req, false, MutationSql.withRepresentation(plan, statement), single);
            return Responses.mutation(req, plan, result);
        }
        Result result = statement == null
                ? new Result(null, 0, null, Responses.FromSql.NONE)
                : executor.update(req, false, statement, false, single);
        return Responses.mutation(req, plan, result);
    }
}
