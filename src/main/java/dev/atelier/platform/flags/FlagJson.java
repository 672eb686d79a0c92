package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.flags.FlagModel.Constraint;
import dev.atelier.platform.flags.FlagModel.Dependency;
import dev.atelier.platform.flags.FlagModel.Feature;
import dev.atelier.platform.flags.FlagModel.Override;
import dev.atelier.platform.flags.FlagModel.RotationRule;
import dev.atelier.platform.flags.FlagModel.Segment;
import dev.atelier.platform.flags.FlagModel.Snapshot;
import dev.atelier.platform.flags.FlagModel.Strategy;
import dev.atelier.platform.flags.FlagModel.Variant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reads Unleash's JSON (the client API's features, segments and delta events) into the model. */
public final class FlagJson {

    private FlagJson() {}

    /** A {@code /api/client/features} body, or a delta body ({@code events}), as a snapshot. */
    public static Snapshot state(JsonNode state) {
        Map<String, Feature> features = new LinkedHashMap<>();
        Map<Integer, Segment> segments = new LinkedHashMap<>();
        if (state.has("events")) {
            for (JsonNode event : state.get("events")) {
                switch (event.path("type").asText()) {
                    case "hydration" -> {
                        features.clear();
                        segments.clear();
                        event.path("features").forEach(f -> put(features, feature(f, null)));
                        event.path("segments").forEach(s -> put(segments, segment(s)));
                    }
                    case "feature-updated" -> put(features, feature(event.path("feature"), null));
                    case "feature-removed" ->
                        features.remove(event.path("featureName").asText());
                    case "segment-updated" -> put(segments, segment(event.path("segment")));
                    case "segment-removed" ->
                        segments.remove(event.path("segmentId").asInt());
                    default -> {}
                }
            }
        } else {
            state.path("features").forEach(f -> put(features, feature(f, null)));
            state.path("segments").forEach(s -> put(segments, segment(s)));
        }
        return new Snapshot(Map.copyOf(features), Map.copyOf(segments));
    }

    private static void put(Map<String, Feature> features, Feature f) {
        features.put(f.name(), f);
    }

    private static void put(Map<Integer, Segment> segments, Segment s) {
        segments.put(s.id(), s);
    }

    /** One feature of Unleash's client API; {@code rotation} when it is one of Rotation's types. */
    public static Feature feature(JsonNode f, @Nullable RotationRule rotation) {
        List<Strategy> strategies = new ArrayList<>();
        f.path("strategies").forEach(s -> strategies.add(strategy(s)));
        List<Dependency> dependencies = new ArrayList<>();
        for (JsonNode d : f.path("dependencies")) {
            dependencies.add(new Dependency(
                    d.path("feature").asText(),
                    !d.has("enabled") || d.path("enabled").asBoolean(true),
                    texts(d.path("variants"))));
        }
        return new Feature(
                f.path("name").asText(),
                f.path("enabled").asBoolean(false),
                List.copyOf(strategies),
                variants(f.path("variants")),
                List.copyOf(dependencies),
                f.path("impressionData").asBoolean(false),
                rotation);
    }

    public static Strategy strategy(JsonNode s) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("parameters").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNull()) {
                parameters.put(e.getKey(), e.getValue().asText());
            }
        }
        List<Integer> segments = new ArrayList<>();
        s.path("segments").forEach(id -> segments.add(id.asInt()));
        return new Strategy(
                s.path("name").asText(),
                Map.copyOf(parameters),
                constraints(s.path("constraints")),
                List.copyOf(segments),
                variants(s.path("variants")),
                FlagEngine.prepare(parameters));
    }

    public static Segment segment(JsonNode s) {
        return new Segment(s.path("id").asInt(), constraints(s.path("constraints")));
    }

    public static List<Constraint> constraints(JsonNode list) {
        List<Constraint> out = new ArrayList<>();
        for (JsonNode c : list) {
            String operator = c.path("operator").asText();
            boolean caseInsensitive = c.path("caseInsensitive").asBoolean(false);
            String value = c.hasNonNull("value") ? c.get("value").asText() : null;
            out.add(new Constraint(
                    c.path("contextName").asText(),
                    operator,
                    texts(c.path("values")),
                    value,
                    c.path("inverted").asBoolean(false),
                    caseInsensitive,
                    "REGEX".equals(operator) && value != null ? FlagRegex.compile(value, caseInsensitive) : null,
                    FlagEngine.parse(operator, value, texts(c.path("values")), caseInsensitive)));
        }
        return List.copyOf(out);
    }

    public static List<Variant> variants(JsonNode list) {
        List<Variant> out = new ArrayList<>();
        for (JsonNode v : list) {
            List<Override> overrides = new ArrayList<>();
            for (JsonNode o : v.path("overrides")) {
                overrides.add(new Override(o.path("contextName").asText(), texts(o.path("values"))));
            }
            JsonNode payload = v.get("payload");
            out.add(new Variant(
                    v.path("name").asText(),
                    v.path("weight").asInt(0),
                    payload == null || payload.isNull() ? null : payload,
                    v.hasNonNull("stickiness") ? v.get("stickiness").asText() : null,
                    List.copyOf(overrides)));
        }
        return List.copyOf(out);
    }

    private static List<String> texts(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : list) {
            if (!n.isNull()) {
                out.add(n.asText());
            }
        }
        return List.copyOf(out);
    }
}
