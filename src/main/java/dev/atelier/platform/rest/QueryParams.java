package dev.atelier.platform.rest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A request's query string, sorted the way PostgREST sorts it: {@code select}, {@code columns},
 * {@code on_conflict}; {@code [path.]order|limit|offset|or|and}; function arguments (GET on
 * /rpc only); and every other parameter as a filter, optionally behind an embed path. Every part
 * is parsed here, so a malformed parameter fails before any planning.
 */
final class QueryParams {

    static final List<SelectItem> STAR = List.of(new SelectItem.Column(null, Field.of("*"), null));

    /** No query string (the schema root reads none). */
    static final QueryParams EMPTY = parse(null, Set.of());

    final List<SelectItem> select;
    final List<PathFilter> filters = new ArrayList<>();
    final List<PathLogic> logic = new ArrayList<>();
    final Map<List<String>, List<OrderTerm>> orders = new HashMap<>();
    final Map<List<String>, Long> limits = new HashMap<>();
    final Map<List<String>, Long> offsets = new HashMap<>();
    final @Nullable List<String> columns;
    final @Nullable List<String> onConflict;
    /** GET /rpc arguments, each with every value it was given (repeated keys make arrays). */
    final Map<String, List<String>> arguments = new HashMap<>();
    /** A negative {@code limit}: PostgREST answers 416, after everything else has parsed. */
    boolean negativeLimit;

    record PathFilter(List<String> path, Filter filter) {}

    record PathLogic(List<String> path, LogicTree tree) {}

    private QueryParams(List<SelectItem> select, @Nullable List<String> columns, @Nullable List<String> onConflict) {
        this.select = select;
        this.columns = columns;
        this.onConflict = onConflict;
    }

    /**
     * @param rawQuery      the undecoded query string, or null
     * @param argumentNames parameter names that are function arguments rather than filters (GET /rpc)
     */
    static QueryParams parse(@Nullable String rawQuery, Set<String> argumentNames) {
        List<String[]> pairs = decode(rawQuery);
        String select = first(pairs, "select");
        String columns = first(pairs, "columns");
        String onConflict = first(pairs, "on_conflict");
        QueryParams q = new QueryParams(
                select == null ? STAR : QueryParser.select(select),
                columns == null ? null : QueryParser.columns("columns parameter", columns),
                onConflict == null ? null : QueryParser.columns("on_conflict parameter", onConflict));
        for (String[] pair : pairs) {
            String key = pair[0];
            String value = pair[1];
            if (key.equals("select") || key.equals("columns") || key.equals("on_conflict")) {
                continue;
            }
            if (argumentNames.contains(key)) {
                q.arguments.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                continue;
            }
            String last = lastSegment(key);
            switch (last) {
                case "order" -> q.orders.put(embedPath(key), QueryParser.order(value));
                case "limit" -> {
                    long limit = number("limit", value);
                    if (limit < 0) {
                        q.negativeLimit = true;
                    }
                    q.limits.put(embedPath(key), limit);
                }
                case "offset" -> {
                    long offset = number("offset", value);
                    if (offset < 0) {
                        throw ErrorCode.PGRST100
                                .error("offset parameter", value, 1)
                                .withDetails("the offset must be zero or more");
                    }
                    q.offsets.put(embedPath(key), offset);
                }
                case "or", "and" -> q.logic.add(logicParam(key, last, value));
                default -> {
                    QueryParser.TreePath tp = QueryParser.treePath(key);
                    q.filters.add(new PathFilter(tp.embedPath(), QueryParser.filter(tp.field(), value)));
                }
            }
        }
        return q;
    }

    private static PathLogic logicParam(String key, String op, String value) {
        String[] segments = key.split("\\.", -1);
        List<String> path = new ArrayList<>();
        boolean negated = false;
        for (int i = 0; i < segments.length - 1; i++) {
            if (segments[i].equals("not")) {
                negated = true;
            } else {
                path.add(segments[i]);
            }
        }
        return new PathLogic(List.copyOf(path), QueryParser.logic(op, negated, value));
    }

    private static long number(String what, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw ErrorCode.PGRST100.error(what + " parameter", value, 1).withDetails("expecting an integer");
        }
    }

    private static String lastSegment(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? key : key.substring(dot + 1);
    }

    private static List<String> embedPath(String key) {
        int dot = key.lastIndexOf('.');
        return dot < 0 ? List.of() : List.of(key.substring(0, dot).split("\\."));
    }

    private static @Nullable String first(List<String[]> pairs, String key) {
        for (String[] pair : pairs) {
            if (pair[0].equals(key)) {
                return pair[1];
            }
        }
        return null;
    }

    /** Splits and percent-decodes ('+' is a space, as browsers and postgrest-js encode it); bare keys are dropped. */
    static List<String[]> decode(@Nullable String rawQuery) {
        List<String[]> pairs = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return pairs;
        }
        for (String part : rawQuery.split("&")) {
            int eq = part.indexOf('=');
            if (part.isEmpty() || eq < 0) {
                continue;
            }
            try {
                pairs.add(new String[] {
                    URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8)
                });
            } catch (IllegalArgumentException e) {
                throw ErrorCode.PGRST100
                        .error("query string", part, 1)
                        .withDetails("invalid percent-encoding: " + e.getMessage());
            }
        }
        return pairs;
    }
}
