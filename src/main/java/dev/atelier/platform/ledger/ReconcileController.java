package dev.atelier.platform.ledger;

import dev.atelier.platform.db.Caller;
import java.net.URI;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/admin/ledger/reconcile}: the reconcile, for the service role only. */
@RestController
class ReconcileController {

    private final Ledger ledger;

    ReconcileController(Ledger ledger) {
        this.ledger = ledger;
    }

    @GetMapping(
            path = "/api/v1/admin/ledger/reconcile",
            produces = {"application/json", "application/problem+json"})
    ResponseEntity<Object> reconcile(Caller caller) throws SQLException {
        if (!caller.role().equals("service_role")) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.FORBIDDEN, "only the service role may run the ledger reconcile");
            problem.setTitle("Forbidden");
            problem.setType(URI.create("about:blank"));
            return ResponseEntity.status(HttpStatus.FORBIDDEN)
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .body(problem);
        }
        List<Ledger.Drift> drifts = ledger.reconcile();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("drifts", drifts);
        body.put("drift", drifts.size());
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
