package dev.atelier.platform.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * Reads a domain endpoint's JSON body as a tree, field by field, so that a field of the wrong
 * type is answered like any other bad field: a problem that names it.
 */
public final class JsonBody {

    private JsonBody() {}

    /** The body itself, which must be a JSON object. */
    public static JsonNode object(@Nullable JsonNode body) {
        if (body == null || !body.isObject()) {
            throw Problem.badInput("body", "the body must be a JSON object");
        }
        return body;
    }

    /** A string field, or null when it is absent or null. */
    public static @Nullable String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw Problem.badInput(field, field + " must be a string");
        }
        return value.textValue();
    }
}
