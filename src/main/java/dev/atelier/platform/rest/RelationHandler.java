package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.platform.rest.Executor.Result;
import dev.atelier.platform.rest.Preferences.Count;
import dev.atelier.platform.rest.Preferences.Resolution;
import dev.atelier.platform.rest.Preferences.Return;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** GET, HEAD, POST, PUT, PATCH and DELETE on /rest/v1/{table}, with PostgREST's statuses and headers. */
final class RelationHandler {

    private final Executor executor;

    RelationHandler(Executor executor) {
        this.executor = executor;
    }

    Reply handle(ApiRequest req, Catalog catalog) throws SQLException {
        return switch (req.method) {
            case "GET", "HEAD" -> read(req, catalog);
            case "POST" -> insert(req, catalog);
            case "PUT" -> put(req, catalog);
            case "PATCH" -> update(req, catalog);
            case "DELETE" -> delete(req, catalog);
            default -> throw ApiError.unsupportedMethod(req.method);
        };
    }

    // ------------------------------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------------------------------

    private Reply read(ApiRequest req, Catalog catalog) throws SQLException {
        QueryParams q = QueryParams.parse(req.query(), Set.of());
        RangeSpec range = RangeSpec.of(q, req.http.getHeader("Range"), true);
        MediaType media = req.mediaType();
        Table table = table(catalog, req);
        ReadPlan root = req.planner(catalog).plan(table, table.columns(), table.name(), q);
        applyRange(root, range);
        ReadPlanner.capRows(root, req.limits);
        Sql from = new Sql().qualified(table.schema(), table.name()).sql(" AS ").ident(root.alias);
        Count count = req.preferences.count();
        Result result = countedQuery(req, root, from, count, media);
        return pageReply(req, media, result, range.offset(), count);
    }

    /** Runs a read of {@code root} with the count the Prefer header asked for. */
    Result countedQuery(ApiRequest req, ReadPlan root, Sql from, @Nullable Count count, MediaType media)
            throws SQLException {
        Executor.Check single = singleCheck(media);
        if (count == null) {
            return executor.query(req.caller, true, page(root, from, false, media), single);
        }
        if (count == Count.EXACT) {
            return executor.query(req.caller, true, page(root, from, true, media), single);
        }
        Sql planned = ReadSql.planned(root, from);
        boolean estimated = count == Count.ESTIMATED;
        // count=estimated: exact up to max-rows estimated rows, the planner's estimate beyond (PostgREST's rule).
        long exactUpTo = req.limits.maxRows();
        return executor.query(
                req.caller,
                true,
                planned,
                estimate -> page(root, from, estimated && (estimate == null || estimate <= exactUpTo), media),
                single);
    }

    private static Sql page(ReadPlan root, Sql from, boolean exact, MediaType media) {
        return media == MediaType.CSV ? CsvSql.page(root, from, exact) : ReadSql.page(root, from, exact, true);
    }

    static void applyRange(ReadPlan root, RangeSpec range) {
        root.offset = range.offset() == 0 ? null : range.offset();
        root.limit = range.limit();
    }

    /** 200, 206 or 416 with Content-Range, as PostgREST decides them for a read. */
    static Reply pageReply(ApiRequest req, MediaType media, Result result, long lower, @Nullable Count count) {
        Long total = result.total();
        if (total != null && lower > total) {
            throw RangeSpec.invalid("An offset of " + lower + " was requested, but there are only " + total + " rows.");
        }
        long page = result.pageTotal();
        // Partial when the total is known and this page holds fewer rows than it.
        int status = total != null && page < total ? 206 : 200;
        Reply reply = new Reply(
                status, media.contentType, media == MediaType.SINGLE_OBJECT ? unwrap(result.body()) : result.body());
        reply.header("Content-Range", RangeSpec.contentRange(lower, page, total));
        if (count != null) {
            reply.header("Preference-Applied", "count=" + count.name().toLowerCase(java.util.Locale.ROOT));
        }
        return profile(req, reply);
    }

    // ------------------------------------------------------------------------------------------
    // Writes
    // ------------------------------------------------------------------------------------------

    private Reply insert(ApiRequest req, Catalog catalog) throws SQLException {
        req.requireJsonBody();
        QueryParams q = QueryParams.parse(req.query(), Set.of());
        MediaType media = req.mediaType();
        Table table = table(catalog, req);
        Payload payload = Payload.parse(req.body(), q.columns == null);
        List<String> columns = writtenColumns(table, q, payload);
        Resolution resolution = req.preferences.resolution();
        MutationSql.Conflict conflict = resolution == null
                ? MutationSql.Conflict.NONE
                : resolution == Resolution.MERGE_DUPLICATES ? MutationSql.Conflict.MERGE : MutationSql.Conflict.IGNORE;
        List<String> conflictColumns = q.onConflict != null ? q.onConflict : table.primaryKey();
        for (String c : conflictColumns) {
            if (table.column(c) == null) {
                throw ApiError.columnDoesNotExist(table.name(), c);
            }
        }
        Sql statement = MutationSql.insert(
                table, columns, payload.asArrayText(), req.preferences.missingDefault(), conflict, conflictColumns);
        List<String> applied = new ArrayList<>();
        if (resolution != null) {
            applied.add(
                    resolution == Resolution.MERGE_DUPLICATES
                            ? "resolution=merge-duplicates"
                            : "resolution=ignore-duplicates");
        }
        if (req.preferences.missingDefault()) {
            applied.add("missing=default");
        }
        return mutate(req, catalog, table, q, media, statement, 201, applied, true);
    }

    private Reply put(ApiRequest req, Catalog catalog) throws SQLException {
        req.requireJsonBody();
        QueryParams q = QueryParams.parse(req.query(), Set.of());
        MediaType media = req.mediaType();
        Table table = table(catalog, req);
        if (!q.limits.isEmpty() || !q.offsets.isEmpty()) {
            throw new ApiError(
                    400, "PGRST114", "limit/offset querystring parameters are not allowed for PUT", null, null);
        }
        Payload payload = Payload.parse(req.body(), true);
        if (!payload.tree.isObject() && !(payload.tree.isArray() && payload.tree.size() == 1)) {
            throw ApiError.invalidBody("PUT takes a single JSON object");
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
            throw new ApiError(
                    405,
                    "PGRST105",
                    "Filters must include all and only primary key columns with 'eq' operators",
                    null,
                    null);
        }
        var row = payload.tree.isArray() ? payload.tree.get(0) : payload.tree;
        for (QueryParams.PathFilter pf : q.filters) {
            String column = pf.filter().field().name();
            String wanted = ((Filter.Simple) pf.filter().operation()).value();
            if (!row.has(column) || !row.get(column).asText().equals(wanted)) {
                throw new ApiError(
                        400, "PGRST115", "Payload values do not match URL in primary key column(s)", null, null);
            }
        }
        List<String> columns = writtenColumns(table, q, payload);
        Sql statement = MutationSql.insert(
                table, columns, payload.asArrayText(), false, MutationSql.Conflict.MERGE, table.primaryKey());
        return mutate(req, catalog, table, q, media, statement, 200, List.of(), false);
    }

    private Reply update(ApiRequest req, Catalog catalog) throws SQLException {
        req.requireJsonBody();
        QueryParams q = QueryParams.parse(req.query(), Set.of());
        MediaType media = req.mediaType();
        Table table = table(catalog, req);
        Payload payload = Payload.parse(req.body(), true);
        if (!payload.tree.isObject()) {
            throw new ApiError(400, "PGRST102", "Empty or invalid json", "PATCH takes a single JSON object", null);
        }
        List<String> columns = writtenColumns(table, q, payload);
        ReadPlan root = req.planner(catalog).plan(table, table.columns(), table.name(), q);
        // Nothing to set: PostgREST changes nothing and reports no rows.
        Sql statement = columns.isEmpty() ? null : MutationSql.update(table, columns, payload.text, root);
        return mutate(req, media, statement, 200, List.of(), false, root);
    }

    private Reply delete(ApiRequest req, Catalog catalog) throws SQLException {
        QueryParams q = QueryParams.parse(req.query(), Set.of());
        MediaType media = req.mediaType();
        Table table = table(catalog, req);
        ReadPlan root = req.planner(catalog).plan(table, table.columns(), table.name(), q);
        Sql statement = MutationSql.delete(table, root);
        return mutate(req, media, statement, 200, List.of(), false, root);
    }

    /** Inserts and PUT: the query string shapes only the representation (its filters select nothing to write). */
    private Reply mutate(
            ApiRequest req,
            Catalog catalog,
            Table table,
            QueryParams q,
            MediaType media,
            Sql statement,
            int representationStatus,
            List<String> applied,
            boolean insert)
            throws SQLException {
        ReadPlan root = req.planner(catalog).plan(table, table.columns(), table.name(), q);
        return mutate(req, media, statement, representationStatus, applied, insert, root);
    }

    private Reply mutate(
            ApiRequest req,
            MediaType media,
            @Nullable Sql statement,
            int representationStatus,
            List<String> applied,
            boolean insert,
            ReadPlan root)
            throws SQLException {
        if (media == MediaType.CSV) {
            throw new ApiError(406, "PGRST107", "None of these media types are available: text/csv", null, null);
        }
        Return returning = req.preferences.returningOr(Return.MINIMAL);
        boolean counting = req.preferences.count() == Count.EXACT;
        List<String> preferenceApplied = new ArrayList<>(applied);
        if (req.preferences.returning() != null) {
            // Echoed only when asked for, as PostgREST does; minimal is merely the default.
            preferenceApplied.add(
                    0,
                    "return="
                            + returning
                                    .name()
                                    .toLowerCase(java.util.Locale.ROOT)
                                    .replace('_', '-'));
        }
        if (counting) {
            preferenceApplied.add("count=exact");
        }
        Executor.Check single = singleCheck(media);
        Reply reply;
        long rows;
        if (returning == Return.REPRESENTATION) {
            Sql sql = statement == null
                    ? Sql.of("SELECT '[]'::text, 0::bigint, NULL::bigint")
                    : MutationSql.withRepresentation(statement, root, returned(req, root));
            Result result = executor.query(req.caller, false, sql, single);
            rows = result.pageTotal();
            reply = new Reply(
                    insert ? 201 : representationStatus,
                    media.contentType,
                    media == MediaType.SINGLE_OBJECT ? unwrap(result.body()) : result.body());
        } else {
            rows = statement == null ? 0 : executor.update(req.caller, false, statement, false, single);
            reply = Reply.empty(insert ? 201 : 204);
        }
        Long total = counting ? rows : null;
        // PostgREST: inserts report "*/total", updates and deletes "0-(n-1)/total".
        reply.header(
                "Content-Range",
                insert ? "*/" + (total == null ? "*" : total) : RangeSpec.contentRange(0, rows, total));
        if (!preferenceApplied.isEmpty()) {
            reply.header("Preference-Applied", String.join(", ", preferenceApplied));
        }
        return profile(req, reply);
    }

    /**
     * What a mutation's RETURNING hands to its representation: every column ({@code null}), unless
     * the caller's role may not read some of them; then the ones it may read plus the ones the
     * request names, so that naming a sealed column is still PostgreSQL's permission error.
     */
    private static @Nullable List<String> returned(ApiRequest req, ReadPlan root) {
        if (req.grants == null || root.table == null || !req.grants.restricts(root.table)) {
            return null;
        }
        java.util.LinkedHashSet<String> columns = new java.util.LinkedHashSet<>();
        req.grants.readable(root.table).forEach(c -> columns.add(c.name()));
        columns.addAll(root.named);
        // Embeddings join on the parent's key columns, and filters and orders of the root name columns too.
        for (ReadPlan e : root.embeds) {
            columns.addAll(e.relationship().sourceColumns());
        }
        return List.copyOf(columns);
    }

    /** The payload's keys, or {@code columns=}; every one must be a column (PGRST204). */
    private static List<String> writtenColumns(Table table, QueryParams q, Payload payload) {
        List<String> columns = q.columns != null ? q.columns : List.copyOf(payload.keys);
        for (String c : columns) {
            if (table.column(c) == null) {
                throw ApiError.columnNotFound(table.name(), c);
            }
        }
        return columns;
    }

    // ------------------------------------------------------------------------------------------

    static Table table(Catalog catalog, ApiRequest req) {
        Table table = catalog.table(req.schema, req.name);
        if (table == null) {
            String suggestion = Similarity.closest(
                    req.name,
                    catalog.tables(req.schema).stream().map(Table::name).toList());
            throw new ApiError(
                    404,
                    "PGRST205",
                    "Could not find the table '" + req.schema + "." + req.name + "' in the schema cache",
                    null,
                    suggestion == null ? null : "Perhaps you meant the table '" + req.schema + "." + suggestion + "'");
        }
        return table;
    }

    /** Accept: application/vnd.pgrst.object+json: exactly one row, else 406 PGRST116 (and writes roll back). */
    static Executor.@Nullable Check singleCheck(MediaType media) {
        if (media != MediaType.SINGLE_OBJECT) {
            return null;
        }
        return result -> {
            if (result.pageTotal() != 1) {
                throw new ApiError(
                        406,
                        "PGRST116",
                        "Cannot coerce the result to a single JSON object",
                        "The result contains " + result.pageTotal() + " rows",
                        null);
            }
        };
    }

    /** json_agg's "[...]" of exactly one element, as that element. */
    static @Nullable String unwrap(@Nullable String array) {
        if (array == null) {
            return null;
        }
        String trimmed = array.trim();
        return trimmed.length() >= 2 && trimmed.charAt(0) == '['
                ? trimmed.substring(1, trimmed.length() - 1).trim()
                : trimmed;
    }

    static Reply profile(ApiRequest req, Reply reply) {
        return req.profileNegotiated ? reply.header("Content-Profile", req.schema) : reply;
    }
}
