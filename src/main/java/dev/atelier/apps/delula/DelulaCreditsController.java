package dev.atelier.apps.delula;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.ledger.CreditsApi;
import dev.atelier.platform.ledger.CreditsEndpoints;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/delula/credits}: the signed-in user's credits; grants and adjustments for the service role and admins. */
@RestController
@RequestMapping(path = "/api/v1/delula/credits", produces = "application/json")
class DelulaCreditsController extends CreditsEndpoints {

    private final DelulaCredits credits;

    DelulaCreditsController(DelulaCredits credits, CreditsApi api) {
        super(api, DelulaCredits.APP, "a Delula");
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
}
