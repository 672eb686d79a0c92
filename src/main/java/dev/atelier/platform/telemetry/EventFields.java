package dev.atelier.platform.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * The checks every ingested event's fields get before they are queued, each failure a 400 naming
 * the field (e.g. {@code events[3].timestamp}): bounded text without NUL (which no PostgreSQL text
 * holds, and which would fail a whole COPY batch), JSON re-serialised and bounded, timestamps
 * within the last 30 days and not in the future.
 */
public final class EventFields {

    /** How much JSON one field may carry. */
    public static final int MAX_JSON_CHARS = 16 * 1024;

    private static final Duration FUTURE_SKEW = Duration.ofMinutes(5);
    private static final Duration OLDEST = Duration.ofDays(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventFields() {}

    /** The events array of a batch body: present, not empty, at most {@code max}. */
    public static JsonNode events(JsonNode body, int max) {
        JsonNode events = body.get("events");
        if (events == null || !events.isArray() || events.isEmpty()) {
            throw Problem.badInput("events", "events must be a non-empty array of events");
        }
        if (events.size() > max) {
            throw Problem.badInput("events", "at most " + max + " events per batch");
        }
        return events;
    }

    /** One event of the array, which must be an object. */
    public static JsonNode event(JsonNode events, int i) {
        JsonNode event = events.get(i);
        if (!event.isObject()) {
            throw Problem.badInput("events[" + i + "]", "each event must be a JSON object");
        }
        return event;
    }

    /** A text field of at most {@code max} characters, or null when absent. */
    public static @Nullable String text(JsonNode node, String field, String at, int max) {
        String value = JsonBody.text(node, field);
        if (value != null && (value.length() > max || value.indexOf('\0') >= 0)) {
            throw Problem.badInput(at + "." + field, field + " must be at most " + max + " characters, without NUL");
        }
        return value;
    }

    /** As {@link #text}, and required. */
    public static String requiredText(JsonNode node, String field, String at, int max) {
        String value = text(node, field, at, max);
        if (value == null || value.isEmpty()) {
            throw Problem.badInput(at + "." + field, field + " is required");
        }
        return value;
    }

    /** The event's {@code timestamp}, or {@code now} when it has none. */
    public static Instant timestamp(JsonNode node, String at, Instant now) {
        String when = JsonBody.text(node, "timestamp");
        if (when == null) {
            return now;
        }
        Instant timestamp;
        try {
            timestamp = Instant.parse(when);
        } catch (DateTimeParseException e) {
            throw Problem.badInput(
                    at + ".timestamp", "timestamp must be an ISO 8601 instant, e.g. 2026-01-01T12:00:00Z");
        }
        if (timestamp.isAfter(now.plus(FUTURE_SKEW)) || timestamp.isBefore(now.minus(OLDEST))) {
            throw Problem.badInput(
                    at + ".timestamp", "timestamp must be within the last 30 days and not in the future");
        }
        return timestamp;
    }

    /**
     * A JSON field as JSON text (null when absent or null). Jackson escapes control characters;
     * {@code \u0000} escapes are refused because jsonb cannot hold them either.
     */
    public static @Nullable String json(JsonNode node, String field, String at) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        String text;
        try {
            text = JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw Problem.badInput(at + "." + field, "not serialisable JSON");
        }
        if (text.length() > MAX_JSON_CHARS || text.contains("\\u0000")) {
            throw Problem.badInput(
                    at + "." + field,
                    field + " must be at most " + MAX_JSON_CHARS + " characters of JSON, without NUL");
        }
        return text;
    }
}
