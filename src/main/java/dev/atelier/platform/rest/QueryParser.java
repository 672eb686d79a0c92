package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Filter.FtsOperator;
import dev.atelier.platform.rest.Filter.Operator;
import dev.atelier.platform.rest.Filter.Trilean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Recursive-descent parsers for PostgREST's query-string grammar: {@code select}, filters,
 * {@code order}, {@code or}/{@code and} trees, embed paths and column lists. A failure is a
 * PGRST100 whose message names the parameter and the 1-based column, as PostgREST's parsec
 * errors do, and whose details say what was found and what was expected.
 */
final class QueryParser {

    private final String what;
    private final String shown;
    private final String input;
    private final int shift;
    private int pos;
    /** Nesting of embeds or of and/or groups; capped so that no request can exhaust a stack here or in PostgreSQL. */
    private int depth;

    static final int MAX_DEPTH = 32;

    private QueryParser(String what, String shown, String input, int shift) {
        this.what = what;
        this.shown = shown;
        this.input = input;
        this.shift = shift;
    }

    private QueryParser(String what, String input) {
        this(what, input, input, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Entry points
    // ------------------------------------------------------------------------------------------

    static List<SelectItem> select(String value) {
        QueryParser p = new QueryParser("select parameter", value);
        List<SelectItem> items = p.forest();
        p.skipWs();
        if (!p.atEnd()) {
            throw p.fail("expecting \",\" or end of input");
        }
        return items;
    }

    /** A filter value such as {@code not.in.(1,2)}; the whole value is the operand of single-value operators. */
    static Filter filter(Field field, String value) {
        QueryParser p = new QueryParser("filter", value);
        Filter filter = p.opExpr(field, false);
        if (!p.atEnd()) {
            throw p.fail("expecting end of input");
        }
        return filter;
    }

    static List<OrderTerm> order(String value) {
        QueryParser p = new QueryParser("order", value);
        List<OrderTerm> terms = new ArrayList<>();
        do {
            terms.add(p.orderTerm());
        } while (p.accept(","));
        if (!p.atEnd()) {
            throw p.fail("expecting \",\" or end of input");
        }
        return terms;
    }

    /** {@code op} is "or" or "and"; PostgREST parses {@code op + value} as one tree, so do we. */
    static LogicTree logic(String op, boolean negated, String value) {
        QueryParser p = new QueryParser("logic tree", value, op + value, 0);
        LogicTree.Node node = p.logicNode(negated);
        p.skipWs();
        if (!p.atEnd()) {
            throw p.fail("expecting end of input");
        }
        return node;
    }

    /** A filter or range key such as {@code stories.title} or {@code data->>a}: embed path plus field. */
    static TreePath treePath(String key) {
        QueryParser p = new QueryParser("tree path", key);
        List<String> names = new ArrayList<>();
        names.add(p.fieldName());
        while (p.accept(".")) {
            names.add(p.fieldName());
        }
        List<Field.JsonStep> path = p.jsonPath();
        p.skipWs();
        if (!p.atEnd()) {
            throw p.fail("expecting delimiter (.), \"->\", \"->>\" or end of input");
        }
        String last = names.remove(names.size() - 1);
        return new TreePath(List.copyOf(names), new Field(last, path));
    }

    /** {@code columns=} and {@code on_conflict=}: plain names separated by commas. */
    static List<String> columns(String what, String value) {
        QueryParser p = new QueryParser(what, value);
        List<String> names = new ArrayList<>();
        do {
            p.skipWs();
            names.add(p.fieldName());
            p.skipWs();
        } while (p.accept(","));
        if (!p.atEnd()) {
            throw p.fail("expecting \",\" or end of input");
        }
        return names;
    }

    /** The embed path in front of a filter's field, and the field. */
    record TreePath(List<String> embedPath, Field field) {}

    // ------------------------------------------------------------------------------------------
    // select
    // ------------------------------------------------------------------------------------------

    private List<SelectItem> forest() {
        List<SelectItem> items = new ArrayList<>();
        items.add(tree());
        while (true) {
            skipWs();
            if (!accept(",")) {
                return items;
            }
            items.add(tree());
        }
    }

    private SelectItem tree() {
        skipWs();
        if (input.startsWith("...", pos)) {
            pos += 3;
            String relation = fieldName();
            if (peek() != '!' && peek() != '(') {
                throw fail("expecting \"!\" or \"(\"");
            }
            SelectItem.Embed e = (SelectItem.Embed) embed(null, relation);
            return new SelectItem.Embed(null, e.relation(), e.hint(), e.inner(), e.children(), true);
        }
        if (peek() == '*') {
            pos++;
            skipWs();
            expectItemEnd();
            return new SelectItem.Column(null, Field.of("*"), null);
        }
        String name = fieldName();
        String alias = null;
        if (peek() == ':' && peekAt(1) != ':') {
            pos++;
            alias = name;
            skipWs();
            name = fieldName();
        }
        if (name.equals("count") && input.startsWith("()", pos)) {
            // count() on its own: the rows of the group (PostgREST never reads it as an embedding).
            pos += 2;
            String aggregateCast = cast();
            skipWs();
            expectItemEnd();
            return new SelectItem.Column(alias, Field.of("*"), null, SelectItem.Aggregate.COUNT, aggregateCast);
        }
        if (peek() == '!' || peek() == '(') {
            return embed(alias, name);
        }
        List<Field.JsonStep> path = jsonPath();
        String cast = cast();
        SelectItem.Aggregate aggregate = null;
        String aggregateCast = null;
        if (peek() == '.') {
            for (SelectItem.Aggregate a : SelectItem.Aggregate.values()) {
                if (input.startsWith("." + a.key() + "()", pos)) {
                    aggregate = a;
                    pos += a.key().length() + 3;
                    aggregateCast = cast();
                    break;
                }
            }
        }
        skipWs();
        expectItemEnd();
        return new SelectItem.Column(alias, new Field(name, path), cast, aggregate, aggregateCast);
    }

    /** An optional {@code ::type}. */
    private @Nullable String cast() {
        if (!input.startsWith("::", pos)) {
            return null;
        }
        pos += 2;
        String cast = identifier();
        if (cast.isEmpty()) {
            throw fail("expecting letter or digit");
        }
        return cast;
    }

    private SelectItem embed(@Nullable String alias, String relation) {
        String hint = null;
        boolean inner = false;
        for (int i = 0; i < 2 && peek() == '!'; i++) {
            pos++;
            String param = fieldName();
            if (param.equals("inner")) {
                inner = true;
            } else if (!param.equals("left")) {
                hint = param;
            }
        }
        if (!accept("(")) {
            throw fail("expecting \"!\" or \"(\"");
        }
        enter();
        skipWs();
        List<SelectItem> children;
        if (peek() == ')') {
            // rel(): an embedding that only filters its parent (with !inner or a null filter); no key.
            children = List.of();
        } else {
            children = forest();
        }
        skipWs();
        if (!accept(")")) {
            throw fail("expecting \",\" or \")\"");
        }
        depth--;
        skipWs();
        expectItemEnd();
        return new SelectItem.Embed(alias, relation, hint, inner, children);
    }

    private void expectItemEnd() {
        if (!atEnd() && peek() != ',' && peek() != ')') {
            throw fail("expecting \"->\", \"::\", \",\", \")\" or end of input");
        }
    }

    // ------------------------------------------------------------------------------------------
    // names and JSON paths
    // ------------------------------------------------------------------------------------------

    /** A quoted name, or identifier characters joined by dashes (a dash before '>' starts a JSON arrow). */
    private String fieldName() {
        skipWs();
        if (peek() == '"') {
            return quoted();
        }
        StringBuilder name = new StringBuilder();
        while (true) {
            String part = identifier();
            if (part.isEmpty()) {
                if (name.length() == 0) {
                    throw fail("expecting field name (* or [a..z0..9_$])");
                }
                throw fail("expecting letter or digit");
            }
            name.append(part);
            if (peek() == '-' && peekAt(1) != '>') {
                pos++;
                name.append('-');
            } else {
                return name.toString();
            }
        }
    }

    /** Letters, digits, '_', '$' and inner spaces; surrounding spaces are dropped. */
    private String identifier() {
        int start = pos;
        while (!atEnd()) {
            char c = input.charAt(pos);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == ' ') {
                pos++;
            } else {
                break;
            }
        }
        return input.substring(start, pos).trim();
    }

    private String quoted() {
        int start = pos;
        pos++; // opening quote
        StringBuilder value = new StringBuilder();
        while (!atEnd()) {
            char c = input.charAt(pos++);
            if (c == '\\' && !atEnd()) {
                value.append(input.charAt(pos++));
            } else if (c == '"') {
                return value.toString();
            } else {
                value.append(c);
            }
        }
        pos = start;
        throw failAtEnd("expecting closing quote '\"'");
    }

    private List<Field.JsonStep> jsonPath() {
        List<Field.JsonStep> steps = new ArrayList<>();
        while (input.startsWith("->", pos)) {
            boolean asText = input.startsWith("->>", pos);
            pos += asText ? 3 : 2;
            int mark = pos;
            int end = pos;
            if (end < input.length() && input.charAt(end) == '-') {
                end++;
            }
            int digitsStart = end;
            while (end < input.length() && Character.isDigit(input.charAt(end))) {
                end++;
            }
            if (end > digitsStart && isOperandEnd(end)) {
                steps.add(new Field.JsonStep(asText, input.substring(mark, end), true));
                pos = end;
            } else {
                steps.add(new Field.JsonStep(asText, fieldName(), false));
            }
        }
        return steps;
    }

    private boolean isOperandEnd(int at) {
        if (at >= input.length()) {
            return true;
        }
        char c = input.charAt(at);
        return c == '.' || c == ',' || c == ')' || c == ' ' || input.startsWith("->", at) || input.startsWith("::", at);
    }

    // ------------------------------------------------------------------------------------------
    // filters
    // ------------------------------------------------------------------------------------------

    /** {@code [not.]operator.value}; inside a logic tree the value stops at ',' or ')'. */
    private Filter opExpr(Field field, boolean inLogic) {
        boolean negated = false;
        if (input.startsWith("not.", pos)) {
            negated = true;
            pos += 4;
        }
        if (input.startsWith("in.", pos)) {
            pos += 3;
            return new Filter(field, negated, new Filter.In(listValue()));
        }
        if (input.startsWith("is.", pos)) {
            pos += 3;
            return new Filter(field, negated, new Filter.Is(trilean()));
        }
        int start = pos;
        while (!atEnd() && peek() != '.' && peek() != '(' && !(inLogic && (peek() == ',' || peek() == ')'))) {
            pos++;
        }
        String token = input.substring(start, pos);
        FtsOperator fts = FtsOperator.of(token);
        if (fts != null) {
            String config = null;
            if (accept("(")) {
                config = identifier();
                if (config.isEmpty() || !accept(")")) {
                    throw fail("expecting a text search configuration name and \")\"");
                }
            }
            if (!accept(".")) {
                throw fail("expecting delimiter (.)");
            }
            return new Filter(field, negated, new Filter.FullText(fts, config, singleValue(inLogic)));
        }
        if (token.isEmpty()) {
            throw fail("expecting operator (eq, gt, ...)");
        }
        int column = pos + 1 + shift;
        Operator operator = Operator.of(token)
                .orElseThrow(() -> ErrorCode.PGRST100
                        .error(what, shown, column)
                        .withDetails("unknown single value operator " + token));
        Filter.Quantifier quantifier = null;
        if (peek() == '(' && operator.quantifiable()) {
            if (accept("(any)")) {
                quantifier = Filter.Quantifier.ANY;
            } else if (accept("(all)")) {
                quantifier = Filter.Quantifier.ALL;
            } else {
                throw fail("expecting \"(any)\" or \"(all)\"");
            }
        }
        if (!accept(".")) {
            throw fail("expecting delimiter (.)");
        }
        return new Filter(field, negated, new Filter.Simple(operator, singleValue(inLogic), quantifier));
    }

    private String singleValue(boolean inLogic) {
        if (!inLogic) {
            String rest = input.substring(pos);
            pos = input.length();
            return rest;
        }
        // PostgREST's logic-tree values: a quoted string, a {pg,array} or anything up to ',' or ')'.
        if (peek() == '"') {
            int mark = pos;
            String value = quoted();
            if (atEnd() || peek() == ',' || peek() == ')') {
                return value;
            }
            pos = mark;
        }
        if (peek() == '{') {
            int close = input.indexOf('}', pos);
            if (close > 0 && input.substring(pos + 1, close).indexOf('{') < 0) {
                String value = input.substring(pos, close + 1);
                pos = close + 1;
                return value;
            }
        }
        int start = pos;
        while (!atEnd() && peek() != ',' && peek() != ')') {
            pos++;
        }
        return input.substring(start, pos);
    }

    private List<String> listValue() {
        skipWs();
        if (!accept("(")) {
            throw fail("expecting \"(\"");
        }
        skipWs();
        List<String> values = new ArrayList<>();
        if (peek() == ')') {
            pos++;
            skipWs();
            return values; // in.() matches nothing
        }
        do {
            values.add(listElement());
        } while (accept(","));
        skipWs();
        if (!accept(")")) {
            throw atEnd() ? failAtEnd("expecting \",\" or \")\"") : fail("expecting \",\" or \")\"");
        }
        skipWs();
        return values;
    }

    private String listElement() {
        if (peek() == '"') {
            int mark = pos;
            String value = quoted();
            if (atEnd() || peek() == ',' || peek() == ')') {
                return value;
            }
            pos = mark;
        }
        int start = pos;
        while (!atEnd() && peek() != ',' && peek() != ')') {
            pos++;
        }
        return input.substring(start, pos);
    }

    private Trilean trilean() {
        for (Trilean t : Trilean.values()) {
            String word = t.name().toLowerCase(Locale.ROOT);
            if (input.regionMatches(true, pos, word, 0, word.length())) {
                int end = pos + word.length();
                if (end == input.length() || input.charAt(end) == ',' || input.charAt(end) == ')') {
                    pos = end;
                    return t;
                }
            }
        }
        throw fail("expecting null or trilean value (unknown, true, false)");
    }

    // ------------------------------------------------------------------------------------------
    // or / and
    // ------------------------------------------------------------------------------------------

    private LogicTree.Node logicNode(boolean negated) {
        boolean or;
        if (input.startsWith("or", pos)) {
            or = true;
            pos += 2;
        } else if (input.startsWith("and", pos)) {
            or = false;
            pos += 3;
        } else {
            throw fail("expecting logic operator (and, or)");
        }
        skipWs();
        if (!accept("(")) {
            throw fail("expecting \"(\"");
        }
        enter();
        List<LogicTree> children = new ArrayList<>();
        do {
            skipWs();
            children.add(logicElement());
            skipWs();
        } while (accept(","));
        if (!accept(")")) {
            throw atEnd() ? failAtEnd("expecting \",\" or \")\"") : fail("expecting \",\" or \")\"");
        }
        depth--;
        return new LogicTree.Node(negated, or, children);
    }

    private LogicTree logicElement() {
        if (atEnd() || peek() == ')' || peek() == ',') {
            throw atEnd()
                    ? failAtEnd(
                            "expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)")
                    : fail(
                            "expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)");
        }
        boolean negated = false;
        int mark = pos;
        if (input.startsWith("not.", pos)) {
            negated = true;
            pos += 4;
        }
        if (startsNested("or") || startsNested("and")) {
            return logicNode(negated);
        }
        pos = mark;
        String name = fieldName();
        List<Field.JsonStep> path = jsonPath();
        if (!accept(".")) {
            throw atEnd() ? failAtEnd("expecting delimiter (.)") : fail("expecting delimiter (.)");
        }
        return new LogicTree.Leaf(opExpr(new Field(name, path), true));
    }

    private boolean startsNested(String op) {
        int at = pos + op.length();
        if (!input.startsWith(op, pos)) {
            return false;
        }
        while (at < input.length() && input.charAt(at) == ' ') {
            at++;
        }
        return at < input.length() && input.charAt(at) == '(';
    }

    // ------------------------------------------------------------------------------------------
    // order
    // ------------------------------------------------------------------------------------------

    private OrderTerm orderTerm() {
        skipWs();
        String relation = null;
        String name = fieldName();
        Field field;
        if (accept("(")) {
            relation = name;
            skipWs();
            String inner = fieldName();
            field = new Field(inner, jsonPath());
            skipWs();
            if (!accept(")")) {
                throw fail("expecting \")\"");
            }
        } else {
            field = new Field(name, jsonPath());
        }
        OrderTerm.Direction direction = null;
        OrderTerm.Nulls nulls = null;
        if (accept(".asc")) {
            direction = OrderTerm.Direction.ASC;
        } else if (accept(".desc")) {
            direction = OrderTerm.Direction.DESC;
        }
        if (accept(".nullsfirst")) {
            nulls = OrderTerm.Nulls.FIRST;
        } else if (accept(".nullslast")) {
            nulls = OrderTerm.Nulls.LAST;
        }
        skipWs();
        if (!atEnd() && peek() != ',') {
            throw fail(
                    direction == null && nulls == null
                            ? "expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""
                            : "expecting \",\" or end of input");
        }
        return new OrderTerm(relation, field, direction, nulls);
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw ErrorCode.PGRST100
                    .error(what, shown, pos + shift)
                    .withDetails("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    // ------------------------------------------------------------------------------------------
    // cursor helpers
    // ------------------------------------------------------------------------------------------

    private boolean atEnd() {
        return pos >= input.length();
    }

    private char peek() {
        return atEnd() ? '\0' : input.charAt(pos);
    }

    private char peekAt(int offset) {
        int at = pos + offset;
        return at < input.length() ? input.charAt(at) : '\0';
    }

    private boolean accept(String token) {
        if (input.startsWith(token, pos)) {
            pos += token.length();
            return true;
        }
        return false;
    }

    private void skipWs() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private ApiError fail(String expecting) {
        if (atEnd()) {
            return failAtEnd(expecting);
        }
        int cp = input.codePointAt(pos);
        return ErrorCode.PGRST100
                .error(what, shown, pos + 1 + shift)
                .withDetails("unexpected \"" + new String(Character.toChars(cp)) + "\" " + expecting);
    }

    private ApiError failAtEnd(String expecting) {
        return ErrorCode.PGRST100
                .error(what, shown, Math.min(pos, input.length()) + 1 + shift)
                .withDetails("unexpected end of input " + expecting);
    }
}
