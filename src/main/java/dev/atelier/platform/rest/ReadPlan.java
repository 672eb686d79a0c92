package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Relationship;
import dev.atelier.platform.rest.Catalog.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One level of a read, resolved against the catalog: what it outputs (as JSON keys and SQL
 * expressions), how it is filtered, ordered and cut, and the embedded levels below it. The root
 * reads the requested table, function result or mutated rows; every other level is one embedding.
 */
final class ReadPlan {

    /** The relation whose relationships embedding follows; null for a function's ad-hoc composite. */
    final @Nullable Table table;

    final Map<String, Column> columns;
    /** How errors name it, as PostgreSQL would: the relation's name. */
    final String displayName;
    /** The SQL alias of its rows, "t0", "t1", ...: generated, never taken from the request. */
    final String alias;

    final List<Output> outputs = new ArrayList<>();
    final List<Sql> conditions = new ArrayList<>();
    /** Conditions on embedded results ({@code rel=not.is.null}); they need the embeddings joined. */
    final List<Sql> embedConditions = new ArrayList<>();

    final List<Sql> orderBy = new ArrayList<>();

    @Nullable
    Long limit;

    @Nullable
    Long offset;

    final List<ReadPlan> embeds = new ArrayList<>();

    // Set on embedded levels only.
    @Nullable
    Relationship relationship;

    @Nullable
    String key;

    @Nullable
    String relationName;

    boolean inner;
    /** The alias of the lateral subquery that carries this level's JSON into its parent, "e1", ... */
    @Nullable
    String lateral;
    /** Columns handed up to the parent for ordering by a to-one relation ("o1" AS ...). */
    final List<Sql> exposed = new ArrayList<>();
    /** A spread ({@code ...rel(cols)}): its outputs are columns of its lateral, not one JSON value. */
    boolean spread;
    /** True when the parent's row set depends on this level (!inner, or a null filter on it). */
    boolean restrictsParent;

    ReadPlan(@Nullable Table table, Map<String, Column> columns, String displayName, String alias) {
        this.table = table;
        this.columns = columns;
        this.displayName = displayName;
        this.alias = alias;
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

    /**
     * The most bytes of JSON one response may hold; the row objects and arrays of every level are
     * checked against it before they are built (see {@link ReadSql}).
     */
    long maxBytes = RestLimits.DEFAULTS.maxResponseBytes();
    /** Root only: columns the request names explicitly, so a mutation's RETURNING can include them. */
    final java.util.Set<String> named = new java.util.LinkedHashSet<>();

    /**
     * A JSON key of the row object, the SQL that computes its value, and an estimate of the bytes
     * the pair adds to the row's JSON that PostgreSQL can compute without building the value
     * (sizes of toasted values are read from their headers, not detoasted).
     */
    record Output(String key, Sql value, @Nullable Sql size) {
        Output(String key, Sql value) {
            this(key, value, null);
        }
    }
}
