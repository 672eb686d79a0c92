package dev.atelier.platform.settings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/maintenance}: the maintenance windows active now or still to come, for anyone
 * (anon included) so clients can show a banner. Served from the settings snapshot (no query);
 * who created a window is not shown.
 */
@RestController
class MaintenanceController {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SettingsService settings;

    MaintenanceController(SettingsService settings) {
        this.settings = settings;
    }

    @GetMapping(path = "/api/v1/maintenance", produces = "application/json")
    ObjectNode current() {
        Instant now = settings.now();
        ObjectNode out = JSON.createObjectNode();
        ArrayNode active = out.putArray("active");
        ArrayNode upcoming = out.putArray("upcoming");
        for (MaintenanceWindow w : settings.currentAndUpcoming()) {
            ObjectNode n = (w.activeAt(now) ? active : upcoming).addObject();
            n.put("id", w.id());
            n.put("title", w.title());
            n.put("description", w.description());
            n.put("maintenance_type", w.type());
            ArrayNode services = n.putArray("affected_services");
            w.services().forEach(services::add);
            n.put("starts_at", w.startsAt().toString());
            n.put("ends_at", w.endsAt().toString());
            n.put("is_emergency", w.emergency());
            n.put("impact_level", w.impact());
            if (w.activeAt(now)) {
                n.put("retry_after_seconds", w.retryAfterSeconds(now));
            }
        }
        return out;
    }
}
