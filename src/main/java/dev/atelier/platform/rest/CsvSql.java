package dev.atelier.platform.rest;

import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * {@code Accept: text/csv} for reads: a header line of the output keys, then one line per row with
 * every value quoted (embedded resources appear as their JSON text), built in PostgreSQL like the
 * JSON body.
 */
final class CsvSql {

    private CsvSql() {}

    static Sql page(ReadPlan root, Sql from, boolean exactCount) {
        return page(root, from, exactCount, null);
    }

    /** As above, the count stopping at {@code countUpTo} rows when not null. */
    static Sql page(ReadPlan root, Sql from, boolean exactCount, @Nullable Long countUpTo) {
        String header = root.outputs.stream().map(o -> quote(o.key())).collect(Collectors.joining(","));
        Sql sql = new Sql()
                .sql("SELECT ")
                .param(header)
                .sql(
                        "::text || coalesce(E'\\n' || string_agg(_p.line, E'\\n'), '') AS body, count(_p.line) AS page_total, ");
        if (exactCount) {
            sql.sql("(").append(ReadSql.count(root, from, countUpTo)).sql(")");
        } else {
            sql.sql("NULL::bigint");
        }
        Sql rows = ReadSql.level(root, from, List.of(), true, line(ReadSql.pairs(root), root.maxBytes));
        return sql.sql(" AS total FROM (")
                .append(ReadSql.runningTotal(rows, "line", root.maxBytes))
                .sql(") AS _p");
    }

    private static Sql line(List<ReadSql.Pair> outputs, long maxBytes) {
        Sql sql = new Sql();
        for (int i = 0; i < outputs.size(); i++) {
            sql.sql(i == 0 ? "" : " || ',' || ")
                    .sql("coalesce('\"' || replace((")
                    .append(outputs.get(i).value())
                    .sql(")::text, '\"', '\"\"') || '\"', '')");
        }
        if (outputs.isEmpty()) {
            sql.sql("''");
        }
        return new Sql().append(ReadSql.guarded(outputs, sql, "text", maxBytes)).sql(" AS line");
    }

    private static String quote(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }
}
