package dev.atelier.platform.health;

import dev.atelier.platform.db.Database;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Liveness with a real database round trip, for load balancers and supervisors. */
@RestController
class HealthController {

    private final Database database;

    HealthController(Database database) {
        this.database = database;
    }

    @GetMapping(path = "/health", produces = "application/json")
    ResponseEntity<Map<String, String>> health() {
        boolean up = database.isReachable();
        return ResponseEntity.status(up ? 200 : 503)
                .body(Map.of("status", up ? "ok" : "unavailable", "database", up ? "up" : "down"));
    }
}
