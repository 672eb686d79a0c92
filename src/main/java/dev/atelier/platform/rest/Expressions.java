package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Filter.FullText;
import dev.atelier.platform.rest.Filter.In;
import dev.atelier.platform.rest.Filter.Is;
import dev.atelier.platform.rest.Filter.Simple;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders fields, casts, filters and boolean trees of one plan level as SQL over its alias. */
final class Expressions {

    /**
     * The casts {@code select=col::type} may ask for. PostgREST splices the type name; we look it up
     * here, so only these names ever reach SQL.
     */
    private static final Map<String, String> CASTS = Map.ofEntries(
            Map.entry("text", "text"),
            Map.entry("varchar", "varchar"),
            Map.entry("character varying", "varchar"),
            Map.entry("char", "char"),
            Map.entry("bpchar", "bpchar"),
            Map.entry("name", "name"),
            Map.entry("int", "integer"),
            Map.entry("integer", "integer"),
            Map.entry("int2", "smallint"),
            Map.entry("smallint", "smallint"),
            Map.entry("int4", "integer"),
            Map.entry("int8", "bigint"),
            Map.entry("bigint", "bigint"),
            Map.entry("numeric", "numeric"),
            Map.entry("decimal", "numeric"),
            Map.entry("real", "real"),
            Map.entry("float4", "real"),
            Map.entry("float8", "double precision"),
            Map.entry("double precision", "double precision"),
            Map.entry("bool", "boolean"),
            Map.entry("boolean", "boolean"),
            Map.entry("json", "json"),
            Map.entry("jsonb", "jsonb"),
            Map.entry("uuid", "uuid"),
            Map.entry("date", "date"),
            Map.entry("time", "time"),
            Map.entry("timetz", "timetz"),
            Map.entry("timestamp", "timestamp"),
            Map.entry("timestamptz", "timestamptz"),
            Map.entry("interval", "interval"),
            Map.entry("money", "money"),
            Map.entry("inet", "inet"),
            Map.entry("cidr", "cidr"),
            Map.entry("tsvector", "tsvector"),
            Map.entry("bytea", "bytea"),
            Map.entry("text[]", "text[]"),
            Map.entry("oid", "oid"));

    private Expressions() {}

    static String castType(String requested) {
        String type = CASTS.get(requested.toLowerCase(Locale.ROOT).trim());
        if (type == null) {
            // PostgreSQL's own answer to an unknown type, which is what PostgREST forwards.
            throw ErrorCode.UNDEFINED_TYPE
                    .error(requested)
                    .withHint(
                            "Casts are limited to built-in scalar types such as text, integer, numeric, boolean, json, jsonb, uuid, date and timestamptz.");
        }
        return type;
    }

    static Column column(ReadPlan level, String name) {
        Column column = level.columns.get(name);
        if (column == null) {
            Catalog.ComputedField computed = level.computed.get(name);
            if (computed == null) {
                throw ErrorCode.UNDEFINED_COLUMN.error(level.displayName, name);
            }
            return computed.column();
        }
        return column;
    }

    /**
     * {@code "t0"."col"} followed by its JSON path; keys and indexes are bind values. A computed
     * field is its function called on the row, {@code "s"."fn"("t0"::"s"."table")}: qualified, so the
     * search path does not choose it, and cast, so a mutation's returned rows qualify too.
     */
    static Sql field(ReadPlan level, Field field) {
        column(level, field.name());
        Catalog.ComputedField computed =
                level.columns.containsKey(field.name()) ? null : level.computed.get(field.name());
        Sql sql = computed == null
                ? new Sql().ident(level.alias).sql(".").ident(field.name())
                : new Sql()
                        .qualified(
                                computed.function().schema(),
                                computed.function().name())
                        .sql("(")
                        .ident(level.alias)
                        .sql("::")
                        .qualified(computed.table().schema(), computed.table().name())
                        .sql(")");
        if (!field.hasPath()) {
            return sql;
        }
        Sql wrapped = new Sql().sql("(").append(sql);
        for (Field.JsonStep step : field.path()) {
            wrapped.sql(step.asText() ? " ->> " : " -> ");
            wrapped.param(step.key()).sql(step.index() ? "::integer" : "::text");
        }
        return wrapped.sql(")");
    }

    static Sql condition(ReadPlan level, Filter filter) {
        Sql target = field(level, filter.field());
        Sql sql = new Sql();
        Filter.Operation operation = filter.operation();
        if (operation instanceof Simple s) {
            String value = s.operator() == Filter.Operator.LIKE || s.operator() == Filter.Operator.ILIKE
                    ? s.value().replace('*', '%')
                    : s.value();
            sql.append(target).sql(" ").sql(s.operator().sql).sql(" ");
            if (s.quantifier() == null) {
                sql.param(value);
            } else {
                // The value is an array literal such as {a*,b*}; PostgreSQL types it from the left side.
                sql.sql(s.quantifier() == Filter.Quantifier.ANY ? "ANY(" : "ALL(")
                        .param(value)
                        .sql(")");
            }
        } else if (operation instanceof In in) {
            if (in.values().isEmpty()) {
                sql.sql("false");
            } else {
                sql.append(target).sql(" IN (");
                for (int i = 0; i < in.values().size(); i++) {
                    sql.sql(i == 0 ? "" : ", ").param(in.values().get(i));
                }
                sql.sql(")");
            }
        } else if (operation instanceof Is is) {
            sql.append(target)
                    .sql(
                            switch (is.value()) {
                                case NULL -> " IS NULL";
                                case TRUE -> " IS TRUE";
                                case FALSE -> " IS FALSE";
                                case UNKNOWN -> " IS UNKNOWN";
                            });
        } else if (operation instanceof FullText fts) {
            Column column = column(level, filter.field().name());
            boolean isVector = !filter.field().hasPath() && "tsvector".equals(column.baseType());
            if (isVector) {
                sql.append(target);
            } else {
                // PostgREST applies to_tsvector to columns that are not tsvectors already.
                sql.sql("to_tsvector(");
                if (fts.config() != null) {
                    sql.param(fts.config()).sql("::regconfig, ");
                }
                sql.append(target).sql(")");
            }
            sql.sql(" @@ ").sql(fts.operator().function).sql("(");
            if (fts.config() != null) {
                sql.param(fts.config()).sql("::regconfig, ");
            }
            sql.param(fts.query()).sql(")");
        }
        return filter.negated() ? new Sql().sql("NOT (").append(sql).sql(")") : sql;
    }

    static Sql logic(ReadPlan level, LogicTree tree) {
        if (tree instanceof LogicTree.Leaf leaf) {
            return condition(level, leaf.filter());
        }
        LogicTree.Node node = (LogicTree.Node) tree;
        List<Sql> parts = node.children().stream()
                .map(c -> new Sql().sql("(").append(logic(level, c)).sql(")"))
                .toList();
        Sql joined =
                new Sql().sql("(").join(parts, node.or() ? " OR " : " AND ").sql(")");
        return node.negated() ? new Sql().sql("NOT ").append(joined) : joined;
    }

    static Sql order(ReadPlan level, OrderTerm term) {
        return direction(field(level, term.field()), term);
    }

    static Sql direction(Sql expression, OrderTerm term) {
        Sql sql = new Sql().append(expression);
        if (term.direction() != null) {
            sql.sql(term.direction() == OrderTerm.Direction.ASC ? " ASC" : " DESC");
        }
        if (term.nulls() != null) {
            sql.sql(term.nulls() == OrderTerm.Nulls.FIRST ? " NULLS FIRST" : " NULLS LAST");
        }
        return sql;
    }
}
