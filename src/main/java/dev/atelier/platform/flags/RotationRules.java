package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.flags.FlagModel.RotationRule;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Rotation's four flag types exactly as {@code rotation.evaluate_feature_flag} and
 * {@code rotation.evaluate_flag_condition} (V45) define them, so that the two always agree.
 */
public final class RotationRules {

    /** Conditions nest at most this many JSON levels (the SQL function's {@code strict $.**{33}} check). */
    public static final int MAX_CONDITION_DEPTH = 32;

    private RotationRules() {}

    /** Whether an enabled Rotation flag is on for the context; {@code key} seeds the percentage bucket. */
    static boolean evaluate(String key, RotationRule rule, FlagContext ctx) {
        return switch (rule.type()) {
            case BOOLEAN -> true;
            case PERCENTAGE -> {
                String stickiness = stickiness(ctx);
                yield stickiness != null && FlagHash.bucket(key, stickiness) <= rule.rolloutPercentage();
            }
            case USER_LIST -> {
                Integer uid = userId(ctx);
                yield uid != null && rule.targetUsers().contains(uid);
            }
            case CONDITION -> condition(rule.conditions(), ctx.json());
        };
    }

    /** The percentage flags' stickiness id: the user id, else the context's sessionId / session_id. */
    public static @Nullable String stickiness(FlagContext ctx) {
        Integer uid = userId(ctx);
        if (uid != null) {
            return uid.toString();
        }
        JsonNode s = ctx.json().get("sessionId");
        if (s == null || s.isNull()) {
            s = ctx.json().get("session_id");
        }
        if (s == null || s.isNull()) {
            return null;
        }
        return s.isContainerNode() ? s.toString() : s.asText();
    }

    /** A Rotation user id is an integer; any other userId is none (as the SQL function's integer argument). */
    static @Nullable Integer userId(FlagContext ctx) {
        String u = ctx.userId();
        if (u == null) {
            return null;
        }
        try {
            return Integer.valueOf(u);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code rotation.evaluate_flag_condition}; throws for a condition nested deeper than 32 levels. */
    public static boolean condition(@Nullable JsonNode condition, JsonNode context) {
        if (condition == null) {
            return false;
        }
        if (depth(condition) > MAX_CONDITION_DEPTH) {
            throw new IllegalArgumentException("a flag condition may nest at most 32 levels deep");
        }
        return eval(condition, context);
    }

    /** The JSON nesting depth: 0 for a scalar or an empty container, else one more than the deepest child. */
    public static int depth(JsonNode n) {
        int max = 0;
        if (n.isContainerNode()) {
            for (JsonNode child : n) {
                max = Math.max(max, depth(child) + 1);
            }
        }
        return max;
    }

    private static boolean eval(JsonNode condition, JsonNode context) {
        if (!condition.isObject() || condition.isEmpty()) {
            return false;
        }
        if (condition.has("all")) {
            JsonNode all = condition.get("all");
            if (!all.isArray() || all.isEmpty()) {
                return false;
            }
            for (JsonNode item : all) {
                if (!eval(item, context)) {
                    return false;
                }
            }
            return true;
        }
        if (condition.has("any")) {
            JsonNode any = condition.get("any");
            if (!any.isArray()) {
                return false;
            }
            for (JsonNode item : any) {
                if (eval(item, context)) {
                    return true;
                }
            }
            return false;
        }
        if (condition.has("not")) {
            JsonNode not = condition.get("not");
            if (!not.isObject() || not.isEmpty()) {
                return false;
            }
            return !eval(not, context);
        }
        JsonNode opNode = condition.get("operator");
        JsonNode attribute = condition.get("attribute");
        if (opNode == null || opNode.isNull() || attribute == null || !attribute.isTextual()) {
            return false;
        }
        String op = opNode.isContainerNode() ? opNode.toString() : opNode.asText();
        JsonNode attr = path(context, attribute.asText());
        JsonNode val = condition.get("value");
        JsonNode vals = condition.get("values");
        if (attr == null || attr.isNull()) {
            return op.equals("neq") || op.equals("not_in");
        }
        switch (op) {
            case "eq":
                return val != null && jsonbEquals(attr, val);
            case "neq":
                return val == null || !jsonbEquals(attr, val);
            case "in":
            case "not_in": {
                if (vals == null || !vals.isArray()) {
                    return false;
                }
                boolean found = false;
                for (JsonNode v : vals) {
                    if (jsonbEquals(v, attr)) {
                        found = true;
                        break;
                    }
                }
                return op.equals("in") == found;
            }
            case "gt":
            case "lt": {
                int cmp;
                if (val != null && attr.isNumber() && val.isNumber()) {
                    cmp = attr.decimalValue().compareTo(val.decimalValue());
                } else if (val != null && attr.isTextual() && val.isTextual()) {
                    cmp = compareCodePoints(attr.asText(), val.asText());
                } else {
                    return false;
                }
                return op.equals("gt") ? cmp > 0 : cmp < 0;
            }
            case "contains":
                if (val != null && attr.isTextual() && val.isTextual()) {
                    return attr.asText().contains(val.asText());
                }
                if (val != null && attr.isArray()) {
                    for (JsonNode e : attr) {
                        if (jsonbEquals(e, val)) {
                            return true;
                        }
                    }
                }
                return false;
            default:
                return false;
        }
    }

    /** {@code context #> string_to_array(attribute, '.')}: keys of objects, integer indexes of arrays. */
    private static @Nullable JsonNode path(@Nullable JsonNode node, String attribute) {
        if (node == null) {
            return null;
        }
        if (attribute.isEmpty()) {
            return node;
        }
        JsonNode at = node;
        for (String part : attribute.split("\\.", -1)) {
            if (at.isObject()) {
                at = at.get(part);
            } else if (at.isArray()) {
                int i;
                try {
                    i = Integer.parseInt(part);
                } catch (NumberFormatException e) {
                    return null;
                }
                if (i < 0) {
                    i += at.size();
                }
                at = i >= 0 && i < at.size() ? at.get(i) : null;
            } else {
                return null;
            }
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    /** jsonb's equality: numbers by value, objects regardless of key order, arrays in order. */
    static boolean jsonbEquals(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            BigDecimal x = a.decimalValue();
            BigDecimal y = b.decimalValue();
            return x.compareTo(y) == 0;
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!jsonbEquals(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !jsonbEquals(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** COLLATE "C" on UTF-8: byte order, which is code point order. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
