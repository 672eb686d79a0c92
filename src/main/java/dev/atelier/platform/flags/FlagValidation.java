package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.http.Problem;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Checks the Unleash parts of a flag (strategies, variants, dependencies) and segments' constraints
 * before they are stored; a fault is a 400 problem naming the field, such as
 * {@code strategies[0].constraints[1].operator}.
 */
public final class FlagValidation {

    public static final Set<String> STRATEGIES = Set.of(
            "default",
            "userWithId",
            "flexibleRollout",
            "gradualRolloutUserId",
            "gradualRolloutSessionId",
            "gradualRolloutRandom",
            "remoteAddress",
            "applicationHostname");

    public static final Set<String> OPERATORS = Set.of(
            "IN",
            "NOT_IN",
            "STR_CONTAINS",
            "STR_STARTS_WITH",
            "STR_ENDS_WITH",
            "NUM_EQ",
            "NUM_GT",
            "NUM_GTE",
            "NUM_LT",
            "NUM_LTE",
            "DATE_AFTER",
            "DATE_BEFORE",
            "SEMVER_EQ",
            "SEMVER_GT",
            "SEMVER_GTE",
            "SEMVER_LT",
            "SEMVER_LTE",
            "REGEX",
            "IN_CIDR");

    private static final Set<String> PAYLOAD_TYPES = Set.of("string", "json", "csv", "number");

    private FlagValidation() {}

    public static void strategies(JsonNode list, String field) {
        array(list, field, 50);
        int i = 0;
        for (JsonNode s : list) {
            String at = field + "[" + i++ + "]";
            object(s, at);
            String name = s.path("name").asText("");
            if (!STRATEGIES.contains(name)) {
                throw Problem.badInput(
                        at + ".name", "the strategy must be one of " + new java.util.TreeSet<>(STRATEGIES));
            }
            if (s.has("parameters")) {
                object(s.get("parameters"), at + ".parameters");
                for (Iterator<Map.Entry<String, JsonNode>> it =
                                s.get("parameters").fields();
                        it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    if (!p.getValue().isValueNode() || p.getValue().asText().length() > 10_000) {
                        throw Problem.badInput(at + ".parameters." + p.getKey(), "a parameter is a string or a number");
                    }
                }
            }
            String rollout = s.path("parameters")
                    .path(name.equals("flexibleRollout") ? "rollout" : "percentage")
                    .asText(null);
            if (rollout != null && (name.equals("flexibleRollout") || name.startsWith("gradualRollout"))) {
                try {
                    double p = Double.parseDouble(rollout);
                    if (p < 0 || p > 100) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw Problem.badInput(at + ".parameters", "the rollout percentage must be a number from 0 to 100");
                }
            }
            if (s.has("constraints")) {
                constraints(s.get("constraints"), at + ".constraints");
            }
            if (s.has("segments")) {
                array(s.get("segments"), at + ".segments", 100);
                for (JsonNode id : s.get("segments")) {
                    if (!id.canConvertToInt()) {
                        throw Problem.badInput(at + ".segments", "segments are segment ids");
                    }
                }
            }
            if (s.has("variants")) {
                variants(s.get("variants"), at + ".variants");
            }
        }
    }

    public static void constraints(JsonNode list, String field) {
        array(list, field, 100);
        int i = 0;
        for (JsonNode c : list) {
            String at = field + "[" + i++ + "]";
            object(c, at);
            if (!c.path("contextName").isTextual()
                    || c.path("contextName").asText().isEmpty()) {
                throw Problem.badInput(at + ".contextName", "contextName is required");
            }
            String op = c.path("operator").asText("");
            if (!OPERATORS.contains(op)) {
                throw Problem.badInput(
                        at + ".operator", "the operator must be one of " + new java.util.TreeSet<>(OPERATORS));
            }
            if (c.has("values")) {
                array(c.get("values"), at + ".values", 10_000);
                for (JsonNode v : c.get("values")) {
                    if (!v.isValueNode() || v.isNull()) {
                        throw Problem.badInput(at + ".values", "values are strings");
                    }
                }
            }
            if (c.has("value") && !c.get("value").isValueNode()) {
                throw Problem.badInput(at + ".value", "value is a string");
            }
            for (String flag : new String[] {"inverted", "caseInsensitive"}) {
                if (c.has(flag) && !c.get(flag).isBoolean()) {
                    throw Problem.badInput(at + "." + flag, flag + " is true or false");
                }
            }
            boolean single =
                    op.startsWith("NUM_") || op.startsWith("DATE_") || op.startsWith("SEMVER_") || op.equals("REGEX");
            if (single && !c.hasNonNull("value")) {
                throw Problem.badInput(at + ".value", op + " compares with one value");
            }
            if (!single && !c.has("values")) {
                throw Problem.badInput(at + ".values", op + " takes a list of values");
            }
            if (op.equals("REGEX")
                    && FlagRegex.compile(
                                    c.get("value").asText(),
                                    c.path("caseInsensitive").asBoolean(false))
                            == null) {
                throw Problem.badInput(
                        at + ".value", "not a regular expression (RE2 syntax: no look-around, no back-references)");
            }
        }
    }

    public static void variants(JsonNode list, String field) {
        array(list, field, 100);
        int i = 0;
        for (JsonNode v : list) {
            String at = field + "[" + i++ + "]";
            object(v, at);
            if (!v.path("name").isTextual()
                    || v.path("name").asText().isEmpty()
                    || v.path("name").asText().length() > 200) {
                throw Problem.badInput(at + ".name", "a variant needs a name of 1 to 200 characters");
            }
            if (!v.path("weight").canConvertToInt()
                    || v.path("weight").asInt() < 0
                    || v.path("weight").asInt() > 1000) {
                throw Problem.badInput(at + ".weight", "the weight is an integer from 0 to 1000");
            }
            if (v.hasNonNull("payload")) {
                JsonNode p = v.get("payload");
                if (!p.isObject()
                        || !PAYLOAD_TYPES.contains(p.path("type").asText())
                        || !p.path("value").isTextual()) {
                    throw Problem.badInput(
                            at + ".payload", "a payload is {type: string|json|csv|number, value: string}");
                }
            }
            if (v.has("stickiness") && !v.get("stickiness").isTextual()) {
                throw Problem.badInput(at + ".stickiness", "stickiness is a context field name");
            }
            if (v.has("overrides")) {
                array(v.get("overrides"), at + ".overrides", 100);
                int j = 0;
                for (JsonNode o : v.get("overrides")) {
                    String oat = at + ".overrides[" + j++ + "]";
                    if (!o.path("contextName").isTextual() || !o.path("values").isArray()) {
                        throw Problem.badInput(oat, "an override is {contextName, values}");
                    }
                }
            }
        }
    }

    public static void dependencies(JsonNode list, String field, String self) {
        array(list, field, 10);
        int i = 0;
        for (JsonNode d : list) {
            String at = field + "[" + i++ + "]";
            object(d, at);
            if (!d.path("feature").isTextual() || d.path("feature").asText().isEmpty()) {
                throw Problem.badInput(at + ".feature", "a dependency names its parent flag");
            }
            if (d.path("feature").asText().equals(self)) {
                throw Problem.badInput(at + ".feature", "a flag cannot depend on itself");
            }
            if (d.has("enabled") && !d.get("enabled").isBoolean()) {
                throw Problem.badInput(at + ".enabled", "enabled is true or false");
            }
            if (d.has("variants")) {
                array(d.get("variants"), at + ".variants", 100);
            }
        }
    }

    private static void array(JsonNode n, String field, int max) {
        if (!n.isArray()) {
            throw Problem.badInput(field, field + " must be an array");
        }
        if (n.size() > max) {
            throw Problem.badInput(field, field + " may have at most " + max + " entries");
        }
    }

    private static void object(JsonNode n, String field) {
        if (!n.isObject()) {
            throw Problem.badInput(field, field + " must be an object");
        }
    }
}
