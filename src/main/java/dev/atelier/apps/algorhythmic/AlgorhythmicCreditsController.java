package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.ledger.CreditsApi;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/algorhythmic/credits}: the signed-in user's credits; grants and adjustments for the service role and admins. */
@RestController
@RequestMapping(path = "/api/v1/algorhythmic/credits", produces = "application/json")
class AlgorhythmicCreditsController {

    private final AlgorhythmicCredits credits;
    private final CreditsApi api;

    AlgorhythmicCreditsController(AlgorhythmicCredits credits, CreditsApi api) {
        this.credits = credits;
        this.api = api;
    }

    @GetMapping
    JsonNode balance(Caller caller) throws SQLException {
        return credits.balance(caller, user(caller));
    }

    @GetMapping("/history")
    JsonNode history(
            Caller caller,
            @RequestParam(name = "limit", required = false) @Nullable String limit,
            @RequestParam(name = "before", required = false) @Nullable String before)
            throws SQLException {
        return credits.history(caller, user(caller), CreditsApi.pageSize(limit), before);
    }

    @PostMapping(path = "/spend")
    JsonNode spend(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return api.spend(AlgorhythmicCredits.APP, user(caller), key, body);
    }

    @PostMapping(path = "/holds")
    JsonNode hold(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return api.hold(AlgorhythmicCredits.APP, user(caller), key, body);
    }

    @PostMapping(path = "/holds/{id}/capture")
    JsonNode capture(
            Caller caller,
            @PathVariable("id") String id,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return api.capture(AlgorhythmicCredits.APP, user(caller), key, id, body);
    }

    @PostMapping(path = "/holds/{id}/release")
    JsonNode release(
            Caller caller,
            @PathVariable("id") String id,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key)
            throws SQLException {
        return api.release(AlgorhythmicCredits.APP, user(caller), key, id);
    }

    @PostMapping(path = "/grant")
    JsonNode grant(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        admin(caller);
        return api.credit(AlgorhythmicCredits.APP, "grant", key, body);
    }

    @PostMapping(path = "/adjust")
    JsonNode adjust(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        admin(caller);
        return api.credit(AlgorhythmicCredits.APP, "adjust", key, body);
    }

    @PutMapping(path = "/timezone")
    JsonNode timezone(Caller caller, @RequestBody(required = false) @Nullable JsonNode body) throws SQLException {
        String userId = user(caller);
        credits.setTimezone(userId, JsonBody.text(JsonBody.object(body), "timezone"));
        return credits.balance(caller, userId);
    }

    private void admin(Caller caller) throws SQLException {
        if (!credits.mayGrant(caller)) {
            throw Problem.forbidden("only the service role or an Algorhythmic admin may grant or adjust credits");
        }
    }

    private static String user(Caller caller) {
        return caller.userId().orElseThrow(Problem::signInRequired).toString();
    }
}
