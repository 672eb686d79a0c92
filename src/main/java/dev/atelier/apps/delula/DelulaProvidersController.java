package dev.atelier.apps.delula;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code PUT /api/v1/delula/providers/{id}/credentials} {@code {"api_key": "..."}}: the service
 * role or a Delula admin stores a provider's API key, sealed by the server's keyring (the
 * database only ever holds the sealed form; nothing answers it back).
 */
@RestController
@RequestMapping(path = "/api/v1/delula/providers", produces = "application/json")
class DelulaProvidersController {

    private final DelulaProviders providers;
    private final DelulaCredits credits;

    DelulaProvidersController(DelulaProviders providers, DelulaCredits credits) {
        this.providers = providers;
        this.credits = credits;
    }

    @PutMapping("/{id}/credentials")
    ResponseEntity<Void> storeKey(
            Caller caller, @PathVariable("id") String id, @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        if (!credits.mayGrant(caller)) {
            throw Problem.forbidden("only the service role or a Delula admin may set a provider's key");
        }
        int providerId;
        try {
            providerId = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw Problem.notFound("no provider " + id);
        }
        String key = JsonBody.text(JsonBody.object(body), "api_key");
        if (key == null || key.isBlank() || key.length() > 4096) {
            throw Problem.badInput("api_key", "api_key must be a non-empty string of at most 4096 characters");
        }
        providers.storeKey(providerId, key);
        return ResponseEntity.noContent().build();
    }
}
