package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import java.sql.SQLException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/rotation/discogs-connection}: link, inspect and unlink the caller's Discogs
 * account. Unlinking also works as a plain DELETE on rotation.discogs_tokens through the data API,
 * which RLS allows for one's own row.
 */
@RestController
@RequestMapping(path = "/api/v1/rotation/discogs-connection", produces = "application/json")
class DiscogsConnectionController {

    private final DiscogsConnection connection;

    DiscogsConnectionController(DiscogsConnection connection) {
        this.connection = connection;
    }

    /**
     * The body is read as a tree rather than bound to a record, so that a field of the wrong type
     * is answered with a problem naming that field, like every other bad field.
     */
    @PutMapping(consumes = "application/json")
    DiscogsConnection.Status connect(Caller caller, @RequestBody JsonNode body) throws SQLException {
        JsonBody.object(body);
        return connection.connect(
                caller,
                JsonBody.text(body, "username"),
                JsonBody.text(body, "access_token"),
                JsonBody.text(body, "access_secret"));
    }

    @GetMapping
    DiscogsConnection.Status status(Caller caller) throws SQLException {
        return connection.status(caller);
    }

    @DeleteMapping
    ResponseEntity<Void> disconnect(Caller caller) throws SQLException {
        connection.disconnect(caller);
        return ResponseEntity.noContent().build();
    }
}
