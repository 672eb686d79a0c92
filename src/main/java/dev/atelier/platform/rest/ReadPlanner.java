package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Relationship;
import dev.atelier.platform.rest.Catalog.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Resolves a parsed query string against the catalog into a {@link ReadPlan} tree: every column
 * checked, every embedding matched to exactly one relationship, every filter, order and limit
 * attached to the level its path names. All client mistakes surface here as 4xx, before SQL runs.
 */
final class ReadPlanner {

    private final Catalog catalog;
    private final String schema;
    private final RestLimits limits;
    /** The columns the caller's role may SELECT, for {@code *}; null when every column may be listed. */
    private final @Nullable ColumnGrants grants;

    private int selectItems;
    private int aliases;
    private int laterals;
    private int exposed;

    ReadPlanner(Catalog catalog, String schema) {
        this(catalog, schema, RestLimits.DEFAULTS, null);
    }

    ReadPlanner(Catalog catalog, String schema, RestLimits limits, @Nullable ColumnGrants grants) {
        this.catalog = catalog;
        this.schema = schema;
        this.limits = limits;
        this.grants = grants;
    }

    ReadPlan plan(Table table, Map<String, Column> columns, String displayName, QueryParams q) {
        return plan(table, columns, displayName, q, false);
    }

    /**
     * @param functionResult true for the rows of a function: {@code *} is every column of the result
     *                       (column privileges of a table do not apply to a function's output)
     */
    ReadPlan plan(
            @Nullable Table table,
            Map<String, Column> columns,
            String displayName,
            QueryParams q,
            boolean functionResult) {
        int named = countNamed(q.select);
        if (named > limits.maxSelectItems()) {
            // Refused before any planning, with the whole count rather than where planning stopped.
            throw limits.tooManySelectItems(named);
        }
        ReadPlan root = new ReadPlan(table, columns, displayName, "t" + aliases++);
        root.maxBytes = limits.maxResponseBytes();
        addSelect(root, q.select, !functionResult);
        for (QueryParams.PathFilter pf : q.filters) {
            addFilter(find(root, pf.path()), pf.filter());
        }
        for (QueryParams.PathLogic pl : q.logic) {
            ReadPlan level = find(root, pl.path());
            level.conditions.add(Expressions.logic(level, pl.tree()));
        }
        for (Map.Entry<List<String>, List<OrderTerm>> e : q.orders.entrySet()) {
            ReadPlan level = find(root, e.getKey());
            for (OrderTerm term : e.getValue()) {
                addOrder(level, term);
            }
        }
        for (Map.Entry<List<String>, Long> e : q.limits.entrySet()) {
            find(root, e.getKey()).limit = e.getValue();
        }
        for (Map.Entry<List<String>, Long> e : q.offsets.entrySet()) {
            find(root, e.getKey()).offset = e.getValue();
        }
        return root;
    }

    /** Select items as the request writes them, all levels: columns, stars and embeddings count one each. */
    private static int countNamed(List<SelectItem> items) {
        int n = 0;
        for (SelectItem item : items) {
            n++;
            if (item instanceof SelectItem.Embed e) {
                n += countNamed(e.children());
            }
        }
        return n;
    }

    /**
     * Counts outputs as planned, a star as the columns it stands for: PGRSTX01 past
     * {@link RestLimits#maxOutputs()}, so that repeated stars cannot stand in for a long select list.
     */
    private void countItems(int n) {
        selectItems += n;
        if (selectItems > limits.maxOutputs()) {
            throw limits.tooManyOutputs(selectItems);
        }
    }

    /** The columns {@code *} stands for at this level: those the caller's role may read, when known. */
    private List<Column> starColumns(ReadPlan level, boolean tableColumns) {
        if (grants == null || !tableColumns || level.table == null) {
            return List.copyOf(level.columns.values());
        }
        return grants.readable(level.table);
    }

    private void addSelect(ReadPlan level, List<SelectItem> items, boolean tableColumns) {
        for (SelectItem item : items) {
            if (item instanceof SelectItem.Column c) {
                if (c.isStar()) {
                    List<Column> star = starColumns(level, tableColumns);
                    countItems(Math.max(1, star.size()));
                    for (Column column : star) {
                        level.outputs.add(new ReadPlan.Output(
                                column.name(),
                                new Sql().ident(level.alias).sql(".").ident(column.name()),
                                ReadSql.columnSize(level.alias, column)));
                    }
                    continue;
                }
                countItems(1);
                Sql value = Expressions.field(level, c.field());
                Column column = Expressions.column(level, c.field().name());
                level.named.add(column.name());
                if (c.cast() != null) {
                    value = new Sql()
                            .sql("CAST(")
                            .append(value)
                            .sql(" AS ")
                            .sql(Expressions.castType(c.cast()))
                            .sql(")");
                }
                String key = c.alias() != null
                        ? c.alias()
                        : c.field().hasPath()
                                ? c.field().defaultKey()
                                : c.field().name();
                // A JSON path or a cast yields about what the column holds: the column's size is the estimate.
                level.outputs.add(new ReadPlan.Output(key, value, ReadSql.columnSize(level.alias, column)));
            } else {
                countItems(1);
                SelectItem.Embed e = (SelectItem.Embed) item;
                if (level.table == null) {
                    throw noRelationship(level.displayName, e.relation(), e.hint(), null);
                }
                Relationship r = resolve(level.table, e.relation(), e.hint());
                Table target = r.target();
                ReadPlan child = new ReadPlan(target, target.columns(), target.name(), "t" + aliases++);
                child.maxBytes = level.maxBytes;
                child.relationship = r;
                child.key = e.key();
                child.relationName = e.relation();
                child.inner = e.inner();
                child.restrictsParent = e.inner();
                child.lateral = "e" + ++laterals;
                addSelect(child, e.children(), true);
                level.embeds.add(child);
                if (e.spread()) {
                    if (!r.cardinality().toOne()) {
                        throw ErrorCode.PGRST119
                                .error(e.relation())
                                .withDetails("'" + level.displayName + "' and '" + e.relation()
                                        + "' do not form a many-to-one or one-to-one relationship");
                    }
                    // Each of the child's values becomes a column "sN" of its lateral, keyed in the parent's object.
                    child.spread = true;
                    for (ReadPlan.Output out : child.outputs) {
                        String column = "s" + ++exposed;
                        String size = "z" + exposed;
                        child.exposed.add(
                                new Sql().append(out.value()).sql(" AS ").ident(column));
                        // The value's size is estimated inside the lateral, where its column is.
                        child.exposed.add(new Sql()
                                .append(Objects.requireNonNull(out.size()))
                                .sql(" AS ")
                                .ident(size));
                        level.outputs.add(new ReadPlan.Output(
                                out.key(),
                                new Sql().ident(child.lateral).sql(".").ident(column),
                                new Sql().ident(child.lateral).sql(".").ident(size)));
                    }
                } else {
                    Sql j = new Sql().ident(child.lateral).sql(".j");
                    // The embedded JSON is built by then (and bounded itself): its exact size is free to read.
                    level.outputs.add(new ReadPlan.Output(
                            child.key,
                            j,
                            new Sql().sql("coalesce(pg_column_size(").append(j).sql("), 4)")));
                }
            }
        }
    }

    private void addFilter(ReadPlan level, Filter filter) {
        if (!filter.field().hasPath()
                && !level.columns.containsKey(filter.field().name())) {
            ReadPlan embedded = child(level, filter.field().name());
            if (embedded != null) {
                addEmbedNullFilter(level, embedded, filter);
                return;
            }
        }
        level.conditions.add(Expressions.condition(level, filter));
    }

    /** {@code rel=is.null} / {@code rel=not.is.null}: keep parents without / with a (matching) embedded row. */
    private static void addEmbedNullFilter(ReadPlan level, ReadPlan embedded, Filter filter) {
        if (!(filter.operation() instanceof Filter.Is is) || is.value() != Filter.Trilean.NULL) {
            throw ErrorCode.PGRST120
                    .error(embedded.key)
                    .withDetails("Only is null or not is null filters are allowed on embedded resources");
        }
        if (embedded.spread) {
            throw ErrorCode.PGRST127.error().withDetails("null filters on a spread embedding");
        }
        embedded.restrictsParent = true;
        boolean wantNull = !filter.negated();
        Sql j = new Sql().ident(embedded.lateral()).sql(".j");
        level.embedConditions.add(
                embedded.toMany()
                        ? new Sql().sql("json_array_length(").append(j).sql(wantNull ? ") = 0" : ") > 0")
                        : new Sql().append(j).sql(wantNull ? " IS NULL" : " IS NOT NULL"));
    }

    private void addOrder(ReadPlan level, OrderTerm term) {
        if (term.relation() == null) {
            level.orderBy.add(Expressions.order(level, term));
            return;
        }
        ReadPlan embedded = child(level, term.relation());
        if (embedded == null) {
            throw notEmbedded(term.relation());
        }
        if (embedded.toMany()) {
            throw ErrorCode.PGRST118
                    .error(term.relation())
                    .withDetails("'" + level.displayName + "' and '" + term.relation()
                            + "' do not form a many-to-one or one-to-one relationship");
        }
        String name = "o" + ++exposed;
        embedded.exposed.add(new Sql()
                .append(Expressions.field(embedded, term.field()))
                .sql(" AS ")
                .ident(name));
        level.orderBy.add(Expressions.direction(
                new Sql().ident(embedded.lateral()).sql(".").ident(name), term));
    }

    /** The level an embed path names; each step matches an embed's key (alias) or else its relation name. */
    private static ReadPlan find(ReadPlan root, List<String> path) {
        ReadPlan level = root;
        for (String step : path) {
            ReadPlan next = child(level, step);
            if (next == null) {
                throw notEmbedded(step);
            }
            level = next;
        }
        return level;
    }

    private static @Nullable ReadPlan child(ReadPlan level, String name) {
        for (ReadPlan e : level.embeds) {
            if (name.equals(e.key)) {
                return e;
            }
        }
        for (ReadPlan e : level.embeds) {
            if (name.equals(e.relationName)) {
                return e;
            }
        }
        return null;
    }

    private static ApiError notEmbedded(String name) {
        return ErrorCode.PGRST108
                .error(name)
                .withHint("Verify that '" + name + "' is included in the 'select' query parameter.");
    }

    // ------------------------------------------------------------------------------------------
    // Relationship resolution, as PostgREST does it: by target table (optionally disambiguated by
    // a constraint, column or junction hint), or by constraint name, or by foreign-key column.
    // ------------------------------------------------------------------------------------------

    Relationship resolve(Table source, String target, @Nullable String hint) {
        List<Relationship> candidates = catalog.relationshipsFrom(source);
        List<Relationship> matches =
                candidates.stream().filter(r -> matches(r, target, hint)).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw noRelationship(source.name(), target, hint, candidates);
        }
        ArrayNode details = JsonNodeFactory.instance.arrayNode();
        for (Relationship r : matches) {
            ObjectNode d = details.addObject();
            d.put("cardinality", r.cardinality().label);
            d.put("embedding", source.name() + " with " + r.target().name());
            d.put("relationship", describe(r));
        }
        String options = matches.stream()
                .map(r -> "'" + target + "!"
                        + (r.junction() != null ? r.junction().table().name() : r.constraint()) + "'")
                .collect(Collectors.joining(", "));
        throw ErrorCode.PGRST201
                .error(source.name(), target)
                .withDetails(details)
                .withHint("Try changing '" + target + "' to one of the following: " + options
                        + ". Find the desired relationship in the 'details' key.");
    }

    private static boolean matches(Relationship r, String target, @Nullable String hint) {
        if (r.target().name().equals(target)) {
            if (hint == null) {
                return true;
            }
            return hint.equals(r.constraint())
                    || single(r.sourceColumns(), hint)
                    || single(r.targetColumns(), hint)
                    || r.junction() != null && (hint.equals(r.junction().table().name()));
        }
        if (r.junction() != null || hint != null) {
            return false;
        }
        return target.equals(r.constraint()) || r.cardinality().toOne() && single(r.sourceColumns(), target);
    }

    private static boolean single(List<String> columns, String name) {
        return columns.size() == 1 && columns.get(0).equals(name);
    }

    private static String describe(Relationship r) {
        if (r.junction() != null) {
            Catalog.Junction j = r.junction();
            return j.table().name() + " using " + j.toSource().name()
                    + list(j.toSource().columns()) + " and " + j.toTarget().name()
                    + list(j.toTarget().columns());
        }
        return r.constraint() + " using " + r.source().name() + list(r.sourceColumns()) + " and "
                + r.target().name() + list(r.targetColumns());
    }

    private static String list(List<String> columns) {
        return "(" + String.join(", ", columns) + ")";
    }

    private ApiError noRelationship(
            String source, String target, @Nullable String hint, @Nullable List<Relationship> candidates) {
        String suggestion = candidates == null
                ? null
                : Similarity.closest(
                        target,
                        candidates.stream()
                                .map(r -> r.target().name())
                                .distinct()
                                .toList());
        return ErrorCode.PGRST200
                .error(source, target)
                .withDetails("Searched for a foreign key relationship between '" + source + "' and '" + target
                        + (hint != null ? "' using the hint '" + hint : "") + "' in the schema '" + schema
                        + "', but no matches were found.")
                .withHint(
                        suggestion == null || suggestion.equals(target)
                                ? null
                                : "Perhaps you meant '" + suggestion + "' instead of '" + target + "'.");
    }

    /**
     * PostgREST's db-max-rows: the top level and every to-many embedding return at most
     * {@code maxRows} rows; a client's smaller limit stands. (Mutations' returned rows are not cut,
     * as in PostgREST since v10: they were all written.)
     */
    static void capRows(ReadPlan level, RestLimits limits) {
        if (level.relationship == null || level.toMany()) {
            level.limit = limits.capRows(level.limit);
        }
        for (ReadPlan e : level.embeds) {
            capRows(e, limits);
        }
    }

    /** The top-level range: offset and limit of the root. */
    static void applyRange(ReadPlan root, RangeSpec range) {
        root.offset = range.offset() == 0 ? null : range.offset();
        root.limit = range.limit();
    }

    static List<ReadPlan> flatten(ReadPlan root) {
        List<ReadPlan> all = new ArrayList<>();
        all.add(root);
        for (ReadPlan e : root.embeds) {
            all.addAll(flatten(e));
        }
        return all;
    }
}
