package dev.atelier.apps.moodscale;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.atelier.platform.db.Caller;
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

    record ConnectRequest(@JsonProperty("spotify_id") String spotifyId,
                          @JsonProperty("access_token") String accessToken,
                          @JsonProperty("refresh_token") String refreshToken,
                          @JsonProperty("expires_in") Long expiresIn) {
    }

    @PutMapping(consumes = "application/json")
    SpotifyConnection.Status connect(Caller caller, @RequestBody ConnectRequest request) throws SQLException {
        return connection.connect(caller, request.spotifyId(), request.accessToken(), request.refreshToken(),
                request.expiresIn() == null ? 3600 : request.expiresIn());
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
