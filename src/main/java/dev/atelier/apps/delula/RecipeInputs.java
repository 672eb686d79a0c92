package dev.atelier.apps.delula;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.http.Problem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The form a recipe asks its user to fill, read from {@code recipes.recipe_steps}, and the checks
 * of what a user sent against it. {@code recipe_steps} is a JSON array of steps; a step that has
 * an {@code id} (or {@code name}) and a {@code type} is an input, and a step may also group its
 * inputs under {@code inputs}:
 *
 * <pre>{"id": "subject", "type": "text", "required": true, "max_length": 200}
 * {"id": "style", "type": "select", "options": ["oil", "ink"], "default": "ink"}
 * {"id": "count", "type": "number", "min": 1, "max": 4}
 * {"id": "hd", "type": "boolean"}</pre>
 *
 * Types: {@code text} (also {@code textarea}, {@code prompt}), {@code select}, {@code number},
 * {@code boolean}. Inputs are optional unless {@code required}; texts are at most
 * {@code max_length} characters (default and ceiling {@value #MAX_TEXT}). The recipe's
 * {@code prompt} template names inputs as {@code {{id}}}; the prompt is the template with each
 * replaced by its value (a template without placeholders gets the texts appended).
 */
final class RecipeInputs {

    static final int MAX_TEXT = 2000;
    static final int MAX_PROMPT = 8000;
    private static final Pattern ID = Pattern.compile("^[A-Za-z][A-Za-z0-9_]{0,63}$");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z][A-Za-z0-9_]{0,63})\\s*}}");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Spec(
            String id,
            String type,
            boolean required,
            int maxLength,
            List<String> options,
            @Nullable Double min,
            @Nullable Double max,
            @Nullable JsonNode defaultValue) {}

    private final Map<String, Spec> specs;

    private RecipeInputs(Map<String, Spec> specs) {
        this.specs = specs;
    }

    static RecipeInputs of(JsonNode recipeSteps) {
        Map<String, Spec> specs = new LinkedHashMap<>();
        if (recipeSteps.isArray()) {
            for (JsonNode step : recipeSteps) {
                collect(step, specs);
                JsonNode nested = step.path("inputs");
                if (nested.isArray()) {
                    for (JsonNode input : nested) {
                        collect(input, specs);
                    }
                }
            }
        }
        return new RecipeInputs(specs);
    }

    private static void collect(JsonNode step, Map<String, Spec> specs) {
        if (!step.isObject()) {
            return;
        }
        String id = step.path("id").isTextual()
                ? step.path("id").asText()
                : step.path("name").asText("");
        String type = step.path("type").asText("").toLowerCase(Locale.ROOT);
        if (!ID.matcher(id).matches() || type.isEmpty() || type.equals("step")) {
            return;
        }
        List<String> options = new ArrayList<>();
        step.path("options")
                .forEach(o -> options.add(o.isObject() ? o.path("value").asText() : o.asText()));
        int maxLength = Math.min(MAX_TEXT, step.path("max_length").asInt(MAX_TEXT));
        specs.put(
                id,
                new Spec(
                        id,
                        type,
                        step.path("required").asBoolean(false),
                        maxLength <= 0 ? MAX_TEXT : maxLength,
                        options,
                        step.path("min").isNumber() ? step.path("min").asDouble() : null,
                        step.path("max").isNumber() ? step.path("max").asDouble() : null,
                        step.has("default") ? step.get("default") : null));
    }

    Map<String, Spec> specs() {
        return specs;
    }

    /**
     * The user's inputs checked and completed with defaults, in the form's order. A problem names
     * the field at fault ({@code inputs.<id>}).
     */
    ObjectNode check(@Nullable JsonNode inputs) {
        if (inputs != null && !inputs.isNull() && !inputs.isObject()) {
            throw Problem.badInput("inputs", "inputs must be a JSON object");
        }
        ObjectNode out = JSON.createObjectNode();
        if (inputs != null && inputs.isObject()) {
            Iterator<String> names = inputs.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!specs.containsKey(name)) {
                    throw Problem.badInput(
                            "inputs." + abbreviate(name),
                            "this recipe has no input \"" + abbreviate(name) + "\""
                                    + (specs.isEmpty() ? "" : " (it takes " + String.join(", ", specs.keySet()) + ")"));
                }
            }
        }
        for (Spec spec : specs.values()) {
            JsonNode value = inputs == null ? null : inputs.get(spec.id());
            String field = "inputs." + spec.id();
            if (value == null
                    || value.isNull()
                    || (value.isTextual() && value.asText().isBlank())) {
                if (spec.required()) {
                    throw Problem.badInput(field, spec.id() + " is required by this recipe");
                }
                if (spec.defaultValue() != null) {
                    out.set(spec.id(), spec.defaultValue());
                }
                continue;
            }
            switch (spec.type()) {
                case "number", "integer", "slider" -> {
                    if (!value.isNumber()) {
                        throw Problem.badInput(field, spec.id() + " must be a number");
                    }
                    double d = value.asDouble();
                    if ((spec.min() != null && d < spec.min()) || (spec.max() != null && d > spec.max())) {
                        throw Problem.badInput(
                                field,
                                spec.id() + " must be "
                                        + (spec.min() == null ? "" : "at least " + spec.min())
                                        + (spec.min() != null && spec.max() != null ? " and " : "")
                                        + (spec.max() == null ? "" : "at most " + spec.max()));
                    }
                    out.set(spec.id(), value);
                }
                case "boolean", "checkbox", "toggle" -> {
                    if (!value.isBoolean()) {
                        throw Problem.badInput(field, spec.id() + " must be true or false");
                    }
                    out.set(spec.id(), value);
                }
                case "select", "radio", "choice" -> {
                    if (!value.isTextual() || !spec.options().contains(value.asText())) {
                        throw Problem.badInput(
                                field, spec.id() + " must be one of " + String.join(", ", spec.options()));
                    }
                    out.set(spec.id(), value);
                }
                default -> {
                    if (!value.isTextual()) {
                        throw Problem.badInput(field, spec.id() + " must be a string");
                    }
                    if (value.asText().codePointCount(0, value.asText().length()) > spec.maxLength()) {
                        throw Problem.badInput(
                                field, spec.id() + " is longer than " + spec.maxLength() + " characters");
                    }
                    out.put(spec.id(), value.asText());
                }
            }
        }
        return out;
    }

    /** The recipe's template with the inputs put in. */
    static String prompt(@Nullable String template, ObjectNode inputs) {
        String base = template == null ? "" : template;
        Matcher m = PLACEHOLDER.matcher(base);
        StringBuilder out = new StringBuilder();
        boolean any = false;
        while (m.find()) {
            any = true;
            JsonNode value = inputs.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value.asText()));
        }
        m.appendTail(out);
        if (!any) {
            inputs.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual()) {
                    out.append(out.length() == 0 ? "" : ", ")
                            .append(e.getValue().asText());
                }
            });
        }
        String prompt = out.toString().strip();
        return prompt.length() > MAX_PROMPT ? prompt.substring(0, MAX_PROMPT) : prompt;
    }

    private static String abbreviate(String name) {
        return name.length() > 64 ? name.substring(0, 64) + "…" : name;
    }
}
