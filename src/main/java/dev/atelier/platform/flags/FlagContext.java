package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Unleash's context (userId, sessionId, remoteAddress, environment, appName, currentTime and
 * properties) together with the JSON object it came from, which Rotation's conditions and session
 * stickiness read as {@code rotation.evaluate_feature_flag} does.
 */
public record FlagContext(
        @Nullable String userId,
        @Nullable String sessionId,
        @Nullable String remoteAddress,
        @Nullable String environment,
        @Nullable String appName,
        @Nullable String currentTime,
        Map<String, String> properties,
        JsonNode json) {

    private static final Set<String> STANDARD =
            Set.of("userId", "sessionId", "remoteAddress", "environment", "appName", "currentTime", "properties");

    public static FlagContext empty() {
        return of(JsonNodeFactory.instance.objectNode());
    }

    /**
     * Reads a context object. Scalars of {@code properties} and other top-level scalars become
     * properties (a top-level field is found first, as Unleash's SDKs resolve it).
     */
    public static FlagContext of(JsonNode json) {
        if (!json.isObject()) {
            json = JsonNodeFactory.instance.objectNode();
        }
        Map<String, String> props = new HashMap<>();
        JsonNode p = json.get("properties");
        if (p != null && p.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String v = scalar(e.getValue());
                if (v != null) {
                    props.put(e.getKey(), v);
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!STANDARD.contains(e.getKey())) {
                String v = scalar(e.getValue());
                if (v != null) {
                    props.put(e.getKey(), v);
                }
            }
        }
        return new FlagContext(
                scalar(json.get("userId")),
                scalar(json.get("sessionId")),
                scalar(json.get("remoteAddress")),
                scalar(json.get("environment")),
                scalar(json.get("appName")),
                scalar(json.get("currentTime")),
                Map.copyOf(props),
                json);
    }

    /** A context from flat fields (query parameters): standard names as fields, the rest as properties. */
    public static FlagContext ofFlat(Map<String, String> fields) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        ObjectNode props = json.putObject("properties");
        fields.forEach((k, v) -> {
            if (k.startsWith("properties[") && k.endsWith("]")) {
                props.put(k.substring(11, k.length() - 1), v);
            } else if (STANDARD.contains(k)) {
                json.put(k, v);
            } else {
                props.put(k, v);
            }
        });
        return of(json);
    }

    private static @Nullable String scalar(@Nullable JsonNode n) {
        if (n == null || n.isNull() || n.isContainerNode() || n.isMissingNode()) {
            return null;
        }
        return n.asText();
    }

    /** The value of a context field as Unleash resolves it: the standard field, else a property. */
    public @Nullable String field(String name) {
        String standard = switch (name) {
            case "userId" -> userId;
            case "sessionId" -> sessionId;
            case "remoteAddress" -> remoteAddress;
            case "environment" -> environment;
            case "appName" -> appName;
            case "currentTime" -> currentTime;
            default -> null;
        };
        if (standard != null && !standard.isEmpty()) {
            return standard;
        }
        return properties.get(name);
    }

    /**
     * The same context with another user id (the caller's own, on Atelier's endpoint). The JSON
     * that Rotation's conditions read stays as sent, as {@code rotation.evaluate_feature_flag}
     * reads its context argument beside its user_id argument.
     */
    public FlagContext withUserId(@Nullable String id) {
        return new FlagContext(id, sessionId, remoteAddress, environment, appName, currentTime, properties, json);
    }
}
