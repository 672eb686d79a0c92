package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.ledger.CreditsApi;
import dev.atelier.platform.ledger.CreditsEndpoints;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/algorhythmic/credits}: the signed-in user's credits, tier and cycle, and the zone
 * their cycles end in; grants and adjustments for the service role and admins.
 */
@RestController
@RequestMapping(path = "/api/v1/algorhythmic/credits", produces = "application/json")
class AlgorhythmicCreditsController extends CreditsEndpoints {

    private final AlgorhythmicCredits credits;

    AlgorhythmicCreditsController(AlgorhythmicCredits credits, CreditsApi api) {
        super(api, AlgorhythmicCredits.APP, "an Algorhythmic");
        this.credits = credits;
    }

    @Override
    protected JsonNode account(Caller caller, String userId) throws SQLException {
        return credits.balance(caller, userId);
    }

    @Override
    protected JsonNode entries(Caller caller, String userId, int limit, @Nullable String before) throws SQLException {
        return credits.history(caller, userId, limit, before);
    }

    @Override
    protected boolean mayGrant(Caller caller) throws SQLException {
        return credits.mayGrant(caller);
    }

    @PutMapping(path = "/timezone")
    JsonNode timezone(Caller caller, @RequestBody(required = false) @Nullable JsonNode body) throws SQLException {
        String userId = user(caller);
        credits.setTimezone(userId, JsonBody.text(JsonBody.object(body), "timezone"));
        return credits.balance(caller, userId);
    }
}
