package dev.atelier.platform.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.atelier.platform.http.Problem;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A setting's {@code value_type} and the two forms of its values: the JSON a client sends and
 * reads (a string, a number, true/false, any JSON, a JSON array) and the text stored in
 * {@code rotation.settings.value} (the string itself; the number, boolean, JSON or array as JSON
 * text), which V20's {@code settings_value_matches_type} check accepts.
 */
public enum SettingType {
    STRING,
    NUMBER,
    BOOLEAN,
    JSON,
    ARRAY;

    /** The most stored text one value may take. */
    public static final int MAX_VALUE_CHARS = 16_384;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type named {@code name} (as stored), or a 400 naming {@code field}. */
    public static SettingType of(String name, String field) {
        for (SettingType t : values()) {
            if (t.sqlName().equals(name)) {
                return t;
            }
        }
        throw Problem.badInput(field, field + " must be one of string, number, boolean, json, array");
    }

    /** The stored text of a client's JSON value, or a 400 naming {@code field} when the JSON type is wrong. */
    public String store(JsonNode value, String field) {
        String text = switch (this) {
            case STRING -> {
                if (!value.isTextual()) {
                    throw Problem.badInput(field, field + " must be a JSON string for a string setting");
                }
                yield value.textValue();
            }
            case NUMBER -> {
                if (!value.isNumber()) {
                    throw Problem.badInput(field, field + " must be a JSON number for a number setting");
                }
                yield value.decimalValue().toString();
            }
            case BOOLEAN -> {
                if (!value.isBoolean()) {
                    throw Problem.badInput(field, field + " must be true or false for a boolean setting");
                }
                yield value.asText();
            }
            case JSON -> {
                if (value.isMissingNode()) {
                    throw Problem.badInput(field, field + " is required");
                }
                yield value.toString();
            }
            case ARRAY -> {
                if (!value.isArray()) {
                    throw Problem.badInput(field, field + " must be a JSON array for an array setting");
                }
                yield value.toString();
            }
        };
        if (text.length() > MAX_VALUE_CHARS) {
            throw Problem.badInput(
                    field, field + " is " + text.length() + " characters stored; at most " + MAX_VALUE_CHARS);
        }
        return text;
    }

    /**
     * The client's JSON of a stored text, or null when the text does not read as this type
     * (written around the endpoint, e.g. a JSON setting's text that is not JSON).
     */
    public @Nullable JsonNode read(String stored) {
        try {
            return switch (this) {
                case STRING -> TextNode.valueOf(stored);
                case NUMBER -> MAPPER.getNodeFactory().numberNode(new java.math.BigDecimal(stored.trim()));
                case BOOLEAN ->
                    stored.equals("true") || stored.equals("false")
                            ? MAPPER.getNodeFactory().booleanNode(Boolean.parseBoolean(stored))
                            : null;
                case JSON -> MAPPER.readTree(stored);
                case ARRAY -> {
                    JsonNode n = MAPPER.readTree(stored);
                    yield n != null && n.isArray() ? n : null;
                }
            };
        } catch (JsonProcessingException | NumberFormatException e) {
            return null;
        }
    }
}
