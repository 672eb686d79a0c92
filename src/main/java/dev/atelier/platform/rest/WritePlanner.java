package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.platform.rest.Preferences.Count;
import dev.atelier.platform.rest.Preferences.Resolution;
import dev.atelier.platform.rest.Preferences.Return;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Stage 2 for writes: checks a POST, PUT, PATCH or DELETE against the catalog (columns, conflict
 * target, PUT's key filters) and makes its {@link MutatePlan}. Every client mistake is a 4xx here,
 * before SQL runs.
 */
final class WritePlanner {

    private WritePlanner() {}

    static MutatePlan plan(ApiRequest req, Catalog catalog, @Nullable ColumnGrants grants) {
        Table table = catalog.tableOrError(req.schema, req.name);
        QueryParams q = req.query;
        MutatePlan.Kind kind;
        Payload payload = null;
        List<String> columns = List.of();
        String body = "";
        Resolution resolution = null;
        List<String> conflictColumns = List.of();
        boolean missingDefault = false;
        switch (req.method) {
            case "POST" -> {
                kind = MutatePlan.Kind.INSERT;
                payload = req.payload();
                columns = writtenColumns(table, q, payload);
                conflictColumns = q.onConflict != null ? q.onConflict : table.primaryKey();
                for (String c : conflictColumns) {
                    if (table.column(c) == null) {
                        throw ErrorCode.UNDEFINED_COLUMN.error(table.name(), c);
                    }
                }
                // No conflict target (no on_conflict, no primary key, e.g. a view hiding its table's key):
                // a plain insert, and the resolution is not applied (PostgREST's answer).
                resolution = conflictColumns.isEmpty() ? null : req.preferences.resolution();
                missingDefault = req.preferences.missingDefault();
                body = payload.asArrayText();
            }
            case "PUT" -> {
                kind = MutatePlan.Kind.PUT;
                payload = req.payload();
                checkPut(table, q, payload);
                columns = writtenColumns(table, q, payload);
                resolution = Resolution.MERGE_DUPLICATES;
                conflictColumns = table.primaryKey();
                body = payload.asArrayText();
            }
            case "PATCH" -> {
                kind = MutatePlan.Kind.UPDATE;
                payload = req.payload();
                if (!payload.tree.isObject()) {
                    throw ErrorCode.PGRST102
                            .error("Empty or invalid json")
                            .withDetails("PATCH takes a single JSON object");
                }
                columns = writtenColumns(table, q, payload);
                body = payload.text;
            }
            case "DELETE" -> kind = MutatePlan.Kind.DELETE;
            default -> throw ErrorCode.PGRST117.error(req.method);
        }
        // For inserts and PUT the query string shapes only the representation (its filters select nothing to write).
        ReadPlan rows =
                new ReadPlanner(catalog, req.schema, req.limits, grants).plan(table, table.columns(), table.name(), q);
        if (req.media == MediaType.CSV || req.media == MediaType.GEOJSON) {
            throw ErrorCode.PGRST107.error(req.media.mime());
        }
        Return returning = req.preferences.returningOr(Return.MINIMAL);
        return new MutatePlan(
                kind,
                table,
                columns,
                body,
                missingDefault,
                resolution,
                conflictColumns,
                rows,
                returning,
                req.preferences.count() == Count.EXACT,
                returning == Return.REPRESENTATION ? returned(grants, rows) : null);
    }

    /** PUT: one object, no limit/offset, and filters that are exactly eq on every primary key column, matching it. */
    private static void checkPut(Table table, QueryParams q, Payload payload) {
        if (!q.limits.isEmpty() || !q.offsets.isEmpty()) {
            throw ErrorCode.PGRST114.error();
        }
        if (!payload.tree.isObject() && !(payload.tree.isArray() && payload.tree.size() == 1)) {
            throw ErrorCode.PGRST102.error("PUT takes a single JSON object");
        }
        Set<String> pk = Set.copyOf(table.primaryKey());
        Set<String> filtered = new HashSet<>();
        boolean onlyPkEquality = q.logic.isEmpty() && !pk.isEmpty();
        for (QueryParams.PathFilter pf : q.filters) {
            Filter f = pf.filter();
            if (!pf.path().isEmpty()
                    || f.negated()
                    || f.field().hasPath()
                    || !(f.operation() instanceof Filter.Simple s)
                    || s.operator() != Filter.Operator.EQ
                    || !pk.contains(f.field().name())) {
                onlyPkEquality = false;
                break;
            }
            filtered.add(f.field().name());
        }
        if (!onlyPkEquality || !filtered.equals(pk)) {
            throw ErrorCode.PGRST105.error();
        }
        JsonNode row = payload.tree.isArray() ? payload.tree.get(0) : payload.tree;
        for (QueryParams.PathFilter pf : q.filters) {
            String column = pf.filter().field().name();
            String wanted = ((Filter.Simple) pf.filter().operation()).value();
            if (!row.has(column) || !row.get(column).asText().equals(wanted)) {
                throw ErrorCode.PGRST115.error();
            }
        }
    }

    /** The payload's keys, or {@code columns=}; every one must be a column (PGRST204). */
    private static List<String> writtenColumns(Table table, QueryParams q, Payload payload) {
        List<String> columns = q.columns != null ? q.columns : List.copyOf(payload.keys);
        for (String c : columns) {
            if (table.column(c) == null) {
                throw ErrorCode.PGRST204.error(c, table.name());
            }
        }
        return columns;
    }

    /**
     * What a mutation's RETURNING hands to its representation: every column ({@code null}), unless
     * the caller's role may not read some of them; then the ones it may read plus the ones the
     * request names, so that naming a sealed column is still PostgreSQL's permission error.
     */
    private static @Nullable List<String> returned(@Nullable ColumnGrants grants, ReadPlan root) {
        if (grants == null || root.table == null || !grants.restricts(root.table)) {
            return null;
        }
        Set<String> columns = new LinkedHashSet<>();
        grants.readable(root.table).forEach(c -> columns.add(c.name()));
        columns.addAll(root.named);
        // Embeddings join on the parent's key columns, and filters and orders of the root name columns too.
        for (ReadPlan e : root.embeds) {
            columns.addAll(e.relationship().sourceColumns());
        }
        return List.copyOf(columns);
    }
}
