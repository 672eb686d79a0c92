package dev.atelier.apps.rotation;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.atelier.platform.db.Caller;
import java.sql.SQLException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rotation/discogs-connection}: link the caller's Discogs account. Unlinking is a
 * plain DELETE on rotation.discogs_tokens through the data API, which RLS allows for one's own row.
 */
@RestController
@RequestMapping(path = "/api/v1/rotation/discogs-connection", produces = "application/json")
class DiscogsConnectionController {

    private final DiscogsConnection connection;

    DiscogsConnectionController(DiscogsConnection connection) {
        this.connection = connection;
    }

    record ConnectRequest(String username,
                          @JsonProperty("access_token") String accessToken,
                          @JsonProperty("access_secret") String accessSecret) {
    }

    @PutMapping(consumes = "application/json")
    DiscogsConnection.Status connect(Caller caller, @RequestBody ConnectRequest request) throws SQLException {
        return connection.connect(caller, request.username(), request.accessToken(), request.accessSecret());
    }

    @GetMapping
    DiscogsConnection.Status status(Caller caller) throws SQLException {
        return connection.status(caller);
    }
}
