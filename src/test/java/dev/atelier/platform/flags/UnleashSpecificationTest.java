package dev.atelier.platform.flags;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.flags.FlagModel.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Unleash's client specification, read from the pinned npm package {@code @unleash/client-specification}
 * (test/js, installed by the build before the tests run): every toggle and variant case of every
 * file that index.json lists.
 */
class UnleashSpecificationTest {

    static final Path SPEC = Path.of("test/js/node_modules/@unleash/client-specification/specifications");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One case of the specification: a toggle case has a boolean, a variant case an object. */
    record Case(String file, Snapshot state, String toggle, JsonNode context, JsonNode expected, String description) {}

    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        for (JsonNode file : JSON.readTree(SPEC.resolve("index.json").toFile())) {
            JsonNode spec = JSON.readTree(Files.readString(SPEC.resolve(file.asText())));
            Snapshot state = FlagJson.state(spec.get("state"));
            for (String kind : List.of("tests", "variantTests")) {
                for (JsonNode t : spec.path(kind)) {
                    cases.add(new Case(
                            file.asText(),
                            state,
                            t.get("toggleName").asText(),
                            t.path("context"),
                            t.get("expectedResult"),
                            t.path("description").asText()));
                }
            }
        }
        return cases;
    }

    static JsonNode actual(Case c) {
        FlagContext ctx = FlagContext.of(c.context());
        if (c.expected().isBoolean()) {
            return JSON.getNodeFactory().booleanNode(FlagEngine.isEnabled(c.state(), c.toggle(), ctx));
        }
        FlagEngine.VariantResult v = FlagEngine.variant(c.state(), c.toggle(), ctx);
        var node = JSON.createObjectNode();
        node.put("name", v.name());
        if (v.payload() != null) {
            node.set("payload", v.payload());
        }
        node.put("enabled", v.enabled());
        node.put("feature_enabled", v.featureEnabled());
        return node;
    }

    /** Expected variant fields must match; {@code feature_enabled}/{@code featureEnabled} when given. */
    static boolean matches(JsonNode expected, JsonNode actual) {
        if (expected.isBoolean()) {
            return expected.equals(actual);
        }
        if (!expected.path("name").equals(actual.path("name"))
                || !expected.path("enabled").equals(actual.path("enabled"))
                || !expected.path("payload").equals(actual.path("payload"))) {
            return false;
        }
        JsonNode fe =
                expected.has("feature_enabled") ? expected.get("feature_enabled") : expected.get("featureEnabled");
        return fe == null || fe.equals(actual.get("feature_enabled"));
    }

    @Test
    void everyCaseOfEveryFilePasses() throws IOException {
        JsonNode index = JSON.readTree(SPEC.resolve("index.json").toFile());
        List<Case> cases = cases();
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            JsonNode actual = actual(c);
            if (!matches(c.expected(), actual)) {
                failures.add(c.file() + " / " + c.toggle() + " / " + c.description() + " ctx=" + c.context()
                        + ": expected " + c.expected() + ", got " + actual);
            }
        }
        System.out.printf(
                "Unleash client specification: %d files, %d cases, %d passed%n",
                index.size(), cases.size(), cases.size() - failures.size());
        assertThat(failures).isEmpty();
        assertThat(index.size()).isEqualTo(22);
        assertThat(cases).hasSize(279);
    }
}
