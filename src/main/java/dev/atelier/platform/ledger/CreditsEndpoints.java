package dev.atelier.platform.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The credits endpoints every app with a ledger has, written once: an app's controller extends
 * this with its own {@code @RequestMapping("/api/v1/<app>/credits")} and says how its users see
 * their balance and history and who may grant. Spending, holds and grants go through
 * {@link CreditsApi} on the app's ledger binding.
 */
public abstract class CreditsEndpoints {

    private final CreditsApi api;
    private final String app;
    private final String appName;

    /** {@code app} is the ledger binding's name, {@code appName} how errors name the app. */
    protected CreditsEndpoints(CreditsApi api, String app, String appName) {
        this.api = api;
        this.app = app;
        this.appName = appName;
    }

    /** What {@code GET …/credits} answers for this user. */
    protected abstract JsonNode account(Caller caller, String userId) throws SQLException;

    /** One page of the user's ledger, newest first. */
    protected abstract JsonNode entries(Caller caller, String userId, int limit, @Nullable String before)
            throws SQLException;

    /** The service role or the app's admin. */
    protected abstract boolean mayGrant(Caller caller) throws SQLException;

    @GetMapping
    public JsonNode balance(Caller caller) throws SQLException {
        return account(caller, user(caller));
    }

    @GetMapping("/history")
    public JsonNode history(
            Caller caller,
            @RequestParam(name = "limit", required = false) @Nullable String limit,
            @RequestParam(name = "before", required = false) @Nullable String before)
            throws SQLException {
        return entries(caller, user(caller), CreditsApi.pageSize(limit), before);
    }

    @PostMapping(path = "/spend")
    public JsonNode spend(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return api.spend(app, user(caller), key, body);
    }

    @PostMapping(path = "/holds")
    public JsonNode hold(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return api.hold(app, user(caller), key, body);
    }

    @PostMapping(path = "/holds/{id}/capture")
    public JsonNode capture(
            Caller caller,
            @PathVariable("id") String id,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        return api.capture(app, user(caller), key, id, body);
    }

    @PostMapping(path = "/holds/{id}/release")
    public JsonNode release(
            Caller caller,
            @PathVariable("id") String id,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key)
            throws SQLException {
        return api.release(app, user(caller), key, id);
    }

    @PostMapping(path = "/grant")
    public JsonNode grant(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        admin(caller);
        return api.credit(app, "grant", key, body);
    }

    @PostMapping(path = "/adjust")
    public JsonNode adjust(
            Caller caller,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String key,
            @RequestBody(required = false) @Nullable JsonNode body)
            throws SQLException {
        admin(caller);
        return api.credit(app, "adjust", key, body);
    }

    private void admin(Caller caller) throws SQLException {
        if (!mayGrant(caller)) {
            throw Problem.forbidden("only the service role or " + appName + " admin may grant or adjust credits");
        }
    }

    /** The signed-in user's id, or 401. */
    protected static String user(Caller caller) {
        return caller.userId().orElseThrow(Problem::signInRequired).toString();
    }
}
