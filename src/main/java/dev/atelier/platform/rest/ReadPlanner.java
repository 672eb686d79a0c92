package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Relationship;
import dev.atelier.platform.rest.Catalog.Table;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
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

    /** A read as a mutation's representation or a test's: no range, no row cap. */
    ReadPlan plan(Table table, Map<String, Column> columns, String displayName, QueryParams q) {
        return plan(table, columns, displayName, q, false, null);
    }

    /**
     * @param functionResult true for the rows of a function: {@code *} is every column of the result
     *                       (column privileges of a table do not apply to a function's output)
     * @param range          the top-level range of a read, asked for once the select is planned (a bad
     *                       select is a 400 before a bad range's 416); with it, db-max-rows caps the top level
     *                       and every to-many embedding (a mutation's returned rows are not cut, as in
     *                       PostgREST since v10: they were all written)
     */
    ReadPlan plan(
            @Nullable Table table,
            Map<String, Column> columns,
            String displayName,
            QueryParams q,
            boolean functionResult,
            @Nullable Supplier<RangeSpec> range) {
        int named = countNamed(q.select);
        if (named > limits.maxSelectItems()) {
            // Refused before any planning, with the whole count rather than where planning stopped.
            throw limits.tooManySelectItems(named);
        }
        Level root = new Level(table, columns, displayName, "t" + aliases++, limits.maxResponseBytes());
        addSelect(root, q.select, !functionResult);
        for (QueryParams.PathFilter pf : q.filters) {
            addFilter(find(root, pf.path()), pf.filter());
        }
        for (QueryParams.PathLogic pl : q.logic) {
            Level level = find(root, pl.path());
            check(level, pl.tree());
            level.conditions.add(pl.tree());
        }
        for (Map.Entry<List<String>, List<OrderTerm>> e : q.orders.entrySet()) {
            Level level = find(root, e.getKey());
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
        if (range != null) {
            RangeSpec top = range.get();
            root.offset = top.offset() == 0 ? null : top.offset();
            root.limit = top.limit();
            capRows(root);
        }
        return root.freeze();
    }

    /** PostgREST's db-max-rows: the top level and every to-many embedding; a client's smaller limit stands. */
    private void capRows(Level level) {
        if (level.relationship == null || !level.relationship.cardinality().toOne()) {
            level.limit = limits.capRows(level.limit);
        }
        for (Level e : level.embeds) {
            capRows(e);
        }
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
    private List<Column> starColumns(Level level, boolean tableColumns) {
        if (grants == null || !tableColumns || level.table == null) {
            return List.copyOf(level.columns.values());
        }
        return grants.readable(level.table);
    }

    private void addSelect(Level level, List<SelectItem> items, boolean tableColumns) {
        for (SelectItem item : items) {
            if (item instanceof SelectItem.Column c) {
                if (c.isStar()) {
                    List<Column> star = starColumns(level, tableColumns);
                    countItems(Math.max(1, star.size()));
                    for (Column column : star) {
                        level.outputs.add(
                                new ReadPlan.ColumnOutput(column.name(), column, Field.of(column.name()), null));
                    }
                    continue;
                }
                countItems(1);
                if (c.aggregate() != null || isLegacyCount(level, c)) {
                    addAggregate(level, c);
                    continue;
                }
                Column column = column(level, c.field().name());
                if (level.columns.containsKey(column.name())) {
                    level.named.add(column.name());
                }
                String cast = c.cast() == null ? null : Expressions.castType(c.cast());
                String key = c.alias() != null
                        ? c.alias()
                        : c.field().hasPath()
                                ? c.field().defaultKey()
                                : c.field().name();
                level.outputs.add(new ReadPlan.ColumnOutput(key, column, c.field(), cast));
            } else {
                countItems(1);
                SelectItem.Embed e = (SelectItem.Embed) item;
                if (level.table == null) {
                    throw noRelationship(level.displayName, e.relation(), e.hint(), null);
                }
                Relationship r = resolve(level.table, e.relation(), e.hint());
                Table target = r.target();
                Level child = new Level(target, target.columns(), target.name(), "t" + aliases++, level.maxBytes);
                child.depth = level.depth + 1;
                if (!e.spread()) {
                    for (Level sibling : level.embeds) {
                        if (!sibling.spread && e.key().equals(sibling.key)) {
                            // PostgREST names both laterals parent_key_depth, and PostgreSQL refuses the second.
                            throw ErrorCode.DUPLICATE_TABLE.error(
                                    level.displayName + "_" + e.key() + "_" + child.depth);
                        }
                    }
                }
                child.relationship = r;
                child.key = e.key();
                child.relationName = e.relation();
                child.inner = e.inner();
                child.restrictsParent = e.inner();
                child.lateral = "e" + ++laterals;
                addSelect(child, e.children(), true);
                level.embeds.add(child);
                if (e.spread()) {
                    boolean toMany = !r.cardinality().toOne();
                    if (toMany && child.outputs.stream().anyMatch(ReadPlanner::aggregates)) {
                        throw ErrorCode.PGRST127
                                .error()
                                .withDetails("Aggregates are not implemented for one-to-many or many-to-many spreads.");
                    }
                    // Each of the child's values becomes a column "sN" of its lateral, keyed in the parent's
                    // object: one value of a to-one spread, the array of the rows' values of a to-many one
                    // (PostgREST 13). A to-one spread's aggregates are hoisted: it hands up their arguments
                    // and the parent aggregates them, grouped by its other outputs.
                    child.spread = true;
                    List<ReadPlan.Output> handedUp = new ArrayList<>(child.outputs.size());
                    for (ReadPlan.Output out : child.outputs) {
                        String column = "s" + ++exposed;
                        String size = "z" + exposed;
                        ReadPlan.Output raw = out;
                        SelectItem.Aggregate aggregate = null;
                        String aggregateCast = null;
                        if (out instanceof ReadPlan.AggregateOutput a) {
                            raw = a.column() == null
                                    ? new ReadPlan.PresenceOutput(a.key())
                                    : new ReadPlan.ColumnOutput(a.key(), a.column(), a.field(), a.cast());
                            aggregate = a.aggregate();
                            aggregateCast = a.aggregateCast();
                        } else if (out instanceof ReadPlan.SpreadOutput so && so.aggregate() != null) {
                            raw = new ReadPlan.SpreadOutput(so.key(), so.lateral(), so.column(), so.size());
                            aggregate = so.aggregate();
                            aggregateCast = so.aggregateCast();
                        }
                        handedUp.add(raw);
                        child.exposed.add(new ReadPlan.ExposedOutput(raw, column, size));
                        level.outputs.add(new ReadPlan.SpreadOutput(
                                out.key(), child.lateral, column, size, aggregate, aggregateCast));
                    }
                    child.outputs.clear();
                    child.outputs.addAll(handedUp);
                } else if (!e.children().isEmpty()) {
                    level.outputs.add(new ReadPlan.EmbedOutput(e.key(), child.lateral));
                }
            }
        }
    }

    /** {@code count} as a column where the level has none of that name: PostgREST's legacy count. */
    private static boolean isLegacyCount(Level level, SelectItem.Column c) {
        return c.aggregate() == null
                && "count".equals(c.field().name())
                && !c.field().hasPath()
                && !level.columns.containsKey("count");
    }

    private static boolean aggregates(ReadPlan.Output out) {
        return out instanceof ReadPlan.AggregateOutput
                || out instanceof ReadPlan.SpreadOutput s && s.aggregate() != null;
    }

    /**
     * {@code col.sum()}, {@code count()} ...: refused with PGRST123 unless aggregates are enabled.
     * The legacy {@code count} (no parentheses, no such column) is always allowed, as in PostgREST,
     * where PostgreSQL reads {@code t.count} as {@code count(t)}; its cast applies to the count.
     */
    private void addAggregate(Level level, SelectItem.Column c) {
        SelectItem.Aggregate aggregate = c.aggregate();
        String aggregateCast = c.aggregateCast();
        String cast = c.cast();
        if (aggregate == null) {
            aggregate = SelectItem.Aggregate.COUNT;
            aggregateCast = cast;
            cast = null;
        } else if (!limits.aggregates()) {
            throw ErrorCode.PGRST123.error();
        }
        Column column = null;
        if (c.aggregate() != null
                && !("*".equals(c.field().name()) && !c.field().hasPath())) {
            column = column(level, c.field().name());
        }
        String key = c.alias() != null ? c.alias() : aggregate.key();
        level.outputs.add(new ReadPlan.AggregateOutput(
                key,
                aggregate,
                column,
                c.field(),
                cast == null ? null : Expressions.castType(cast),
                aggregateCast == null ? null : Expressions.castType(aggregateCast)));
    }

    private void addFilter(Level level, Filter filter) {
        if (!filter.field().hasPath()
                && !level.columns.containsKey(filter.field().name())) {
            Level embedded = child(level, filter.field().name());
            if (embedded != null) {
                addEmbedNullFilter(level, embedded, filter);
                return;
            }
        }
        column(level, filter.field().name());
        level.conditions.add(new LogicTree.Leaf(filter));
    }

    /** Every field of a boolean tree must be a column of its level. */
    private void check(Level level, LogicTree tree) {
        if (tree instanceof LogicTree.Leaf leaf) {
            column(level, leaf.filter().field().name());
        } else {
            for (LogicTree child : ((LogicTree.Node) tree).children()) {
                check(level, child);
            }
        }
    }

    /** A column of the level or else a computed field of its table (a function of its row), as PostgreSQL resolves {@code t.name}. */
    private Column column(Level level, String name) {
        Column column = level.columns.get(name);
        if (column == null) {
            Catalog.ComputedField computed = catalog.computedField(level.table, name);
            if (computed == null) {
                throw ErrorCode.UNDEFINED_COLUMN.error(level.displayName, name);
            }
            level.computed.put(name, computed);
            return computed.column();
        }
        return column;
    }

    /** {@code rel=is.null} / {@code rel=not.is.null}: keep parents without / with a (matching) embedded row. */
    private void addEmbedNullFilter(Level level, Level embedded, Filter filter) {
        if (!(filter.operation() instanceof Filter.Is is) || is.value() != Filter.Trilean.NULL) {
            throw ErrorCode.PGRST120
                    .error(embedded.key)
                    .withDetails("Only is null or not is null filters are allowed on embedded resources");
        }
        if (embedded.spread) {
            throw ErrorCode.PGRST127.error().withDetails("null filters on a spread embedding");
        }
        embedded.restrictsParent = true;
        level.embedConditions.add(new ReadPlan.EmbedFilter(
                Objects.requireNonNull(embedded.lateral), embedded.toMany(), !filter.negated()));
    }

    private void addOrder(Level level, OrderTerm term) {
        if (term.relation() == null) {
            column(level, term.field().name());
            level.orderBy.add(new ReadPlan.Ordering(term, null, null));
            return;
        }
        Level embedded = child(level, term.relation());
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
        column(embedded, term.field().name());
        embedded.exposed.add(new ReadPlan.ExposedField(term.field(), name));
        level.orderBy.add(new ReadPlan.Ordering(term, embedded.lateral, name));
    }

    /** The level an embed path names; each step matches an embed's key (alias) or else its relation name. */
    private static Level find(Level root, List<String> path) {
        Level level = root;
        for (String step : path) {
            Level next = child(level, step);
            if (next == null) {
                throw notEmbedded(step);
            }
            level = next;
        }
        return level;
    }

    private static @Nullable Level child(Level level, String name) {
        for (Level e : level.embeds) {
            if (name.equals(e.key)) {
                return e;
            }
        }
        for (Level e : level.embeds) {
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

    /** A level while it is planned; {@link #freeze} makes the immutable {@link ReadPlan}. */
    private static final class Level {
        final @Nullable Table table;
        final Map<String, Column> columns;
        final String displayName;
        final String alias;
        final long maxBytes;
        final List<ReadPlan.Output> outputs = new ArrayList<>();
        final List<LogicTree> conditions = new ArrayList<>();
        final List<ReadPlan.EmbedFilter> embedConditions = new ArrayList<>();
        final List<ReadPlan.Ordering> orderBy = new ArrayList<>();
        final List<Level> embeds = new ArrayList<>();
        final List<ReadPlan.Exposed> exposed = new ArrayList<>();
        final Set<String> named = new LinkedHashSet<>();
        /** The computed fields the request names at this level. */
        final Map<String, Catalog.ComputedField> computed = new java.util.LinkedHashMap<>();

        @Nullable
        Long limit;

        @Nullable
        Long offset;

        @Nullable
        Relationship relationship;

        @Nullable
        String key;

        @Nullable
        String relationName;

        @Nullable
        String lateral;

        boolean inner;
        boolean spread;
        boolean restrictsParent;
        /** 0 at the root, 1 for its embeddings, ...: how PostgREST numbers the laterals it names. */
        int depth;

        Level(@Nullable Table table, Map<String, Column> columns, String displayName, String alias, long maxBytes) {
            this.table = table;
            this.columns = columns;
            this.displayName = displayName;
            this.alias = alias;
            this.maxBytes = maxBytes;
        }

        boolean toMany() {
            return relationship != null && !relationship.cardinality().toOne();
        }

        ReadPlan freeze() {
            List<ReadPlan> children = new ArrayList<>(embeds.size());
            for (Level e : embeds) {
                children.add(e.freeze());
            }
            return new ReadPlan(
                    table,
                    columns,
                    displayName,
                    alias,
                    outputs,
                    conditions,
                    embedConditions,
                    orderBy,
                    limit,
                    offset,
                    children,
                    relationship,
                    key,
                    relationName,
                    inner,
                    lateral,
                    exposed,
                    spread,
                    restrictsParent,
                    maxBytes,
                    named,
                    computed);
        }
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

    /**
     * PostgREST's matching (Plan.findRel): a computed relationship by its function's name; a
     * self-referencing foreign key by the table's name for the children (one-to-many, a hint naming
     * the children's column) and by the column's name for the parent (many-to-one); otherwise by
     * the target's name with an optional hint, or, for tables only, by constraint or column name.
     */
    private static boolean matches(Relationship r, String target, @Nullable String hint) {
        if (r.function() != null) {
            return target.equals(r.function().name());
        }
        if (r.self()) {
            if (hint == null) {
                return target.equals(r.target().name()) && r.cardinality() == Catalog.Cardinality.ONE_TO_MANY
                        || r.cardinality() == Catalog.Cardinality.MANY_TO_ONE && single(r.sourceColumns(), target);
            }
            return target.equals(r.target().name())
                    && r.cardinality() == Catalog.Cardinality.ONE_TO_MANY
                    && single(r.targetColumns(), hint);
        }
        if (r.target().name().equals(target)) {
            if (hint == null) {
                return true;
            }
            return hint.equals(r.constraint())
                    || single(r.sourceColumns(), hint)
                    || single(r.targetColumns(), hint)
                    || r.junction() != null && (hint.equals(r.junction().table().name()));
        }
        if (r.junction() != null
                || hint != null
                || r.target().kind() == 'v'
                || r.target().kind() == 'm') {
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
}
