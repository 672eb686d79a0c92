package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Relationship;
import dev.atelier.platform.rest.Catalog.Table;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Stage 2 for reads: one level of a read, resolved against the catalog and checked, holding no
 * SQL ({@link ReadSql} renders it): what it outputs, how it is filtered, ordered and cut, and the
 * embedded levels below it. The root reads the requested table, function result or mutated rows;
 * every other level is one embedding. Immutable; {@link ReadPlanner} builds it.
 *
 * <p>Aggregates are outputs of their own kind ({@link AggregateOutput}, or a {@link SpreadOutput}
 * with an aggregate hoisted from a to-one spread); a level holding one is {@link #grouped} by all
 * its other outputs, as PostgREST builds its GROUP BY.
 */
final class ReadPlan {

    /** The relation whose relationships embedding follows; null for a function's ad-hoc composite. */
    final @Nullable Table table;

    final Map<String, Column> columns;
    /** How errors name it, as PostgreSQL would: the relation's name. */
    final String displayName;
    /** The SQL alias of its rows, "t0", "t1", ...: generated, never taken from the request. */
    final String alias;

    final List<Output> outputs;
    /** Filters and {@code or=}/{@code and=} trees on this level's columns, each checked against them. */
    final List<LogicTree> conditions;
    /** Conditions on embedded results ({@code rel=not.is.null}); they need the embeddings joined. */
    final List<EmbedFilter> embedConditions;

    final List<Ordering> orderBy;
    final @Nullable Long limit;
    final @Nullable Long offset;
    final List<ReadPlan> embeds;

    // Set on embedded levels only.
    final @Nullable Relationship relationship;
    final @Nullable String key;
    final @Nullable String relationName;
    final boolean inner;
    /** The alias of the lateral subquery that carries this level's JSON into its parent, "e1", ... */
    final @Nullable String lateral;
    /** Values handed up to the parent: a spread's outputs, the fields a parent orders by. */
    final List<Exposed> exposed;
    /** A spread ({@code ...rel(cols)}): its outputs are columns of its lateral, not one JSON value. */
    final boolean spread;
    /** True when the parent's row set depends on this level (!inner, or a null filter on it). */
    final boolean restrictsParent;

    /**
     * The most bytes of JSON one response may hold; the row objects and arrays of every level are
     * checked against it before they are built (see {@link ReadSql}).
     */
    final long maxBytes;
    /** True when an output aggregates: every other output is a term of the level's GROUP BY. */
    final boolean grouped;
    /** Root only: columns the request names explicitly, so a mutation's RETURNING can include them. */
    final Set<String> named;
    /** The computed fields (functions of this level's row) its outputs, filters and orders name. */
    final Map<String, Catalog.ComputedField> computed;

    ReadPlan(
            @Nullable Table table,
            Map<String, Column> columns,
            String displayName,
            String alias,
            List<Output> outputs,
            List<LogicTree> conditions,
            List<EmbedFilter> embedConditions,
            List<Ordering> orderBy,
            @Nullable Long limit,
            @Nullable Long offset,
            List<ReadPlan> embeds,
            @Nullable Relationship relationship,
            @Nullable String key,
            @Nullable String relationName,
            boolean inner,
            @Nullable String lateral,
            List<Exposed> exposed,
            boolean spread,
            boolean restrictsParent,
            long maxBytes,
            Set<String> named,
            Map<String, Catalog.ComputedField> computed) {
        this.grouped = outputs.stream()
                .anyMatch(o -> o instanceof AggregateOutput || o instanceof SpreadOutput s && s.aggregate() != null);
        this.table = table;
        this.columns = columns;
        this.displayName = displayName;
        this.alias = alias;
        this.outputs = List.copyOf(outputs);
        this.conditions = List.copyOf(conditions);
        this.embedConditions = List.copyOf(embedConditions);
        this.orderBy = List.copyOf(orderBy);
        this.limit = limit;
        this.offset = offset;
        this.embeds = List.copyOf(embeds);
        this.relationship = relationship;
        this.key = key;
        this.relationName = relationName;
        this.inner = inner;
        this.lateral = lateral;
        this.exposed = List.copyOf(exposed);
        this.spread = spread;
        this.restrictsParent = restrictsParent;
        this.maxBytes = maxBytes;
        this.named = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(named));
        this.computed = Map.copyOf(computed);
    }

    /** The relationship an embedded level joins along; only the root has none. */
    Relationship relationship() {
        return Objects.requireNonNull(relationship, "the root level embeds nothing");
    }

    /** The alias of an embedded level's lateral join; only the root has none. */
    String lateral() {
        return Objects.requireNonNull(lateral, "the root level is not a lateral join");
    }

    boolean toMany() {
        return relationship != null && !relationship.cardinality().toOne();
    }

    /** One key of the row object and where its value comes from. */
    sealed interface Output {
        String key();
    }

    /**
     * A column of this level, optionally along a JSON path and cast.
     *
     * @param cast a type from {@link Expressions}' list of casts, or null
     */
    record ColumnOutput(
            String key,
            Column column,
            Field field,
            @Nullable String cast) implements Output {}

    /** An embedded level's JSON (an object for to-one, an array for to-many). */
    record EmbedOutput(String key, String lateral) implements Output {}

    /**
     * {@code fn(column::cast)::aggregateCast}; {@code column} null for {@code count()} (the rows of
     * the group).
     */
    record AggregateOutput(
            String key,
            SelectItem.Aggregate aggregate,
            @Nullable Column column,
            Field field,
            @Nullable String cast,
            @Nullable String aggregateCast)
            implements Output {}

    /**
     * A value of a spread embedding, handed up as {@code lateral.column} with its size in {@code lateral.size}.
     * With {@code aggregate}, an aggregate of a to-one spread hoisted to this level: the spread hands
     * up its argument and this level aggregates it (for {@code count()}, a marker that is null
     * when the spread has no row).
     */
    record SpreadOutput(
            String key,
            String lateral,
            String column,
            String size,
            SelectItem.@Nullable Aggregate aggregate,
            @Nullable String aggregateCast)
            implements Output {
        SpreadOutput(String key, String lateral, String column, String size) {
            this(key, lateral, column, size, null, null);
        }
    }

    /** {@code count()} inside a to-one spread, handed up as a marker its parent counts. */
    record PresenceOutput(String key) implements Output {}

    /** What an embedded level hands up to its parent as columns of its lateral. */
    sealed interface Exposed {}

    /** One of a spread's outputs as {@code column}, with its estimated size as {@code size}. */
    record ExposedOutput(Output output, String column, String size) implements Exposed {}

    /** A field the parent orders by, as {@code column}. */
    record ExposedField(Field field, String column) implements Exposed {}

    /** {@code rel=is.null} / {@code rel=not.is.null} on an embedding. */
    record EmbedFilter(String lateral, boolean toMany, boolean wantNull) {}

    /** An order term on this level's field or, with {@code lateral}, on a to-one embedding's exposed column. */
    record Ordering(
            OrderTerm term,
            @Nullable String lateral,
            @Nullable String column) {}
}
