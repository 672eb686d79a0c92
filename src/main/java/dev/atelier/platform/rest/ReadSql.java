package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Junction;
import dev.atelier.platform.rest.Catalog.Relationship;
import dev.atelier.platform.rest.Preferences.Count;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Renders a {@link ReadPlan} as one statement that builds the response JSON inside PostgreSQL, as
 * PostgREST does: each row becomes {@code json_build_object(key, value, ...)} (keys are bind
 * values), embeddings are LATERAL subqueries (a row object for to-one, a {@code json_agg} array
 * for to-many), and the page is aggregated with {@code json_agg} into a single text value.
 */
final class ReadSql {

    /** json_build_object takes at most 100 arguments: 50 key/value pairs. */
    private static final int PAIRS_PER_CALL = 50;

    /**
     * Bytes added to each output's estimate: quotes, colon and separator, and the text a fixed-width
     * value (a number, a uuid, a timestamp) takes beyond its binary size.
     */
    private static final int PER_OUTPUT_OVERHEAD = 40;

    /** Raises PGRSTX02 (see V47): a row, an array or a page would pass atelier.rest.max-response-bytes. */
    static final String TOO_LARGE = "platform.rest_response_too_large";

    private static final java.util.Set<String> TEXT_TYPES =
            java.util.Set.of("text", "varchar", "bpchar", "citext", "name");

    private ReadSql() {}

    /**
     * A read's statements: with count=planned, first an EXPLAIN ({@code planned}) whose row estimate
     * stands for the total; with count=estimated ({@code estimatePast} set), the page counts exactly
     * up to one row past db-max-rows, and only when the count passes it is the EXPLAIN run, its
     * estimate taken when larger (PostgREST's rule); otherwise the page statement alone.
     */
    record Statement(
            @Nullable Sql planned,
            Executor.ByEstimate page,
            @Nullable Long estimatePast) {
        Statement(@Nullable Sql planned, Executor.ByEstimate page) {
            this(planned, page, null);
        }
    }

    /** {@code "schema"."table" AS "t0"}: the rows of a relation read. */
    static Sql from(Catalog.Table table, ReadPlan root) {
        return new Sql().qualified(table.schema(), table.name()).sql(" AS ").ident(root.alias);
    }

    /**
     * The statements reading {@code root} with the count asked for, as JSON or CSV. count=estimated
     * is exact up to {@code exactUpTo} rows (db-max-rows), the planner's estimate beyond when it is
     * larger (PostgREST's rule).
     */
    static Statement read(ReadPlan root, Sql from, MediaType media, @Nullable Count count, long exactUpTo) {
        if (count == null || count == Count.EXACT) {
            Sql page = page(root, from, count == Count.EXACT, media, null);
            return new Statement(null, estimate -> page);
        }
        if (count == Count.PLANNED) {
            Sql page = page(root, from, false, media, null);
            return new Statement(planned(root, from), estimate -> page);
        }
        Sql page = page(root, from, true, media, exactUpTo + 1);
        return new Statement(planned(root, from), estimate -> page, exactUpTo);
    }

    /** One page of rows as JSON or, for Accept: text/csv and application/geo+json, as CSV and GeoJSON. */
    static Sql page(ReadPlan root, Sql from, boolean exactCount, MediaType media) {
        return page(root, from, exactCount, media, null);
    }

    /** As above, the count stopping at {@code countUpTo} rows when not null. */
    static Sql page(ReadPlan root, Sql from, boolean exactCount, MediaType media, @Nullable Long countUpTo) {
        return switch (media) {
            case CSV -> CsvSql.page(root, from, exactCount, countUpTo);
            case GEOJSON -> GeoJsonSql.page(root, from, exactCount, countUpTo);
            default -> page(root, from, exactCount, true, countUpTo);
        };
    }

    static Sql page(ReadPlan root, Sql from, boolean exactCount, boolean ownConditions) {
        return page(root, from, exactCount, ownConditions, null);
    }

    /**
     * {@code body} (the JSON array as text), {@code page_total} and {@code total} (the exact count
     * of matching rows when asked for, else null) in one row.
     *
     * @param ownConditions false when the root rows were already filtered (a mutation's RETURNING)
     */
    static Sql page(ReadPlan root, Sql from, boolean exactCount, boolean ownConditions, @Nullable Long countUpTo) {
        Sql select = new Sql().sql("SELECT coalesce(json_agg(_p.j), '[]')::text AS body, count(*) AS page_total, ");
        return withTotal(select, root, from, exactCount, countUpTo, level(root, from, List.of(), ownConditions), "j");
    }

    /**
     * A page statement's end, after its body and page_total: the total (the count of matching rows
     * when asked for, stopping at {@code countUpTo} when not null; else null), then {@code FROM} the
     * rows {@code column} of {@code rows} as {@code _p}, bounded in bytes ({@link #runningTotal}).
     * Shared by the JSON, CSV and GeoJSON pages.
     */
    static Sql withTotal(
            Sql select,
            ReadPlan root,
            Sql from,
            boolean exactCount,
            @Nullable Long countUpTo,
            Sql rows,
            String column) {
        if (exactCount) {
            select.sql("(").append(count(root, from, countUpTo)).sql(")");
        } else {
            select.sql("NULL::bigint");
        }
        return select.sql(" AS total, ")
                .sql(RESPONSE_SETTINGS)
                .sql(" FROM (")
                .append(runningTotal(rows, column, root.maxBytes))
                .sql(") AS _p");
    }

    /**
     * What SQL set for the response ({@code response.headers}, {@code response.status}), read in the
     * page statement itself as PostgREST reads them in its main query: the page is an aggregate, so
     * these are evaluated once every row (and every function its filters or computed fields call)
     * has been read. Columns 4 and 5 of every page statement.
     */
    static final String RESPONSE_SETTINGS = "nullif(current_setting('response.headers', true), '') AS response_headers,"
            + " nullif(current_setting('response.status', true), '') AS response_status";

    /**
     * Rows {@code j} of {@code rows}, in their order, raising as soon as the bytes so far pass
     * {@code maxBytes}: an aggregate over them never grows much past the limit. Each row was itself
     * checked before it was built, so a row in hand is at most about the limit.
     */
    static Sql runningTotal(Sql rows, String column, long maxBytes) {
        Sql total = new Sql().sql("sum(pg_column_size(_r.").ident(column).sql(")) OVER (ROWS UNBOUNDED PRECEDING)");
        return new Sql()
                .sql("SELECT CASE WHEN ")
                .append(total)
                .sql(" > ")
                .param(maxBytes)
                .sql(" THEN ")
                .sql(TOO_LARGE)
                .sql("(")
                .append(total)
                .sql(", ")
                .param(maxBytes)
                .sql(")::")
                .sql(column.equals("line") ? "text" : "json")
                .sql(" ELSE _r.")
                .ident(column)
                .sql(" END AS ")
                .ident(column)
                .sql(" FROM (")
                .append(rows)
                .sql(") AS _r");
    }

    /**
     * {@code row} unless the estimated size of its outputs passes {@code maxBytes}, in which case
     * PostgreSQL raises before building it. The estimate reads sizes from value headers (a toasted
     * text is not fetched) and counts a value selected under several aliases each time.
     */
    static Sql guarded(List<Pair> outputs, Sql row, String type, long maxBytes) {
        if (outputs.isEmpty() || (fixedOnly(outputs) && estimatedBytes(outputs) <= maxBytes)) {
            return row; // nothing to measure: every output's size is known, and together they fit
        }
        Sql estimate = estimate(outputs);
        return new Sql()
                .sql("CASE WHEN ")
                .append(estimate)
                .sql(" > ")
                .param(maxBytes)
                .sql(" THEN ")
                .sql(TOO_LARGE)
                .sql("(")
                .append(estimate)
                .sql(", ")
                .param(maxBytes)
                .sql(")::")
                .sql(type)
                .sql(" ELSE ")
                .append(row)
                .sql(" END");
    }

    private static boolean fixedOnly(List<Pair> outputs) {
        for (Pair o : outputs) {
            if (o.fixedBytes() < 0) {
                return false;
            }
        }
        return true;
    }

    /** The part of the outputs' estimate known before any row is read: overheads, keys, fixed-size values. */
    private static long estimatedBytes(List<Pair> outputs) {
        long constant = 0;
        for (Pair o : outputs) {
            constant += PER_OUTPUT_OVERHEAD + o.key().length() + Math.max(0, o.fixedBytes());
        }
        return constant;
    }

    /** The sum of the outputs' sizes, each distinct size expression computed once and multiplied by its uses. */
    static Sql estimate(List<Pair> outputs) {
        java.util.Map<String, Sql> expressions = new java.util.LinkedHashMap<>();
        java.util.Map<String, Integer> uses = new java.util.HashMap<>();
        for (Pair o : outputs) {
            if (o.fixedBytes() >= 0) {
                continue;
            }
            Sql size = o.size() != null
                    ? o.size()
                    : new Sql()
                            .sql("coalesce(pg_column_size(")
                            .append(o.value())
                            .sql("), 0)");
            String identity = size.toString();
            expressions.putIfAbsent(identity, size);
            uses.merge(identity, 1, Integer::sum);
        }
        Sql sum = new Sql().sql("(").sql(Long.toString(estimatedBytes(outputs)));
        for (java.util.Map.Entry<String, Sql> e : expressions.entrySet()) {
            sum.sql(" + ")
                    .sql(Integer.toString(Objects.requireNonNull(uses.get(e.getKey()))))
                    .sql("::bigint * ")
                    .append(e.getValue());
        }
        return sum.sql(")");
    }

    /**
     * The bytes a value of a fixed-size type takes (its {@code typlen}, what pg_column_size answers
     * for it), or -1 for a type whose values vary in size. Such a value needs no measuring.
     */
    static long fixedSize(Catalog.Column column) {
        Integer bytes = FIXED_SIZES.get(column.baseType());
        return bytes == null ? -1 : bytes;
    }

    private static final java.util.Map<String, Integer> FIXED_SIZES = java.util.Map.ofEntries(
            java.util.Map.entry("bool", 1),
            java.util.Map.entry("char", 1),
            java.util.Map.entry("int2", 2),
            java.util.Map.entry("int4", 4),
            java.util.Map.entry("int8", 8),
            java.util.Map.entry("oid", 4),
            java.util.Map.entry("float4", 4),
            java.util.Map.entry("float8", 8),
            java.util.Map.entry("money", 8),
            java.util.Map.entry("date", 4),
            java.util.Map.entry("time", 8),
            java.util.Map.entry("timetz", 12),
            java.util.Map.entry("timestamp", 8),
            java.util.Map.entry("timestamptz", 8),
            java.util.Map.entry("interval", 16),
            java.util.Map.entry("uuid", 16));

    /**
     * The bytes a column's value takes in JSON, estimated without reading a toasted value: text's
     * and bytea's lengths come from the header (octet_length does not detoast), other types' from
     * pg_column_size unless compressed (then the text form is measured, which reads the value once).
     * The text form comes from format('%s'), which calls the type's output function: a cast to text
     * may be a function of an extension (PostGIS's text(geometry)) that the caller may not execute.
     */
    static Sql columnSize(String alias, Catalog.Column column) {
        Sql ref = new Sql().ident(alias).sql(".").ident(column.name());
        String base = column.baseType();
        if (TEXT_TYPES.contains(base)) {
            return new Sql().sql("coalesce(octet_length(").append(ref).sql("), 0)::bigint");
        }
        if ("bytea".equals(base)) {
            return new Sql().sql("(2 * coalesce(octet_length(").append(ref).sql("), 0))::bigint");
        }
        return new Sql()
                .sql("coalesce(CASE WHEN pg_column_compression(")
                .append(ref)
                .sql(") IS NULL THEN pg_column_size(")
                .append(ref)
                .sql(") ELSE octet_length(format('%s', ")
                .append(ref)
                .sql(")) END, 0)::bigint");
    }

    /** How many rows match, ignoring limit and offset, joining only the embeddings that can drop parent rows. */
    static Sql count(ReadPlan root, Sql from) {
        return new Sql().sql("SELECT count(*) FROM ").append(matching(root, from));
    }

    /** As {@link #count(ReadPlan, Sql)}, stopping at {@code upTo} rows when not null. */
    static Sql count(ReadPlan root, Sql from, @Nullable Long upTo) {
        if (upTo == null) {
            return count(root, from);
        }
        return new Sql()
                .sql("SELECT count(*) FROM (")
                .append(planned(root, from))
                .sql(" LIMIT ")
                .param(upTo)
                .sql(") AS _c");
    }

    /** The row source of {@link #count}, for EXPLAIN when the count may be an estimate. */
    static Sql planned(ReadPlan root, Sql from) {
        return new Sql().sql("SELECT 1 FROM ").append(matching(root, from));
    }

    private static Sql matching(ReadPlan root, Sql from) {
        Sql sql = new Sql().append(from);
        for (ReadPlan embed : root.embeds) {
            if (embed.restrictsParent) {
                sql.append(lateral(root, embed));
            }
        }
        List<Sql> conditions = conditions(root);
        conditions.addAll(embedConditions(root));
        return sql.append(where(conditions, List.of()));
    }

    /** One level's rows: its JSON object per row, its embeddings joined, its filters, order and range. */
    static Sql level(ReadPlan level, Sql from, List<Sql> joinConditions, boolean ownConditions) {
        // A spread hands its values up as separate columns (its "exposed" ones); it needs no object of its own.
        Sql row = level.spread
                ? Sql.of("NULL::json AS j")
                : new Sql().append(rowObject(level)).sql(" AS j");
        return level(level, from, joinConditions, ownConditions, row);
    }

    /** As above, with {@code row} (an expression with its alias) instead of the JSON object. */
    static Sql level(ReadPlan level, Sql from, List<Sql> joinConditions, boolean ownConditions, Sql row) {
        Sql sql = new Sql().sql("SELECT ").append(row);
        for (ReadPlan.Exposed exposed : level.exposed) {
            if (exposed instanceof ReadPlan.ExposedOutput out) {
                Pair pair = pair(level, out.output());
                sql.sql(", ").append(pair.value()).sql(" AS ").ident(out.column());
                // The value's size is estimated inside the lateral, where its column is.
                Sql size = pair.size() != null
                        ? pair.size()
                        : new Sql()
                                .sql("coalesce(pg_column_size(")
                                .append(pair.value())
                                .sql("), 0)");
                sql.sql(", ").append(size).sql(" AS ").ident(out.size());
            } else {
                ReadPlan.ExposedField field = (ReadPlan.ExposedField) exposed;
                sql.sql(", ")
                        .append(Expressions.field(level, field.field()))
                        .sql(" AS ")
                        .ident(field.column());
            }
        }
        sql.sql(" FROM ").append(from);
        for (ReadPlan embed : level.embeds) {
            sql.append(lateral(level, embed));
        }
        if (!ownConditions) {
            return sql.append(where(embedConditions(level), joinConditions)).append(groupBy(level));
        }
        List<Sql> conditions = conditions(level);
        conditions.addAll(embedConditions(level));
        sql.append(where(conditions, joinConditions));
        sql.append(groupBy(level));
        if (!level.orderBy.isEmpty()) {
            sql.sql(" ORDER BY ").join(orderBy(level), ", ");
        }
        // Numbers written into the text, as PostgREST writes them: with the limit a parameter, the
        // plan cache's generic plan is costed for an unknown limit (dearer than any custom plan),
        // so PostgreSQL planned such a statement afresh on every request. They are parsed longs.
        if (level.limit != null) {
            sql.sql(" LIMIT ").sql(Long.toString(level.limit));
        }
        if (level.offset != null) {
            sql.sql(" OFFSET ").sql(Long.toString(level.offset));
        }
        return sql;
    }

    /**
     * {@code " GROUP BY …"} when the level aggregates: every output that is not an aggregate, as
     * PostgREST groups by the other selected columns and embeddings (embeddings as jsonb, which has
     * equality). Nothing when there is no such output: the whole level is one group.
     */
    static Sql groupBy(ReadPlan level) {
        if (!level.grouped) {
            return new Sql();
        }
        List<Sql> terms = new ArrayList<>();
        for (ReadPlan.Output out : level.outputs) {
            if (!(out instanceof ReadPlan.AggregateOutput)
                    && !(out instanceof ReadPlan.SpreadOutput so && so.aggregate() != null)) {
                terms.add(pair(level, out).value());
            }
        }
        // An order on a to-one embedding's field (order=rel(col)) reads a column of its lateral: a grouping term too.
        for (ReadPlan.Ordering o : level.orderBy) {
            if (o.lateral() != null) {
                terms.add(new Sql().ident(o.lateral()).sql(".").ident(Objects.requireNonNull(o.column())));
            }
        }
        return terms.isEmpty() ? new Sql() : new Sql().sql(" GROUP BY ").join(terms, ", ");
    }

    /** The level's filters and boolean trees over its alias. */
    static List<Sql> conditions(ReadPlan level) {
        List<Sql> sql = new ArrayList<>(level.conditions.size() + 1);
        for (LogicTree tree : level.conditions) {
            sql.add(Expressions.logic(level, tree));
        }
        return sql;
    }

    /** {@code rel=is.null} and {@code rel=not.is.null}: on the embedding's JSON, once it is joined. */
    private static List<Sql> embedConditions(ReadPlan level) {
        List<Sql> sql = new ArrayList<>(level.embedConditions.size());
        for (ReadPlan.EmbedFilter f : level.embedConditions) {
            Sql j = new Sql().ident(f.lateral()).sql(".j");
            sql.add(
                    f.toMany()
                            ? new Sql().sql("json_array_length(").append(j).sql(f.wantNull() ? ") = 0" : ") > 0")
                            : new Sql().append(j).sql(f.wantNull() ? " IS NULL" : " IS NOT NULL"));
        }
        return sql;
    }

    /** The level's ORDER BY terms: its own fields, or columns a to-one embedding exposes. */
    static List<Sql> orderBy(ReadPlan level) {
        List<Sql> sql = new ArrayList<>(level.orderBy.size());
        for (ReadPlan.Ordering o : level.orderBy) {
            sql.add(
                    o.lateral() == null
                            ? Expressions.order(level, o.term())
                            : Expressions.direction(
                                    new Sql().ident(o.lateral()).sql(".").ident(Objects.requireNonNull(o.column())),
                                    o.term()));
        }
        return sql;
    }

    /**
     * A rendered output: its JSON key, the SQL of its value, and an estimate of the bytes the pair
     * adds to the row's JSON that PostgreSQL can compute without building the value (sizes of
     * toasted values are read from their headers, not detoasted).
     */
    record Pair(String key, Sql value, @Nullable Sql size, long fixedBytes) {
        Pair(String key, Sql value) {
            this(key, value, null, -1);
        }

        Pair(String key, Sql value, @Nullable Sql size) {
            this(key, value, size, -1);
        }

        /** A value whose size is known without reading it. */
        static Pair fixed(String key, Sql value, long bytes) {
            return new Pair(key, value, null, bytes);
        }
    }

    /** The level's outputs rendered over its alias and its laterals. */
    static List<Pair> pairs(ReadPlan level) {
        List<Pair> pairs = new ArrayList<>(level.outputs.size());
        for (ReadPlan.Output out : level.outputs) {
            pairs.add(pair(level, out));
        }
        return pairs;
    }

    private static Pair pair(ReadPlan level, ReadPlan.Output output) {
        Pair pair = ungrouped(level, output);
        // In a grouped level a column's own size is not in scope: measure the (grouped or aggregated) value.
        return level.grouped ? new Pair(pair.key(), pair.value()) : pair;
    }

    private static Sql cast(Sql value, @Nullable String type) {
        return type == null
                ? value
                : new Sql().sql("CAST(").append(value).sql(" AS ").sql(type).sql(")");
    }

    private static Sql aggregate(SelectItem.Aggregate fn, @Nullable Sql argument, @Nullable String aggregateCast) {
        Sql call = new Sql().sql(fn.key()).sql("(");
        call = argument == null ? call.sql("*)") : call.append(argument).sql(")");
        return cast(call, aggregateCast);
    }

    private static Pair ungrouped(ReadPlan level, ReadPlan.Output output) {
        if (output instanceof ReadPlan.AggregateOutput a) {
            Sql argument = a.column() == null ? null : cast(Expressions.field(level, a.field()), a.cast());
            return new Pair(a.key(), aggregate(a.aggregate(), argument, a.aggregateCast()));
        }
        if (output instanceof ReadPlan.PresenceOutput p) {
            return Pair.fixed(p.key(), Sql.of("1"), 0);
        }
        if (output instanceof ReadPlan.EmbedOutput e && level.grouped) {
            return new Pair(e.key(), new Sql().ident(e.lateral()).sql(".j::jsonb"));
        }
        if (output instanceof ReadPlan.SpreadOutput s && s.aggregate() != null) {
            Sql column = new Sql().ident(s.lateral()).sql(".").ident(s.column());
            return new Pair(s.key(), aggregate(s.aggregate(), column, s.aggregateCast()));
        }
        if (output instanceof ReadPlan.SpreadOutput s && level.grouped) {
            // A spread value may be an embedding's json, which has no equality: group by its jsonb.
            return new Pair(
                    s.key(),
                    new Sql()
                            .sql("to_jsonb(")
                            .ident(s.lateral())
                            .sql(".")
                            .ident(s.column())
                            .sql(")"));
        }
        if (output instanceof ReadPlan.ColumnOutput c) {
            Sql value = Expressions.field(level, c.field());
            if (c.cast() != null) {
                value = new Sql()
                        .sql("CAST(")
                        .append(value)
                        .sql(" AS ")
                        .sql(c.cast())
                        .sql(")");
            }
            if (!level.columns.containsKey(c.column().name())) {
                return new Pair(c.key(), value); // a computed field: its value's own size
            }
            // A JSON path or a cast yields about what the column holds: the column's size is the estimate.
            long fixed = fixedSize(c.column());
            return fixed >= 0
                    ? Pair.fixed(c.key(), value, fixed)
                    : new Pair(c.key(), value, columnSize(level.alias, c.column()));
        }
        if (output instanceof ReadPlan.EmbedOutput e) {
            Sql j = new Sql().ident(e.lateral()).sql(".j");
            // The embedded JSON is built by then (and bounded itself): its exact size is free to read.
            return new Pair(
                    e.key(),
                    j,
                    new Sql().sql("coalesce(pg_column_size(").append(j).sql("), 4)"));
        }
        ReadPlan.SpreadOutput s = (ReadPlan.SpreadOutput) output;
        return new Pair(
                s.key(),
                new Sql().ident(s.lateral()).sql(".").ident(s.column()),
                new Sql().ident(s.lateral()).sql(".").ident(s.size()));
    }

    /** The level's row object, refused before it is built when its estimated size passes the limit. */
    private static Sql rowObject(ReadPlan level) {
        List<Pair> pairs = pairs(level);
        return guarded(pairs, rowObject(pairs), "json", level.maxBytes);
    }

    /** {@code " WHERE (a) AND (b) …"}, or nothing when there is no condition. */
    static Sql where(List<Sql> conditions, List<Sql> joinConditions) {
        List<Sql> all = new ArrayList<>(joinConditions);
        all.addAll(conditions);
        if (all.isEmpty()) {
            return new Sql();
        }
        List<Sql> wrapped =
                all.stream().map(c -> new Sql().sql("(").append(c).sql(")")).toList();
        return new Sql().sql(" WHERE ").join(wrapped, " AND ");
    }

    private static Sql lateral(ReadPlan parent, ReadPlan child) {
        Relationship r = child.relationship();
        Catalog.Function function = r.function();
        Sql from = function == null
                ? new Sql().qualified(r.target().schema(), r.target().name())
                // A computed relationship: the function's rows for the parent row, as PostgREST joins them.
                : new Sql()
                        .qualified(function.schema(), function.name())
                        .sql("(")
                        .ident(parent.alias)
                        .sql("::")
                        .qualified(r.source().schema(), r.source().name())
                        .sql(")");
        from.sql(" AS ").ident(child.alias);
        List<Sql> join = new ArrayList<>();
        Junction junction = r.junction();
        if (function != null) {
            // no join condition: the function chose the rows
        } else if (junction == null) {
            for (int i = 0; i < r.sourceColumns().size(); i++) {
                join.add(new Sql()
                        .ident(child.alias)
                        .sql(".")
                        .ident(r.targetColumns().get(i))
                        .sql(" = ")
                        .ident(parent.alias)
                        .sql(".")
                        .ident(r.sourceColumns().get(i)));
            }
        } else {
            String jAlias = "j" + child.alias;
            from.sql(" JOIN ")
                    .qualified(junction.table().schema(), junction.table().name())
                    .sql(" AS ")
                    .ident(jAlias)
                    .sql(" ON ");
            List<Sql> on = new ArrayList<>();
            for (int i = 0; i < junction.toTarget().columns().size(); i++) {
                on.add(new Sql()
                        .ident(jAlias)
                        .sql(".")
                        .ident(junction.toTarget().columns().get(i))
                        .sql(" = ")
                        .ident(child.alias)
                        .sql(".")
                        .ident(junction.toTarget().foreignColumns().get(i)));
            }
            from.join(on, " AND ");
            for (int i = 0; i < junction.toSource().columns().size(); i++) {
                join.add(new Sql()
                        .ident(jAlias)
                        .sql(".")
                        .ident(junction.toSource().columns().get(i))
                        .sql(" = ")
                        .ident(parent.alias)
                        .sql(".")
                        .ident(junction.toSource().foreignColumns().get(i)));
            }
        }
        Sql body = level(child, from, join, true);
        String joinType = child.inner ? " INNER JOIN LATERAL (" : " LEFT JOIN LATERAL (";
        Sql sql = new Sql().sql(joinType);
        if (child.toMany() && child.spread) {
            // PostgREST 13's to-many spread: each value becomes the array of the rows' values, in order.
            sql.sql("SELECT count(*) AS c");
            for (ReadPlan.Exposed exposed : child.exposed) {
                if (exposed instanceof ReadPlan.ExposedOutput out) {
                    sql.sql(", coalesce(json_agg(_e.")
                            .ident(out.column())
                            .sql("), '[]'::json) AS ")
                            .ident(out.column())
                            .sql(", coalesce(sum(_e.")
                            .ident(out.size())
                            .sql("), 0)::bigint + 2 * count(*) AS ")
                            .ident(out.size());
                }
            }
            sql.sql(" FROM (")
                    .append(body)
                    .sql(") AS _e) AS ")
                    .ident(child.lateral())
                    .sql(child.inner ? " ON " + Sql.quote(child.lateral()) + ".c > 0" : " ON TRUE");
        } else if (child.toMany()) {
            sql.sql("SELECT coalesce(json_agg(_e.j), '[]'::json) AS j FROM (")
                    .append(runningTotal(body, "j", child.maxBytes))
                    .sql(") AS _e) AS ")
                    .ident(child.lateral())
                    .sql(child.inner ? " ON json_array_length(" + Sql.quote(child.lateral()) + ".j) > 0" : " ON TRUE");
        } else {
            sql.append(body);
            if (atMostOneRow(child)) {
                // Changes no answer, and keeps PostgreSQL from pulling the subquery up into a join,
                // which it planned as a scan of the whole target (RLS-filtered, materialized) for
                // every page, the join condition a filter; now each row looks its row up by key.
                sql.sql(" LIMIT 1");
            }
            sql.sql(") AS ").ident(child.lateral()).sql(" ON TRUE");
        }
        return sql;
    }

    /**
     * A to-one embedding along a foreign key between two tables, without a limit of its own: at
     * most one row matches (the referenced columns are a key; a one-to-one's referencing columns
     * too). Not for views (a view may repeat a key's value) nor computed relationships (a function
     * may return more rows than it declares).
     */
    private static boolean atMostOneRow(ReadPlan child) {
        Relationship r = child.relationship();
        return r.function() == null
                && r.junction() == null
                && isTable(r.source())
                && isTable(r.target())
                && child.limit == null
                && child.offset == null;
    }

    private static boolean isTable(Catalog.Table table) {
        return table.kind() == 'r' || table.kind() == 'p';
    }

    /** {@code json_build_object(?, v1, ?, v2, ...)}, split and spliced as text past 50 pairs so that order is kept. */
    static Sql rowObject(List<Pair> outputs) {
        if (outputs.isEmpty()) {
            return Sql.of("'{}'::json");
        }
        Sql merged = null;
        for (int start = 0; start < outputs.size(); start += PAIRS_PER_CALL) {
            Sql call = new Sql().sql("json_build_object(");
            List<Pair> chunk = outputs.subList(start, Math.min(outputs.size(), start + PAIRS_PER_CALL));
            for (int i = 0; i < chunk.size(); i++) {
                call.sql(i == 0 ? "" : ", ")
                        .param(chunk.get(i).key())
                        .sql("::text, ")
                        .append(chunk.get(i).value());
            }
            call.sql(")");
            merged = merged == null
                    ? call
                    : new Sql()
                            .sql("(left(")
                            .append(merged)
                            .sql("::text, -1) || ', ' || right(")
                            .append(call)
                            .sql("::text, -1))::json");
        }
        return Objects.requireNonNull(merged, "a row object needs at least one output");
    }
}
