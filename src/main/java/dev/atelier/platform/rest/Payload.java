package dev.atelier.platform.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A JSON request body, checked the way PostgREST checks it: well-formed, an object or an array of
 * objects that all have the same keys. The text itself goes to PostgreSQL unchanged as one bind
 * value ({@code ?::json}); Java only reads its shape.
 */
final class Payload {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    final String text;
    final JsonNode tree;
    /** The keys of the object, or of every object of the array, in first-seen order. */
    final Set<String> keys;

    private Payload(String text, JsonNode tree, Set<String> keys) {
        this.text = text;
        this.tree = tree;
        this.keys = keys;
    }

    boolean isArray() {
        return tree.isArray();
    }

    /** The body as an array, which is what json_populate_recordset wants. */
    String asArrayText() {
        return tree.isArray() ? text : "[" + text + "]";
    }

    /**
     * @param uniformKeys true unless {@code columns=} names the columns, in which case objects may
     *                    lack some keys (they become NULL or, with missing=default, the default)
     */
    static Payload parse(byte[] body, boolean uniformKeys) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw ErrorCode.PGRST102.error("Empty or invalid json");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // PostgREST drops the parser's message in favour of a generic one; the position helps, so keep it in
            // details.
            throw ErrorCode.PGRST102
                    .error("Empty or invalid json")
                    .withDetails(e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " at line " + e.getLocation().getLineNr() + ", column "
                                            + e.getLocation().getColumnNr()));
        }
        if (tree == null || tree.isMissingNode()) {
            throw ErrorCode.PGRST102.error("Empty or invalid json");
        }
        if (tree.isObject()) {
            return new Payload(text, tree, keysOf(tree));
        }
        if (!tree.isArray()) {
            throw ErrorCode.PGRST102
                    .error("Empty or invalid json")
                    .withDetails("The body must be a JSON object or an array of JSON objects");
        }
        Set<String> keys = null;
        for (JsonNode element : tree) {
            if (!element.isObject()) {
                throw ErrorCode.PGRST102.error("All object keys must match");
            }
            Set<String> these = keysOf(element);
            if (keys == null) {
                keys = these;
            } else if (!keys.equals(these) && uniformKeys) {
                throw ErrorCode.PGRST102.error("All object keys must match");
            }
        }
        return new Payload(text, tree, keys == null ? Set.of() : keys);
    }

    /**
     * A POST /rpc body: any JSON value (an empty body is no arguments, {@code {}}); the keys are an
     * object's, else none.
     */
    static Payload parseAny(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            text = "{}"; // PostgREST takes an empty body as no arguments
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(text);
        } catch (Exception e) {
            throw ErrorCode.PGRST102.error("Empty or invalid json").withDetails(e.getMessage());
        }
        return new Payload(text, tree, tree.isObject() ? keysOf(tree) : Set.of());
    }

    private static Set<String> keysOf(JsonNode object) {
        Set<String> keys = new LinkedHashSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectMapper mapper() {
        return JSON;
    }
}
