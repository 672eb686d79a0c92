package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Routine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Stage 2 for /rpc: PostgREST's overload resolution by argument names (PGRST202 for none, PGRST203
 * for several), then the {@link CallPlan}: a composite result planned like a table's rows.
 */
final class CallPlanner {

    private CallPlanner() {}

    /** The parameter names of every overload: on GET, the query parameters that are arguments, not filters. */
    static Set<String> argumentNames(Catalog catalog, String schema, String name) {
        Set<String> names = new LinkedHashSet<>();
        catalog.routines(schema, name).forEach(r -> r.parameters().forEach(p -> names.add(p.name())));
        names.remove("");
        return names;
    }

    static CallPlan plan(ApiRequest req, Catalog catalog, @Nullable ColumnGrants grants) {
        List<Routine> candidates = catalog.routines(req.schema, req.name);
        boolean post = req.method.equals("POST");
        QueryParams q = req.query;
        String argumentJson;
        Set<String> keys;
        if (post) {
            Payload body = req.payload();
            if (!body.tree.isObject()
                    && !req.preferences.singleObjectParams()
                    && candidates.stream().noneMatch(Routine::hasSingleUnnamedJsonParameter)) {
                throw ErrorCode.PGRST102
                        .error("Empty or invalid json")
                        .withDetails("Function arguments must be a JSON object of named arguments");
            }
            keys = body.keys;
            argumentJson = body.text;
        } else {
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
            argumentJson = Payload.write(args);
        }
        Routine routine = choose(req, catalog, candidates, keys, post);
        boolean singleObject =
                post && (req.preferences.singleObjectParams() || routine.hasSingleUnnamedJsonParameter());
        List<Parameter> arguments = singleObject
                ? List.of()
                : routine.parameters().stream()
                        .filter(p -> keys.contains(p.name()))
                        .toList();
        boolean readOnly = req.isRead();

        CallPlan.Result result;
        ReadPlan rows = null;
        RangeSpec range = null;
        if (routine.returnsVoid()) {
            result = CallPlan.Result.VOID;
        } else if (!routine.returnsComposite()) {
            result = routine.returnsSet() ? CallPlan.Result.SCALAR_SET : CallPlan.Result.SCALAR;
            if (routine.returnsSet()) {
                range = req.range();
            }
        } else {
            result = routine.returnsSet() ? CallPlan.Result.COMPOSITE_SET : CallPlan.Result.COMPOSITE;
            Map<String, Column> columns = new LinkedHashMap<>();
            routine.resultColumns().forEach(c -> columns.put(c.name(), c));
            // db-max-rows holds for a function's rows as for a table's, whether called by GET or POST.
            rows = new ReadPlanner(catalog, req.schema, req.limits, grants)
                    .plan(routine.resultTable(), columns, routine.name(), q, true, req::range);
            range = req.range();
        }
        return new CallPlan(routine, result, arguments, argumentJson, singleObject, readOnly, rows, range);
    }

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
            throw ErrorCode.PGRST203
                    .error(matches.stream()
                            .map(r -> r.schema() + "." + r.name() + "("
                                    + r.parameters().stream()
                                            .map(p -> p.name() + " => " + p.type())
                                            .collect(Collectors.joining(", "))
                                    + ")")
                            .collect(Collectors.joining(", ")))
                    .withHint(
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
        return ErrorCode.PGRST202
                .error(function, sorted.isEmpty() ? " without parameters" : listed)
                .withDetails(details)
                .withHint(hint);
    }

    private static int overlap(Routine r, Set<String> keys) {
        return (int)
                r.parameters().stream().filter(p -> keys.contains(p.name())).count();
    }
}
