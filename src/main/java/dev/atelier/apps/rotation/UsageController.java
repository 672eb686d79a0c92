package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.BodyAllowance;
import dev.atelier.platform.http.ClientAddress;
import dev.atelier.platform.telemetry.Acknowledgement;
import dev.atelier.platform.telemetry.BatchWriter;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/rotation/usage}: a batch of usage events from a visitor (anon) or a user;
 * answered once they are committed (see {@link Acknowledgement}).
 */
@RestController
class UsageController {

    static final String PATH = "/api/v1/rotation/usage";

    private final Usage usage;
    private final ClientAddress clients;

    UsageController(Usage usage, ClientAddress clients) {
        this.usage = usage;
        this.clients = clients;
    }

    @Bean
    static BodyAllowance rotationUsageBody(
            @Value("${ATELIER_TELEMETRY_MAX_BODY_BYTES:${atelier.telemetry.max-body-bytes:2097152}}") int max) {
        return new BodyAllowance(PATH, max);
    }

    @PostMapping(path = PATH, produces = "application/json")
    ResponseEntity<?> ingest(
            Caller caller, @RequestBody(required = false) @Nullable JsonNode body, HttpServletRequest http)
            throws SQLException {
        CompletableFuture<Void> written;
        try {
            written = usage.accept(caller, body, http.getHeader("User-Agent"), clients.of(http));
        } catch (BatchWriter.Overloaded refusal) {
            return Acknowledgement.refused(refusal);
        }
        int events = body == null ? 0 : body.path("events").size();
        return Acknowledgement.whenWritten(written, Map.of("accepted", events));
    }
}
