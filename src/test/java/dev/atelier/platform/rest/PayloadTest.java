package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadTest {

    private static Payload parse(String body) {
        return Payload.parse(body.getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void readsTheKeysOfAnObjectAndWrapsItAsAnArray() {
        Payload p = parse("{\"b\":1,\"a\":{\"nested\":true}}");
        assertThat(p.keys).containsExactly("b", "a");
        assertThat(p.asArrayText()).isEqualTo("[{\"b\":1,\"a\":{\"nested\":true}}]");
    }

    @Test
    void acceptsArraysOfObjectsWithTheSameKeys() {
        Payload p = parse("[{\"a\":1,\"b\":2},{\"b\":3,\"a\":4}]");
        assertThat(p.isArray()).isTrue();
        assertThat(p.keys).containsExactlyInAnyOrder("a", "b");
        assertThat(parse("[]").keys).isEmpty();
    }

    @Test
    void refusesArraysWhoseObjectsDiffer() {
        assertThatThrownBy(() -> parse("[{\"a\":1},{\"b\":2}]")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.code).isEqualTo("PGRST102");
            assertThat(e.getMessage()).isEqualTo("All object keys must match");
        });
        assertThatThrownBy(() -> parse("[{\"a\":1}, 5]")).isInstanceOf(ApiError.class);
        assertThat(Payload.parse("[{\"a\":1},{\"b\":2}]".getBytes(StandardCharsets.UTF_8), false)
                        .isArray())
                .isTrue();
    }

    @Test
    void refusesMalformedOrEmptyJson() {
        for (String bad : new String[] {"", "  ", "{\"a\":", "{\"a\":1} trailing", "nul", "[1,]"}) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOfSatisfying(ApiError.class, e -> {
                assertThat(e.status).isEqualTo(400);
                assertThat(e.code).isEqualTo("PGRST102");
            });
        }
    }

    @Test
    void refusesScalars() {
        assertThatThrownBy(() -> parse("42")).isInstanceOf(ApiError.class);
        assertThatThrownBy(() -> parse("\"text\"")).isInstanceOf(ApiError.class);
    }
}
