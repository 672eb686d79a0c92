package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.BodyAllowance;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.telemetry.Acknowledgement;
import dev.atelier.platform.telemetry.BatchWriter;
import java.sql.SQLException;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/algorhythmic/telemetry}: a signed-in user's batch of RAI events for one
 * session; answered once the events are committed (see {@link Acknowledgement}).
 */
@RestController
class TelemetryController {

    static final String PATH = "/api/v1/algorhythmic/telemetry";

    private final Telemetry telemetry;

    TelemetryController(Telemetry telemetry) {
        this.telemetry = telemetry;
    }

    /** Batches of up to a thousand events are larger than the domain endpoints' default cap. */
    @Bean
    static BodyAllowance algorhythmicTelemetryBody(
            @Value("${ATELIER_TELEMETRY_MAX_BODY_BYTES:${atelier.telemetry.max-body-bytes:2097152}}") int max) {
        return new BodyAllowance(PATH, max);
    }

    @PostMapping(path = PATH, produces = "application/json")
    ResponseEntity<?> ingest(Caller caller, @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        String userId = caller.userId().orElseThrow(Problem::signInRequired).toString();
        Telemetry.Accepted accepted;
        try {
            accepted = telemetry.accept(caller, userId, body);
        } catch (BatchWriter.Overloaded refusal) {
            return Acknowledgement.refused(refusal);
        }
        return Acknowledgement.whenWritten(
                accepted.written(), Map.of("session_id", accepted.sessionId(), "accepted", accepted.events()));
    }
}
