package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestSchema;
import dev.atelier.testing.TestServer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Test data for the Data API: clients aimed at the tests' own schema (rest_fixture, made by the
 * test migrations in src/test/resources/db/test-migration), object mothers for its rows, and
 * self-signed tokens for the JWT error cases.
 */
final class Fixtures {

    /** The schema the Data API tests use; never an app's. */
    static final String SCHEMA = TestSchema.NAME;

    private Fixtures() {}

    /** Requests without a token (only the anon key), to the test schema. */
    static Rest anon() {
        return inSchema(Rest.anon());
    }

    /** Requests as service_role, to the test schema. */
    static Rest service() {
        return inSchema(Rest.service());
    }

    /** Requests with {@code accessToken}, to the test schema. */
    static Rest as(String accessToken) {
        return inSchema(Rest.as(accessToken));
    }

    /** {@code text} parsed as JSON. */
    static JsonNode json(String text) {
        try {
            return Rest.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The response's status is {@code status} and its body the JSON {@code body} (compared as JSON). */
    static void assertBody(Rest.Response response, int status, String body) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.json()).isEqualTo(json(body));
    }

    /** Reads and writes go to the test schema, through the profile headers supabase-js's .schema() sends. */
    private static Rest inSchema(Rest rest) {
        return rest.with("Accept-Profile", SCHEMA).with("Content-Profile", SCHEMA);
    }

    static Map<String, Object> character(UUID userId, String name, String primary, String secondary) {
        Map<String, Object> character = new LinkedHashMap<>();
        character.put("user_id", userId.toString());
        character.put("name", name);
        character.put("primary_trait", primary);
        character.put("secondary_trait", secondary);
        return character;
    }

    static Map<String, Object> tale(UUID userId, String characterId, String title, String content) {
        Map<String, Object> tale = new LinkedHashMap<>();
        tale.put("user_id", userId.toString());
        tale.put("character_id", characterId);
        tale.put("title", title);
        tale.put("content", content);
        tale.put("event_data", Map.of("kind", title.toLowerCase(), "level", title.length()));
        return tale;
    }

    /** A token signed with the server's own secret, with whatever role and expiry the test wants. */
    static String token(String role, Instant expires) {
        return TestServer.get().token(role, UUID.randomUUID(), expires);
    }

    /** A well-formed token signed with a secret the server does not know. */
    static String forgedToken(String role) {
        return TestServer.tokenSignedWith(
                "not-the-servers-secret-0123456789abcdefghijklmnop",
                role,
                UUID.randomUUID(),
                Instant.now().plusSeconds(3600));
    }
}
