package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Routine;
import dev.atelier.platform.rest.Executor.Result;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * POST /rest/v1/rpc/{fn} with named JSON arguments, and GET/HEAD with arguments in the query
 * string (in a read-only transaction, as PostgREST runs them). A scalar result is one JSON value,
 * a set of scalars a JSON array, a composite or table result rows that select, filters, order and
 * limits apply to, like a table's.
 */
final class RpcHandler {

    private final Executor executor;
    private final RelationHandler relations;

    RpcHandler(Executor executor, RelationHandler relations) {
        this.executor = executor;
        this.relations = relations;
    }

    Reply handle(ApiRequest req, Catalog catalog) throws SQLException {
        List<Routine> candidates = catalog.routines(req.schema, req.name);
        boolean post = req.method.equals("POST");
        QueryParams q;
        String argumentsJson;
        String rawBody = null;
        Set<String> keys;
        if (post) {
            req.requireJsonBody();
            q = QueryParams.parse(req.query(), Set.of());
            rawBody = new String(req.body(), StandardCharsets.UTF_8);
            if (rawBody.isBlank()) {
                rawBody = "{}"; // PostgREST takes an empty body as no arguments
            }
            JsonNode tree = parseJson(rawBody);
            keys = new LinkedHashSet<>();
            if (tree.isObject()) {
                for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
                    keys.add(it.next());
                }
            } else if (!req.preferences.singleObjectParams()
                    && candidates.stream().noneMatch(Routine::hasSingleUnnamedJsonParameter)) {
                throw new ApiError(
                        400,
                        "PGRST102",
                        "Empty or invalid json",
                        "Function arguments must be a JSON object of named arguments",
                        null);
            }
            argumentsJson = rawBody;
        } else {
            Set<String> names = new LinkedHashSet<>();
            candidates.forEach(r -> r.parameters().forEach(p -> names.add(p.name())));
            names.remove("");
            q = QueryParams.parse(req.query(), names);
            keys = new LinkedHashSet<>(q.arguments.keySet());
            ObjectNode args = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, List<String>> e : q.arguments.entrySet()) {
                if (e.getValue().size() == 1) {
                    args.put(e.getKey(), e.getValue().get(0));
                } else {
                    ArrayNode values = args.putArray(e.getKey());
                    e.getValue().forEach(values::add);
                }
            }
            argumentsJson = Payload.write(args);
        }
        MediaType media = req.mediaType();
        Routine routine = choose(req, catalog, candidates, keys, post);

        RpcSql.Call call;
        boolean singleObject =
                post && (req.preferences.singleObjectParams() || routine.hasSingleUnnamedJsonParameter());
        if (singleObject) {
            call = RpcSql.singleObject(routine, rawBody);
        } else {
            List<Parameter> used = routine.parameters().stream()
                    .filter(p -> keys.contains(p.name()))
                    .toList();
            call = RpcSql.named(routine, used, argumentsJson);
        }
        boolean readOnly = req.isRead();

        if (routine.returnsVoid()) {
            executor.update(req.caller, readOnly, RpcSql.voidCall(call), true, null);
            return RelationHandler.profile(req, Reply.empty(204));
        }
        if (!routine.returnsComposite()) {
            if (!routine.returnsSet()) {
                Result result =
                        executor.query(req.caller, readOnly, RpcSql.scalar(call, req.limits.maxResponseBytes()), null);
                return RelationHandler.profile(
                        req, oneValue(media, result.body()).header("Content-Range", "0-0/*"));
            }
            RangeSpec range = RangeSpec.of(q, req.http.getHeader("Range"), readOnly);
            Result result = executor.query(
                    req.caller,
                    readOnly,
                    RpcSql.scalarSet(
                            call,
                            req.limits.capRows(range.limit()),
                            range.offset() == 0 ? null : range.offset(),
                            req.limits.maxResponseBytes()),
                    RelationHandler.singleCheck(media));
            return RelationHandler.pageReply(req, media, result, range.offset(), null);
        }

        Map<String, Column> columns = new LinkedHashMap<>();
        routine.resultColumns().forEach(c -> columns.put(c.name(), c));
        ReadPlan root = req.planner(catalog).plan(routine.resultTable(), columns, routine.name(), q, true);
        RangeSpec range = RangeSpec.of(q, req.http.getHeader("Range"), readOnly);
        RelationHandler.applyRange(root, range);
        // db-max-rows holds for a function's rows as for a table's, whether called by GET or POST.
        ReadPlanner.capRows(root, req.limits);
        Sql from = call.from(Sql.quote(root.alias));
        if (!routine.returnsSet()) {
            // One composite value: PostgREST answers the object itself, not an array of one.
            Result result = executor.query(req.caller, readOnly, ReadSql.page(root, from, false, true), null);
            String body = result.pageTotal() == 0 ? "null" : RelationHandler.unwrap(result.body());
            return RelationHandler.profile(req, oneValue(media, body));
        }
        if (readOnly) {
            Result result = relations.countedQuery(req, root, from, req.preferences.count(), media);
            return RelationHandler.pageReply(req, media, result, range.offset(), req.preferences.count());
        }
        boolean exact = req.preferences.count() == Preferences.Count.EXACT;
        Sql sql = media == MediaType.CSV ? CsvSql.page(root, from, exact) : ReadSql.page(root, from, exact, true);
        Result result = executor.query(req.caller, false, sql, RelationHandler.singleCheck(media));
        return RelationHandler.pageReply(req, media, result, range.offset(), exact ? Preferences.Count.EXACT : null);
    }

    private static JsonNode parseJson(String text) {
        try {
            return Payload.mapper().readTree(text);
        } catch (Exception e) {
            throw new ApiError(400, "PGRST102", "Empty or invalid json", e.getMessage(), null);
        }
    }

    /** PostgREST's overload resolution by argument names; PGRST202 (404) for none, PGRST203 (300) for several. */
    private static Routine choose(
            ApiRequest req, Catalog catalog, List<Routine> candidates, Set<String> keys, boolean post) {
        List<Routine> matches = new ArrayList<>();
        if (post && req.preferences.singleObjectParams()) {
            for (Routine r : candidates) {
                if (r.parameters().size() == 1
                        && List.of("json", "jsonb")
                                .contains(r.parameters().get(0).type())) {
                    matches.add(r);
                }
            }
        } else {
            for (Routine r : candidates) {
                if (r.hasSingleUnnamedJsonParameter()) {
                    continue;
                }
                Set<String> names = r.parameters().stream().map(Parameter::name).collect(Collectors.toSet());
                Set<String> required = r.parameters().stream()
                        .filter(p -> !p.hasDefault() && !p.variadic())
                        .map(Parameter::name)
                        .collect(Collectors.toSet());
                if (names.containsAll(keys) && keys.containsAll(required)) {
                    matches.add(r);
                }
            }
            if (matches.isEmpty() && post) {
                candidates.stream()
                        .filter(Routine::hasSingleUnnamedJsonParameter)
                        .forEach(matches::add);
            }
        }
        if (matches.size() > 1) {
            List<Routine> exact = matches.stream()
                    .filter(r -> r.parameters().size() == keys.size())
                    .toList();
            if (exact.size() == 1) {
                return exact.get(0);
            }
            throw new ApiError(
                    300,
                    "PGRST203",
                    "Could not choose the best candidate function between: "
                            + matches.stream()
                                    .map(r -> r.schema() + "." + r.name() + "("
                                            + r.parameters().stream()
                                                    .map(p -> p.name() + " => " + p.type())
                                                    .collect(Collectors.joining(", "))
                                            + ")")
                                    .collect(Collectors.joining(", ")),
                    null,
                    "Try renaming the parameters or the function itself in the database so function overloading can be resolved");
        }
        if (matches.size() == 1) {
            return matches.get(0);
        }
        throw notFound(req, catalog, candidates, keys, post);
    }

    private static ApiError notFound(
            ApiRequest req, Catalog catalog, List<Routine> candidates, Set<String> keys, boolean post) {
        String function = req.schema + "." + req.name;
        List<String> sorted = new ArrayList<>(new TreeSet<>(keys));
        String listed = "(" + String.join(", ", sorted) + ")";
        String message = "Could not find the function " + function + (sorted.isEmpty() ? " without parameters" : listed)
                + " in the schema cache";
        String withParams = sorted.isEmpty()
                ? " without parameters"
                : " with parameter" + (sorted.size() > 1 ? "s " : " ") + String.join(", ", sorted);
        String details = "Searched for the function " + function + withParams
                + (post ? " or with a single unnamed json/jsonb parameter" : "")
                + ", but no matches were found in the schema cache.";
        String hint;
        if (candidates.isEmpty()) {
            List<String> names = catalog.routines(req.schema).stream()
                    .map(l -> l.get(0).name())
                    .toList();
            String suggestion = Similarity.closest(req.name, names);
            hint = suggestion == null
                    ? null
                    : "Perhaps you meant to call the function " + req.schema + "." + suggestion;
        } else {
            Routine best = candidates.stream()
                    .max(Comparator.comparingInt(r -> overlap(r, keys)))
                    .orElseThrow();
            hint = "Perhaps you meant to call the function " + function + "("
                    + best.parameters().stream().map(Parameter::name).sorted().collect(Collectors.joining(", ")) + ")";
        }
        return new ApiError(404, "PGRST202", message, details, hint);
    }

    private static int overlap(Routine r, Set<String> keys) {
        return (int)
                r.parameters().stream().filter(p -> keys.contains(p.name())).count();
    }

    /** A function's single result (a scalar or one composite value), as JSON or as the object asked for. */
    private static Reply oneValue(MediaType media, @Nullable String body) {
        String type =
                media == MediaType.SINGLE_OBJECT ? MediaType.SINGLE_OBJECT.contentType : MediaType.JSON.contentType;
        return new Reply(200, type, body);
    }
}
