package dev.atelier.platform.rest;

import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * {@code Accept: text/csv} for reads, as PostgREST writes it: a header line of the output keys
 * joined by commas (none when there are no rows), then one line per row that is PostgreSQL's text
 * form of the row without its parentheses. So a value is quoted only where PostgreSQL's record
 * output quotes it (empty, or holding a comma, quote, backslash, parenthesis or whitespace), quotes
 * and backslashes are doubled inside, NULL is nothing, booleans are t/f, arrays {a,b} and embedded
 * resources their JSON text. No newline ends the last line.
 */
final class CsvSql {

    private CsvSql() {}

    static Sql page(ReadPlan root, Sql from, boolean exactCount) {
        return page(root, from, exactCount, null);
    }

    /** As above, the count stopping at {@code countUpTo} rows when not null. */
    static Sql page(ReadPlan root, Sql from, boolean exactCount, @Nullable Long countUpTo) {
        String header = root.outputs.stream().map(ReadPlan.Output::key).collect(Collectors.joining(","));
        Sql sql = new Sql()
                .sql("SELECT CASE WHEN count(_p.line) = 0 THEN '' ELSE ")
                .param(header)
                .sql(
                        "::text END || E'\\n' || coalesce(string_agg(_p.line, E'\\n'), '') AS body, count(_p.line) AS page_total, ");
        Sql rows = ReadSql.level(root, from, List.of(), true, line(ReadSql.pairs(root), root.maxBytes));
        return ReadSql.withTotal(sql, root, from, exactCount, countUpTo, rows, "line");
    }

    private static Sql line(List<ReadSql.Pair> outputs, long maxBytes) {
        // ROW(...)::text is "(v1,v2)": trimming one parenthesis at each end leaves the values, since
        // a value that begins or ends with a parenthesis is quoted.
        Sql sql = new Sql();
        if (outputs.isEmpty()) {
            sql.sql("''");
        } else {
            sql.sql("btrim(ROW(");
            for (int i = 0; i < outputs.size(); i++) {
                sql.sql(i == 0 ? "" : ", ").append(outputs.get(i).value());
            }
            sql.sql(")::text, '()')");
        }
        return new Sql().append(ReadSql.guarded(outputs, sql, "text", maxBytes)).sql(" AS line");
    }
}
