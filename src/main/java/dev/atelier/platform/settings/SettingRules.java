package dev.atelier.platform.settings;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.http.Problem;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A setting's {@code validation_rules}: which rules exist for which type, checked when the rules
 * are written, and the check of a value against them. The rules (JSON object members):
 *
 * <ul>
 *   <li>{@code enum}: a JSON array of the values allowed (any type; compared as JSON);
 *   <li>number: {@code min}, {@code max} (inclusive), {@code integer} (true: no fraction);
 *   <li>string: {@code minLength}, {@code maxLength} (characters), {@code pattern} (a Java regular
 *       expression of at most 500 characters the whole value must match);
 *   <li>array: {@code minItems}, {@code maxItems}, {@code items} (every element's JSON type:
 *       "string", "number", "boolean", "object" or "array").
 * </ul>
 *
 * Any other member, or a rule for another type, is refused, naming {@code validation_rules.<rule>}.
 */
public final class SettingRules {

    /** Steps a pattern may take on one value before the match is given up (and the value refused). */
    static final int PATTERN_STEPS = 1_000_000;

    private static final Set<String> ITEM_TYPES = Set.of("string", "number", "boolean", "object", "array");

    private SettingRules() {}

    /** Refuses rules that do not exist for {@code type} or are malformed. */
    public static void checkRules(SettingType type, JsonNode rules) {
        if (!rules.isObject()) {
            throw Problem.badInput("validation_rules", "validation_rules must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = rules.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            String field = "validation_rules." + name;
            switch (name) {
                case "enum" -> {
                    if (!v.isArray() || v.isEmpty() || v.size() > 1000) {
                        throw Problem.badInput(field, "enum must be a JSON array of 1 to 1000 allowed values");
                    }
                }
                case "min", "max" -> {
                    only(type, SettingType.NUMBER, field);
                    if (!v.isNumber()) {
                        throw Problem.badInput(field, name + " must be a number");
                    }
                }
                case "integer" -> {
                    only(type, SettingType.NUMBER, field);
                    if (!v.isBoolean()) {
                        throw Problem.badInput(field, "integer must be true or false");
                    }
                }
                case "minLength", "maxLength" -> {
                    only(type, SettingType.STRING, field);
                    count(v, field);
                }
                case "pattern" -> {
                    only(type, SettingType.STRING, field);
                    pattern(v, field);
                }
                case "minItems", "maxItems" -> {
                    only(type, SettingType.ARRAY, field);
                    count(v, field);
                }
                case "items" -> {
                    only(type, SettingType.ARRAY, field);
                    if (!v.isTextual() || !ITEM_TYPES.contains(v.textValue())) {
                        throw Problem.badInput(field, "items must be one of " + new java.util.TreeSet<>(ITEM_TYPES));
                    }
                }
                default ->
                    throw Problem.badInput(
                            field,
                            "unknown rule " + name + "; the rules are enum, min, max, integer, minLength, maxLength,"
                                    + " pattern, minItems, maxItems, items");
            }
        }
        if (rules.has("min")
                && rules.has("max")
                && rules.get("min").decimalValue().compareTo(rules.get("max").decimalValue()) > 0) {
            throw Problem.badInput("validation_rules.min", "min is greater than max");
        }
    }

    /**
     * Refuses a value (the client's JSON, already of the right JSON type) that breaks a rule,
     * naming {@code field}.
     */
    public static void check(JsonNode rules, JsonNode value, String field) {
        JsonNode allowed = rules.get("enum");
        if (allowed != null && allowed.isArray()) {
            boolean found = false;
            for (JsonNode a : allowed) {
                found |= a.equals(value)
                        || a.isNumber() && value.isNumber() && a.decimalValue().compareTo(value.decimalValue()) == 0;
            }
            if (!found) {
                throw Problem.badInput(field, field + " must be one of " + allowed);
            }
        }
        if (value.isNumber()) {
            BigDecimal n = value.decimalValue();
            if (rules.path("min").isNumber() && n.compareTo(rules.get("min").decimalValue()) < 0) {
                throw Problem.badInput(field, field + " must be at least " + rules.get("min"));
            }
            if (rules.path("max").isNumber() && n.compareTo(rules.get("max").decimalValue()) > 0) {
                throw Problem.badInput(field, field + " must be at most " + rules.get("max"));
            }
            if (rules.path("integer").asBoolean(false) && n.stripTrailingZeros().scale() > 0) {
                throw Problem.badInput(field, field + " must be a whole number");
            }
        }
        if (value.isTextual()) {
            String s = value.textValue();
            int length = s.codePointCount(0, s.length());
            if (rules.path("minLength").canConvertToInt()
                    && length < rules.get("minLength").asInt()) {
                throw Problem.badInput(field, field + " must be at least " + rules.get("minLength") + " characters");
            }
            if (rules.path("maxLength").canConvertToInt()
                    && length > rules.get("maxLength").asInt()) {
                throw Problem.badInput(field, field + " must be at most " + rules.get("maxLength") + " characters");
            }
            if (rules.path("pattern").isTextual()) {
                Pattern p = pattern(rules.get("pattern"), "validation_rules.pattern");
                boolean matches;
                try {
                    matches = p.matcher(new Bounded(s)).matches();
                } catch (Bounded.TooLong e) {
                    throw Problem.badInput(field, field + " takes the pattern too long to check");
                }
                if (!matches) {
                    throw Problem.badInput(
                            field,
                            field + " must match the pattern "
                                    + rules.get("pattern").textValue());
                }
            }
        }
        if (value.isArray()) {
            if (rules.path("minItems").canConvertToInt()
                    && value.size() < rules.get("minItems").asInt()) {
                throw Problem.badInput(field, field + " must have at least " + rules.get("minItems") + " items");
            }
            if (rules.path("maxItems").canConvertToInt()
                    && value.size() > rules.get("maxItems").asInt()) {
                throw Problem.badInput(field, field + " must have at most " + rules.get("maxItems") + " items");
            }
            String items = rules.path("items").asText("");
            int i = 0;
            for (JsonNode item : value) {
                if (!items.isEmpty() && !items.equals(jsonType(item))) {
                    throw Problem.badInput(field + "[" + i + "]", "every item must be a JSON " + items);
                }
                i++;
            }
        }
    }

    /** Whether a value passes the rules (for stored values and overrides written around the endpoint). */
    public static boolean passes(JsonNode rules, JsonNode value) {
        try {
            check(rules, value, "value");
            return true;
        } catch (Problem e) {
            return false;
        }
    }

    private static String jsonType(JsonNode n) {
        if (n.isTextual()) {
            return "string";
        }
        if (n.isNumber()) {
            return "number";
        }
        if (n.isBoolean()) {
            return "boolean";
        }
        return n.isObject() ? "object" : n.isArray() ? "array" : "null";
    }

    private static void only(SettingType actual, SettingType wanted, String field) {
        if (actual != wanted) {
            throw Problem.badInput(field, "this rule applies to " + wanted.sqlName() + " settings only");
        }
    }

    private static void count(JsonNode v, String field) {
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0) {
            throw Problem.badInput(field, field.substring(field.indexOf('.') + 1) + " must be a whole number >= 0");
        }
    }

    private static Pattern pattern(JsonNode v, String field) {
        if (!v.isTextual() || v.textValue().length() > 500) {
            throw Problem.badInput(field, "pattern must be a regular expression of at most 500 characters");
        }
        try {
            return Pattern.compile(v.textValue());
        } catch (PatternSyntaxException e) {
            throw Problem.badInput(field, "pattern is not a valid regular expression: " + e.getDescription());
        }
    }

    /** A value a pattern may read at most {@link #PATTERN_STEPS} characters of, backtracking included. */
    private static final class Bounded implements CharSequence {
        static final class TooLong extends RuntimeException {
            TooLong() {
                super(null, null, false, false);
            }
        }

        private final CharSequence s;
        private final int[] steps;

        Bounded(CharSequence s) {
            this(s, new int[1]);
        }

        private Bounded(CharSequence s, int[] steps) {
            this.s = s;
            this.steps = steps;
        }

        @Override
        public char charAt(int index) {
            if (++steps[0] > PATTERN_STEPS) {
                throw new TooLong();
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Bounded(s.subSequence(start, end), steps);
        }

        @Override
        public String toString() {
            return s.toString();
        }
    }
}
