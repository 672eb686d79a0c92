package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.platform.rest.Executor.Result;
import dev.atelier.platform.rest.Preferences.Count;
import dev.atelier.platform.rest.Preferences.Return;
import java.sql.SQLException;
import java.util.Objects;
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
        if (req.explain != null) {
            Sql page = statement.page().statement(null);
            return Responses.plan(req, req.explain, executor.explain(req, true, page, req.explain));
        }
        Result result = executor.query(req, true, statement, Responses.singleObject(req.media));
        return Responses.page(req, result, range.offset(), count);
    }

    private Reply write(ApiRequest req, MutatePlan plan) throws SQLException {
        Sql statement = MutationSql.statement(plan);
        if (req.explain != null) {
            // The statement this write would run, with its representation when one is asked for.
            Sql run = plan.returning() == Return.REPRESENTATION || statement == null
                    ? MutationSql.withRepresentation(plan, statement)
                    : statement;
            return Responses.plan(req, req.explain, executor.explain(req, false, run, req.explain));
        }
        Executor.Check check = checks(Responses.singleObject(req.media), maxAffected(req, plan));
        boolean representation = plan.returning() == Return.REPRESENTATION;
        if (statement == null && !representation) {
            return Responses.mutation(req, plan, new Result(null, 0, null, null, Responses.FromSql.NONE));
        }
        Result result = executor.write(
                req,
                representation ? MutationSql.withRepresentation(plan, statement) : Objects.requireNonNull(statement),
                representation,
                // A PUT without representation answers 204 either way: no need to read the count back.
                statement != null
                        && MutationSql.countsInserted(plan)
                        && (representation || plan.kind() == MutatePlan.Kind.INSERT),
                check);
        return Responses.mutation(req, plan, result);
    }

    /**
     * Prefer: max-affected=n with handling=strict on an UPDATE or DELETE: more rows changed is
     * PGRST124, and the transaction rolls back (PostgREST ignores it when lenient, and on inserts).
     */
    private static Executor.@Nullable Check maxAffected(ApiRequest req, MutatePlan plan) {
        Long limit = req.preferences.strictMaxAffected();
        if (limit == null || (plan.kind() != MutatePlan.Kind.UPDATE && plan.kind() != MutatePlan.Kind.DELETE)) {
            return null;
        }
        return Responses.maxAffected(limit);
    }

    static Executor.@Nullable Check checks(Executor.@Nullable Check first, Executor.@Nullable Check second) {
        if (first == null) {
            return second;
        }
        if (second == null) {
            return first;
        }
        return result -> {
            first.accept(result);
            second.accept(result);
        };
    }
}
