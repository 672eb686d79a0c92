package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Routine;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Function calls for /rpc. Named arguments arrive as one JSON object bound once; PostgreSQL's
 * {@code json_to_record} turns it into typed columns (typed by the catalog's parameter types) that
 * feed the call in named notation, so JSON-to-type conversion is PostgreSQL's, as in PostgREST.
 */
final class RpcSql {

    private RpcSql() {}

    /** A call: the FROM items that provide its arguments (or null) and the call expression itself. */
    record Call(@Nullable Sql argumentSource, Sql invocation) {

        /** FROM clause for a set- or composite-returning call, its rows aliased {@code alias(columns)}. */
        Sql from(String aliasAndColumns) {
            Sql sql = new Sql();
            if (argumentSource != null) {
                sql.append(argumentSource).sql(" CROSS JOIN LATERAL ");
            }
            return sql.append(invocation).sql(" AS ").sql(aliasAndColumns);
        }
    }

    /** The plan's call: named arguments, or the whole body as the one json argument. */
    static Call call(CallPlan plan) {
        return plan.singleObject()
                ? singleObject(plan.routine(), plan.argumentJson())
                : named(plan.routine(), plan.arguments(), plan.argumentJson());
    }

    static Call named(Routine routine, List<Parameter> used, String argumentsJson) {
        Sql invocation = new Sql().qualified(routine.schema(), routine.name()).sql("(");
        if (used.isEmpty()) {
            return new Call(null, invocation.sql(")"));
        }
        Sql source = new Sql().sql("json_to_record(").param(argumentsJson).sql("::json) AS _args(");
        for (int i = 0; i < used.size(); i++) {
            Parameter p = used.get(i);
            // The type text is format_type() output from the catalog, not request input.
            source.sql(i == 0 ? "" : ", ").ident(p.name()).sql(" ").sql(p.type());
            invocation
                    .sql(i == 0 ? "" : ", ")
                    .sql(p.variadic() ? "VARIADIC " : "")
                    .ident(p.name())
                    .sql(" := _args.")
                    .ident(p.name());
        }
        source.sql(")");
        return new Call(source, invocation.sql(")"));
    }

    /** A function of one json/jsonb parameter called with the whole body. */
    static Call singleObject(Routine routine, @Nullable String body) {
        Parameter p = routine.parameters().get(0);
        Sql invocation = new Sql()
                .qualified(routine.schema(), routine.name())
                .sql("(")
                .param(body)
                .sql("::")
                .sql(p.type().equals("jsonb") ? "jsonb" : "json")
                .sql(")");
        return new Call(null, invocation);
    }

    /**
     * A scalar result as one JSON value, refused past {@code maxBytes} (the value is the function's
     * to make; the limit keeps it out of the response). OFFSET 0 keeps the call from being inlined
     * into, and so evaluated again by, the size check.
     */
    static Sql scalar(Call call, long maxBytes) {
        Sql value = new Sql().sql("SELECT to_json(").append(call.invocation()).sql(") AS j");
        if (call.argumentSource() != null) {
            value.sql(" FROM ").append(call.argumentSource());
        }
        value.sql(" OFFSET 0");
        return new Sql()
                .sql("SELECT _r.j::text AS body, 1::bigint AS page_total, NULL::bigint AS total FROM (")
                .append(ReadSql.runningTotal(value, "j", maxBytes))
                .sql(") AS _r");
    }

    /** A set of scalars as a JSON array, cut by limit and offset, raising once it passes {@code maxBytes}. */
    static Sql scalarSet(Call call, @Nullable Long limit, @Nullable Long offset, long maxBytes) {
        return scalarSet(call, limit, offset, maxBytes, false);
    }

    /**
     * As {@link #scalarSet(Call, Long, Long, long)}; {@code counted} adds the number of all the
     * values (Prefer: count=exact) as the total, the function still called once.
     */
    static Sql scalarSet(Call call, @Nullable Long limit, @Nullable Long offset, long maxBytes, boolean counted) {
        Sql values = counted
                ? new Sql().sql("SELECT to_json(_a.v) AS j FROM pgrst_values AS _a")
                : new Sql().sql("SELECT to_json(_s.v) AS j FROM ").append(call.from("_s(v)"));
        if (limit != null) {
            values.sql(" LIMIT ").param(limit);
        }
        if (offset != null) {
            values.sql(" OFFSET ").param(offset);
        }
        Sql sql = new Sql();
        if (counted) {
            sql.sql("WITH pgrst_values AS MATERIALIZED (SELECT _s.v FROM ")
                    .append(call.from("_s(v)"))
                    .sql(") ");
        }
        return sql.sql("SELECT coalesce(json_agg(_v.j), '[]')::text AS body, count(*) AS page_total, ")
                .sql(counted ? "(SELECT count(*) FROM pgrst_values)" : "NULL::bigint")
                .sql(" AS total FROM (")
                .append(ReadSql.runningTotal(values, "j", maxBytes))
                .sql(") AS _v");
    }

    static Sql voidCall(Call call) {
        Sql sql = new Sql().sql("SELECT ").append(call.invocation());
        if (call.argumentSource() != null) {
            sql.sql(" FROM ").append(call.argumentSource());
        }
        return sql;
    }
}
