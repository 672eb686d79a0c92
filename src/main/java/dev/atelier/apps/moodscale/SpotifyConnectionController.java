package dev.atelier.apps.moodscale;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/moodscale/spotify-connection}: store, inspect and remove the caller's Spotify tokens. */
@RestController
@RequestMapping(path = "/api/v1/moodscale/spotify-connection", produces = "application/json")
class SpotifyConnectionController {

    private final SpotifyConnection connection;

    SpotifyConnectionController(SpotifyConnection connection) {
        this.connection = connection;
    }

    /**
     * The body is read as a tree rather than bound to a record, so that a field of the wrong type
     * is answered with a problem naming that field, like every other bad field. expires_in defaults
     * to Spotify's usual 3600 seconds.
     */
    @PutMapping(consumes = "application/json")
    SpotifyConnection.Status connect(Caller caller, @RequestBody JsonNode body) throws SQLException {
        JsonBody.object(body);
        JsonNode expiresIn = body.get("expires_in");
        long seconds = 3600;
        if (expiresIn != null && !expiresIn.isNull()) {
            if (!expiresIn.isIntegralNumber() || !expiresIn.canConvertToLong()) {
                throw Problem.badInput("expires_in", "expires_in must be a whole number of seconds");
            }
            seconds = expiresIn.longValue();
        }
        return connection.connect(
                caller,
                JsonBody.text(body, "spotify_id"),
                JsonBody.text(body, "access_token"),
                JsonBody.text(body, "refresh_token"),
                seconds);
    }

    @GetMapping
    SpotifyConnection.Status status(Caller caller) throws SQLException {
        return connection.status(caller);
    }

    @DeleteMapping
    ResponseEntity<Void> disconnect(Caller caller) throws SQLException {
        connection.disconnect(caller);
        return ResponseEntity.noContent().build();
    }
}
