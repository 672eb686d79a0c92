package dev.atelier.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest.Response;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The role × verb × outcome vocabulary and the answer checks the apps' access-matrix tests share,
 * so that each test keeps only its own table of expectations, its seeds and its owner-side checks.
 */
public final class AccessMatrix {

    private AccessMatrix() {}

    /** Who acts on a row owned by somebody. */
    public enum Actor {
        ANON,
        OWNER,
        OTHER_USER,
        ADMIN,
        SERVICE_ROLE
    }

    public enum Verb {
        SELECT,
        INSERT,
        UPDATE,
        DELETE
    }

    /**
     * DENIED: a missing grant, 401 (anon) / 403 (a user, or the service role) with 42501.
     * REFUSED: RLS refuses an insert, also 42501. ALLOWED: the verb took effect. HIDDEN: RLS lets
     * 0 rows through (200/204), and the row is unchanged.
     */
    public enum Outcome {
        DENIED,
        REFUSED,
        ALLOWED,
        HIDDEN
    }

    /** A /rest/v1 client sending {@code token} as the bearer, reading and writing {@code schema}. */
    public static Rest client(String schema, String token) {
        return Rest.as(token).with("Accept-Profile", schema).with("Content-Profile", schema);
    }

    /** The bearer token of {@code actor}: the anon key, one of the given users' tokens, or the service key. */
    public static String token(Actor actor, String ownerToken, String otherUserToken, String adminToken) {
        TestServer server = TestServer.get();
        return switch (actor) {
            case ANON -> server.anonKey();
            case OWNER -> ownerToken;
            case OTHER_USER -> otherUserToken;
            case ADMIN -> adminToken;
            case SERVICE_ROLE -> server.serviceKey();
        };
    }

    /** Adds one cell per actor: (table, verb, actor, outcome), outcomes in {@link Actor} order. */
    public static void row(List<Arguments> cells, String table, Verb verb, Outcome... byActor) {
        for (Actor actor : Actor.values()) {
            cells.add(Arguments.of(table, verb, actor, byActor[actor.ordinal()]));
        }
    }

    /** 401 for anon, 403 otherwise, with PostgreSQL's 42501 as the code. */
    public static void assertDenied(Response response, boolean anonymous) {
        assertThat(response.status()).as(response.body()).isEqualTo(anonymous ? 401 : 403);
        assertThat(response.json().path("code").asText()).as(response.body()).isEqualTo("42501");
    }

    public static void assertDenied(Response response, Actor actor) {
        assertDenied(response, actor == Actor.ANON);
    }

    /**
     * A SELECT of one row's key: denied, or 200 with the row (ALLOWED) or without it (HIDDEN).
     * Returns the rows read, or null when denied.
     */
    public static JsonNode assertSelectAnswer(Response response, Actor actor, Outcome expected) {
        if (expected == Outcome.DENIED) {
            assertDenied(response, actor);
            return null;
        }
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode rows = response.json();
        assertThat(rows.size()).as(response.body()).isEqualTo(expected == Outcome.ALLOWED ? 1 : 0);
        return rows;
    }

    /** An INSERT: 201 when allowed, denied (grant or RLS) otherwise. */
    public static void assertInsertAnswer(Response response, Actor actor, Outcome expected) {
        switch (expected) {
            case DENIED, REFUSED -> assertDenied(response, actor);
            case ALLOWED -> assertThat(response.status()).as(response.body()).isEqualTo(201);
            default -> throw new IllegalArgumentException(expected.name());
        }
    }

    /** An UPDATE or DELETE: denied, or 200/204 (whether it touched the row is the caller's check). */
    public static void assertChangeAnswer(Response response, Actor actor, Outcome expected) {
        if (expected == Outcome.DENIED) {
            assertDenied(response, actor);
        } else {
            assertThat(response.status()).as(response.body()).isIn(200, 204);
        }
    }
}
