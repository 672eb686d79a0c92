package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/algorhythmic/generations}: a signed-in user starts the generation of an artwork
 * (202 with the generation; 200 with the same one when the Idempotency-Key is used again) and
 * follows it until its artwork is in the pool.
 */
@RestController
@RequestMapping(path = "/api/v1/algorhythmic/generations", produces = "application/json")
class ArtGenerationsController {

    private final ArtGenerations generations;

    ArtGenerationsController(ArtGenerations generations) {
        this.generations = generations;
    }

    @PostMapping
    ResponseEntity<JsonNode> start(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        String userId = user(caller);
        ArtGenerations.Request request = ArtGenerations.parse(JsonBody.object(body));
        ArtGenerations.Started started = generations.start(caller, userId, key, request);
        return ResponseEntity.status(started.created() ? 202 : 200).body(started.generation());
    }

    @GetMapping(path = "/{id}")
    JsonNode get(Caller caller, @PathVariable String id) throws SQLException {
        if (id.length() > 64) {
            throw Problem.notFound("no generation of yours has this id");
        }
        return generations.status(caller, user(caller), id);
    }

    private static String user(Caller caller) {
        return caller.userId().orElseThrow(Problem::signInRequired).toString();
    }
}
