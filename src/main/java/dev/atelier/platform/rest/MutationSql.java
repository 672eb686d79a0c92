package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Table;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * INSERT (with ON CONFLICT for upserts), UPDATE and DELETE statements over one table. Row values
 * come from the request body through {@code json_populate_record[set]}, so PostgreSQL converts JSON
 * to column types; only the columns the payload names are written, so the others keep their
 * defaults (or current values).
 */
final class MutationSql {

    static final String ALIAS = "t0";

    private MutationSql() {}

    enum Conflict {
        NONE,
        MERGE,
        IGNORE
    }

    /** The plan's statement, without RETURNING; null when it changes nothing (an UPDATE of no column). */
    static @Nullable Sql statement(MutatePlan plan) {
        return switch (plan.kind()) {
            case INSERT, PUT ->
                insert(
                        plan.table(),
                        plan.columns(),
                        plan.payload(),
                        plan.missingDefault(),
                        plan.resolution() == null
                                ? Conflict.NONE
                                : plan.resolution() == Preferences.Resolution.MERGE_DUPLICATES
                                        ? Conflict.MERGE
                                        : Conflict.IGNORE,
                        plan.conflictColumns());
            case UPDATE ->
                plan.changesNothing() ? null : update(plan.table(), plan.columns(), plan.payload(), plan.rows());
            case DELETE -> delete(plan.table(), plan.rows());
        };
    }

    /** The statement that changes the rows and selects their representation; an empty one when nothing changes. */
    static Sql withRepresentation(MutatePlan plan, @Nullable Sql statement) {
        return statement == null
                ? Sql.of("SELECT '[]'::text, 0::bigint, NULL::bigint")
                : withRepresentation(statement, plan.rows(), plan.returned());
    }

    /**
     * @param missingDefault when a row lacks one of {@code columns} (possible with {@code columns=}),
     *                       use the column default instead of NULL
     */
    static Sql insert(
            Table table,
            List<String> columns,
            String jsonArray,
            boolean missingDefault,
            Conflict conflict,
            List<String> conflictColumns) {
        Sql sql = new Sql()
                .sql("INSERT INTO ")
                .qualified(table.schema(), table.name())
                .sql(" AS ")
                .ident(ALIAS);
        if (!columns.isEmpty()) {
            sql.sql(" (");
            for (int i = 0; i < columns.size(); i++) {
                sql.sql(i == 0 ? "" : ", ").ident(columns.get(i));
            }
            sql.sql(")");
        }
        sql.sql(" SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i);
            sql.sql(i == 0 ? "" : ", ");
            if (missingDefault) {
                Column column = Objects.requireNonNull(table.column(name), name); // checked by writtenColumns
                // json_extract_path is SQL NULL only when the key is absent (a JSON null is 'null'::json).
                sql.sql("CASE WHEN json_extract_path(_e.o, ")
                        .param(name)
                        .sql(") IS NULL THEN ")
                        .sql(column.defaultExpression() == null ? "NULL" : column.defaultExpression())
                        .sql(" ELSE _r.")
                        .ident(name)
                        .sql(" END");
            } else {
                sql.sql("_r.").ident(name);
            }
        }
        sql.sql(" FROM json_array_elements(")
                .param(jsonArray)
                .sql("::json) AS _e(o) CROSS JOIN LATERAL json_populate_record(NULL::")
                .qualified(table.schema(), table.name())
                .sql(", _e.o) AS _r");
        if (conflict != Conflict.NONE) {
            sql.sql(" ON CONFLICT");
            if (!conflictColumns.isEmpty()) {
                sql.sql(" (");
                for (int i = 0; i < conflictColumns.size(); i++) {
                    sql.sql(i == 0 ? "" : ", ").ident(conflictColumns.get(i));
                }
                sql.sql(")");
            }
            if (conflict == Conflict.IGNORE || columns.isEmpty()) {
                sql.sql(" DO NOTHING");
            } else {
                sql.sql(" DO UPDATE SET ");
                for (int i = 0; i < columns.size(); i++) {
                    sql.sql(i == 0 ? "" : ", ")
                            .ident(columns.get(i))
                            .sql(" = EXCLUDED.")
                            .ident(columns.get(i));
                }
            }
        }
        return sql;
    }

    static Sql update(Table table, List<String> columns, String jsonObject, ReadPlan root) {
        Sql sql = new Sql()
                .sql("UPDATE ")
                .qualified(table.schema(), table.name())
                .sql(" AS ")
                .ident(ALIAS)
                .sql(" SET ");
        for (int i = 0; i < columns.size(); i++) {
            sql.sql(i == 0 ? "" : ", ").ident(columns.get(i)).sql(" = _r.").ident(columns.get(i));
        }
        sql.sql(" FROM json_populate_record(NULL::")
                .qualified(table.schema(), table.name())
                .sql(", ")
                .param(jsonObject)
                .sql("::json) AS _r");
        return sql.append(where(table, root));
    }

    static Sql delete(Table table, ReadPlan root) {
        return new Sql()
                .sql("DELETE FROM ")
                .qualified(table.schema(), table.name())
                .sql(" AS ")
                .ident(ALIAS)
                .append(where(table, root));
    }

    /**
     * The root filters; with limit/offset (PostgREST's limited update/delete) the rows are picked by
     * ctid in a subquery that applies the order and the range.
     */
    private static Sql where(Table table, ReadPlan root) {
        Sql sql = new Sql();
        if (root.limit == null && root.offset == null) {
            return ReadSql.where(ReadSql.conditions(root), List.of());
        }
        if (table.kind() != 'r' && table.kind() != 'p') {
            throw ErrorCode.PGRST127
                    .error()
                    .withDetails("limit and offset on updates and deletes work on tables only, not on views");
        }
        sql.sql(" WHERE ")
                .ident(ALIAS)
                .sql(".ctid = ANY(ARRAY(SELECT ")
                .ident(ALIAS)
                .sql(".ctid FROM ")
                .qualified(table.schema(), table.name())
                .sql(" AS ")
                .ident(ALIAS);
        sql.append(ReadSql.where(ReadSql.conditions(root), List.of()));
        if (!root.orderBy.isEmpty()) {
            sql.sql(" ORDER BY ").join(ReadSql.orderBy(root), ", ");
        }
        if (root.limit != null) {
            sql.sql(" LIMIT ").param(root.limit);
        }
        if (root.offset != null) {
            sql.sql(" OFFSET ").param(root.offset);
        }
        return sql.sql("))");
    }

    /**
     * Wraps a mutation so that its RETURNING rows feed the representation select.
     *
     * @param columns the columns to return, or null for all of them
     */
    static Sql withRepresentation(Sql mutation, ReadPlan root, @Nullable List<String> columns) {
        Sql from = new Sql().sql("pgrst_mutation AS ").ident(ALIAS);
        Sql sql = new Sql().sql("WITH pgrst_mutation AS (").append(mutation).sql(" RETURNING ");
        if (columns == null) {
            sql.ident(ALIAS).sql(".*");
        } else {
            for (int i = 0; i < columns.size(); i++) {
                sql.sql(i == 0 ? "" : ", ").ident(ALIAS).sql(".").ident(columns.get(i));
            }
        }
        return sql.sql(") ").append(ReadSql.page(root, from, false, false));
    }
}
