package dev.atelier.apps.delula;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.Problem;
import java.net.URI;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/delula/generations}: start a generation from a recipe (202 with the queued
 * generation, 201 when a backlog video served it at once), read it by short id (its owner, or
 * anyone once shared), and share it.
 */
@RestController
@RequestMapping(path = "/api/v1/delula/generations", produces = "application/json")
class DelulaGenerationsController {

    private final DelulaGenerations generations;

    DelulaGenerationsController(DelulaGenerations generations) {
        this.generations = generations;
    }

    @PostMapping
    ResponseEntity<ObjectNode> start(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        String userId = caller.userId().orElseThrow(Problem::signInRequired).toString();
        DelulaGenerations.Started started = generations.start(userId, key, body);
        ObjectNode generation = started.generation();
        // A replay answers as the first request did: 201 for a backlog video, else 202.
        HttpStatus status =
                started.fromBacklog() || generation.path("source").asText().equals("backlog")
                        ? HttpStatus.CREATED
                        : HttpStatus.ACCEPTED;
        ResponseEntity.BodyBuilder reply = ResponseEntity.status(status)
                .location(URI.create(generation.path("links").path("self").asText("/api/v1/delula/generations")));
        if (started.replayed()) {
            reply = reply.header("Idempotent-Replayed", "true");
        }
        return reply.body(generation);
    }

    @GetMapping("/{shortId}")
    ObjectNode read(Caller caller, @PathVariable("shortId") String shortId) throws SQLException {
        return generations.read(caller, shortId);
    }

    @PostMapping("/{shortId}/share")
    ObjectNode share(
            Caller caller,
            @PathVariable("shortId") String shortId,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return generations.share(caller, shortId, body);
    }

    @PatchMapping("/{shortId}/share")
    ObjectNode reshare(
            Caller caller,
            @PathVariable("shortId") String shortId,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return generations.share(caller, shortId, body);
    }
}
