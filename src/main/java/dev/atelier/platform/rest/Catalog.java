package dev.atelier.platform.rest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One immutable snapshot of the exposed schemas as pg_catalog described them: relations with their
 * columns and keys, the relationships that foreign keys make between them (both directions, plus
 * many-to-many through junction tables or views), and functions. Every identifier the SQL builders write
 * comes from here.
 */
final class Catalog {

    private final List<String> schemas;
    private final Map<String, Map<String, Table>> tables;
    private final Map<String, Map<String, List<Routine>>> routines;
    private final Map<Table, List<Relationship>> relationships = new HashMap<>();
    private final Map<Table, Map<String, ComputedField>> computedFields = new HashMap<>();

    Catalog(
            List<String> schemas,
            Collection<Table> tableList,
            List<ForeignKey> foreignKeys,
            List<Routine> routineList) {
        this(schemas, tableList, foreignKeys, routineList, List.of(), List.of());
    }

    /**
     * @param computedFields        functions of one table's row returning a scalar: columns by another name
     * @param computedRelationships functions of one table's row returning rows of another: embeddable by
     *                              their name, replacing the foreign-key relationships to a table of that name
     */
    Catalog(
            List<String> schemas,
            Collection<Table> tableList,
            List<ForeignKey> foreignKeys,
            List<Routine> routineList,
            List<ComputedField> computedFields,
            List<Relationship> computedRelationships) {
        this.schemas = List.copyOf(schemas);
        Map<String, Map<String, Table>> byName = new HashMap<>();
        for (Table t : tableList) {
            byName.computeIfAbsent(t.schema(), s -> new LinkedHashMap<>()).put(t.name(), t);
        }
        this.tables = byName;
        Map<String, Map<String, List<Routine>>> fns = new HashMap<>();
        for (Routine r : routineList) {
            fns.computeIfAbsent(r.schema(), s -> new LinkedHashMap<>())
                    .computeIfAbsent(r.name(), n -> new ArrayList<>())
                    .add(r);
        }
        this.routines = fns;
        buildRelationships(foreignKeys);
        for (ComputedField f : computedFields) {
            this.computedFields
                    .computeIfAbsent(f.table(), t -> new LinkedHashMap<>())
                    .putIfAbsent(f.column().name(), f);
        }
        // PostgREST's override: a function named like a table replaces the detected relationships
        // from its argument's table to that table (same schema); a function is one relationship.
        for (Relationship r : computedRelationships) {
            Function fn = java.util.Objects.requireNonNull(r.function());
            List<Relationship> from = relationships.computeIfAbsent(r.source(), t -> new ArrayList<>());
            from.removeIf(old -> old.function() == null
                    && old.target().schema().equals(fn.schema())
                    && old.target().name().equals(fn.name()));
            from.add(r);
        }
    }

    /** A computed field of {@code table} (a function of its row), or null. */
    @Nullable
    ComputedField computedField(@Nullable Table table, String name) {
        return table == null
                ? null
                : computedFields.getOrDefault(table, Map.of()).get(name);
    }

    List<String> schemas() {
        return schemas;
    }

    @Nullable
    Table table(String schema, String name) {
        return tables.getOrDefault(schema, Map.of()).get(name);
    }

    /** The table or view, or PGRST205 with the closest name as a hint. */
    Table tableOrError(String schema, String name) {
        Table table = table(schema, name);
        if (table == null) {
            String suggestion = Similarity.closest(
                    name, tables(schema).stream().map(Table::name).toList());
            throw ErrorCode.PGRST205
                    .error(schema + "." + name)
                    .withHint(
                            suggestion == null
                                    ? null
                                    : "Perhaps you meant the table '" + schema + "." + suggestion + "'");
        }
        return table;
    }

    Collection<Table> tables(String schema) {
        return tables.getOrDefault(schema, Map.of()).values();
    }

    List<Routine> routines(String schema, String name) {
        return routines.getOrDefault(schema, Map.of()).getOrDefault(name, List.of());
    }

    Collection<List<Routine>> routines(String schema) {
        return routines.getOrDefault(schema, Map.of()).values();
    }

    /** Every relationship that starts at {@code source}. */
    List<Relationship> relationshipsFrom(Table source) {
        return relationships.getOrDefault(source, List.of());
    }

    private void buildRelationships(List<ForeignKey> foreignKeys) {
        for (ForeignKey fk : foreignKeys) {
            Table child = table(fk.schema(), fk.table());
            Table parent = table(fk.foreignSchema(), fk.foreignTable());
            if (child == null || parent == null) {
                continue; // one end is outside the exposed schemas: not embeddable
            }
            boolean unique = child.isUniqueKey(fk.columns());
            add(
                    child,
                    new Relationship(
                            fk.name(),
                            child,
                            parent,
                            unique ? Cardinality.ONE_TO_ONE : Cardinality.MANY_TO_ONE,
                            fk.columns(),
                            fk.foreignColumns(),
                            null,
                            null));
            add(
                    parent,
                    new Relationship(
                            fk.name(),
                            parent,
                            child,
                            unique ? Cardinality.ONE_TO_ONE : Cardinality.ONE_TO_MANY,
                            fk.foreignColumns(),
                            fk.columns(),
                            null,
                            null));
        }
        // Many-to-many: a junction whose primary key holds the columns of two foreign keys.
        for (Map<String, Table> bySchema : tables.values()) {
            for (Table junction : bySchema.values()) {
                List<ForeignKey> fks = foreignKeys.stream()
                        .filter(fk -> fk.schema().equals(junction.schema())
                                && fk.table().equals(junction.name()))
                        .filter(fk -> junction.primaryKey().containsAll(fk.columns()))
                        .toList();
                for (ForeignKey a : fks) {
                    for (ForeignKey b : fks) {
                        if (a.name().equals(b.name())) {
                            continue; // one constraint seen at a table and at a view over it is no pair
                        }
                        Table from = table(a.foreignSchema(), a.foreignTable());
                        Table to = table(b.foreignSchema(), b.foreignTable());
                        if (from == null || to == null) {
                            continue;
                        }
                        add(
                                from,
                                new Relationship(
                                        a.name(),
                                        from,
                                        to,
                                        Cardinality.MANY_TO_MANY,
                                        a.foreignColumns(),
                                        b.foreignColumns(),
                                        new Junction(junction, a, b),
                                        null));
                    }
                }
            }
        }
    }

    private void add(Table source, Relationship r) {
        relationships.computeIfAbsent(source, t -> new ArrayList<>()).add(r);
    }

    // ------------------------------------------------------------------------------------------

    /** A table, view, materialized view or foreign table. */
    record Table(
            String schema,
            String name,
            char kind,
            boolean insertable,
            boolean updatable,
            boolean deletable,
            @Nullable String description,
            Map<String, Column> columns,
            List<String> primaryKey,
            List<Set<String>> uniqueKeys) {

        @Nullable
        Column column(String columnName) {
            return columns.get(columnName);
        }

        boolean isUniqueKey(List<String> cols) {
            Set<String> set = Set.copyOf(cols);
            if (!primaryKey.isEmpty() && set.equals(Set.copyOf(primaryKey))) {
                return true;
            }
            return uniqueKeys.stream().anyMatch(set::equals);
        }

        String qualified() {
            return schema + "." + name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Table t && t.schema.equals(schema) && t.name.equals(name);
        }

        @Override
        public int hashCode() {
            return schema.hashCode() * 31 + name.hashCode();
        }
    }

    /**
     * @param type     the declared type as format_type prints it (e.g. "character varying(20)", "text[]")
     * @param baseType the underlying type's name (a domain's base type), for OpenAPI and full-text search
     * @param category pg_type.typcategory of the base type: 'N' numeric, 'S' string, 'A' array, 'U' user (json, uuid) ...
     */
    record Column(
            String name,
            String type,
            String baseType,
            char category,
            boolean nullable,
            @Nullable String defaultExpression,
            @Nullable String description,
            boolean generated,
            List<String> enumValues) {}

    record ForeignKey(
            String name,
            String schema,
            String table,
            List<String> columns,
            String foreignSchema,
            String foreignTable,
            List<String> foreignColumns) {}

    enum Cardinality {
        MANY_TO_ONE("many-to-one"),
        ONE_TO_MANY("one-to-many"),
        ONE_TO_ONE("one-to-one"),
        MANY_TO_MANY("many-to-many");

        final String label;

        Cardinality(String label) {
            this.label = label;
        }

        boolean toOne() {
            return this == MANY_TO_ONE || this == ONE_TO_ONE;
        }
    }

    /**
     * A way to embed {@code target} rows into a {@code source} row: target rows whose
     * {@code targetColumns} equal the source row's {@code sourceColumns} (through the junction's two
     * foreign keys for many-to-many), or, for a computed relationship, the rows {@code function}
     * returns for the source row (no columns then).
     */
    record Relationship(
            String constraint,
            Table source,
            Table target,
            Cardinality cardinality,
            List<String> sourceColumns,
            List<String> targetColumns,
            @Nullable Junction junction,
            @Nullable Function function) {

        /** A foreign key of a table to itself (PostgREST's relIsSelf): its direction is picked by name. */
        boolean self() {
            return junction == null && function == null && source.equals(target);
        }
    }

    /** The function of a computed relationship (or field): {@code schema.name(source row)}. */
    record Function(String schema, String name) {}

    /** A function of {@code table}'s row returning a scalar, selectable and filterable as {@code column}. */
    record ComputedField(Table table, Function function, Column column) {}

    /** The junction of a many-to-many relationship: {@code toSource} points at the source, {@code toTarget} at the target. */
    record Junction(Table table, ForeignKey toSource, ForeignKey toTarget) {}

    /**
     * A function callable at /rpc.
     *
     * @param parameters    the input parameters in declaration order
     * @param resultColumns the columns of a composite or TABLE/OUT result; empty for scalars
     * @param resultTable   the exposed table whose row type it returns, for embedding; or null
     */
    record Routine(
            String schema,
            String name,
            String signature,
            List<Parameter> parameters,
            String returnType,
            boolean returnsSet,
            boolean returnsVoid,
            boolean returnsComposite,
            List<Column> resultColumns,
            @Nullable Table resultTable,
            char volatility,
            @Nullable String description) {

        boolean hasSingleUnnamedJsonParameter() {
            return parameters.size() == 1
                    && parameters.get(0).name().isEmpty()
                    && (parameters.get(0).type().equals("json")
                            || parameters.get(0).type().equals("jsonb"));
        }
    }

    record Parameter(String name, String type, boolean hasDefault, boolean variadic) {}
}
