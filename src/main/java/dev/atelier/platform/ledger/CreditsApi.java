package dev.atelier.platform.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The HTTP half of the credits endpoints every app with credits has ({@code /api/v1/<app>/credits}):
 * reads and checks the input, naming the field at fault, runs the operation through the
 * {@link Ledger} and turns a refusal into the problem the issue names (402 short, 404, 409 key
 * reused or hold not open). The apps' controllers decide who the user is and who may grant.
 */
@Component
public class CreditsApi {

    /** Printable ASCII without spaces, as Stripe's and most clients' keys are; at most 255. */
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private static final int MAX_AMOUNT = 1_000_000_000;
    private static final int MAX_DESCRIPTION = 500;
    private static final int MAX_HOLD_SECONDS = 7 * 24 * 3600;

    private final Ledger ledger;

    CreditsApi(Ledger ledger) {
        this.ledger = ledger;
    }

    public JsonNode spend(String app, String userId, @Nullable String key, @Nullable JsonNode body)
            throws SQLException {
        JsonNode in = JsonBody.object(body);
        ObjectNode request = Ledger.request("spend").put("amount", positive(in, "amount"));
        description(in, "description", request);
        return run(app, userId, key, request);
    }

    public JsonNode hold(String app, String userId, @Nullable String key, @Nullable JsonNode body) throws SQLException {
        JsonNode in = JsonBody.object(body);
        ObjectNode request = Ledger.request("hold").put("amount", positive(in, "amount"));
        description(in, "description", request);
        JsonNode ttl = in.get("ttl_seconds");
        if (ttl != null && !ttl.isNull()) {
            if (!ttl.canConvertToInt()
                    || !ttl.isIntegralNumber()
                    || ttl.intValue() < 1
                    || ttl.intValue() > MAX_HOLD_SECONDS) {
                throw Problem.badInput(
                        "ttl_seconds", "ttl_seconds must be a whole number from 1 to " + MAX_HOLD_SECONDS);
            }
            request.put("ttl_seconds", ttl.intValue());
        }
        return run(app, userId, key, request);
    }

    public JsonNode capture(String app, String userId, @Nullable String key, String holdId, @Nullable JsonNode body)
            throws SQLException {
        ObjectNode request = Ledger.request("capture").put("hold_id", holdId(holdId));
        if (body != null && !body.isNull() && !body.isMissingNode()) {
            JsonNode in = JsonBody.object(body);
            if (in.has("amount") && !in.get("amount").isNull()) {
                request.put("amount", positive(in, "amount"));
            }
        }
        return run(app, userId, key, request);
    }

    public JsonNode release(String app, String userId, @Nullable String key, String holdId) throws SQLException {
        return run(app, userId, key, Ledger.request("release").put("hold_id", holdId(holdId)));
    }

    /** Grant ({@code grant}, amount > 0) or adjustment ({@code adjust}, amount not 0) for {@code user_id}. */
    public JsonNode credit(String app, String op, @Nullable String key, @Nullable JsonNode body) throws SQLException {
        JsonNode in = JsonBody.object(body);
        String userId = userId(in);
        int amount = op.equals("grant") ? positive(in, "amount") : nonZero(in, "amount");
        ObjectNode request = Ledger.request(op).put("amount", amount);
        String reason = JsonBody.text(in, "reason");
        if (reason == null || reason.isBlank() || reason.length() > MAX_DESCRIPTION) {
            throw Problem.badInput("reason", "reason is required, at most " + MAX_DESCRIPTION + " characters");
        }
        request.put("description", reason);
        return run(app, userId, key, request);
    }

    /** The {@code limit} of a history page: 1 to 100, 50 when absent. */
    public static int pageSize(@Nullable String limit) {
        if (limit == null) {
            return 50;
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= 100) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badInput("limit", "limit must be a whole number from 1 to 100");
    }

    /** The {@code user_id} field of a grant or adjustment: an account id (a uuid). */
    public static String userId(JsonNode in) {
        String userId = JsonBody.text(in, "user_id");
        if (userId == null) {
            throw Problem.badInput("user_id", "user_id is required");
        }
        try {
            return UUID.fromString(userId).toString();
        } catch (IllegalArgumentException e) {
            throw Problem.badInput("user_id", "user_id must be a uuid");
        }
    }

    private JsonNode run(String app, String userId, @Nullable String key, ObjectNode request) throws SQLException {
        if (key == null || key.isEmpty()) {
            throw Problem.badInput("Idempotency-Key", "the Idempotency-Key header is required");
        }
        if (!KEY.matcher(key).matches()) {
            throw Problem.badInput(
                    "Idempotency-Key", "the Idempotency-Key must be 1 to 255 printable characters without spaces");
        }
        Ledger.Outcome outcome;
        try {
            outcome = ledger.execute(app, userId, key, request);
        } catch (SQLException e) {
            if ("23503".equals(e.getSQLState())) {
                throw Problem.notFound("no " + app + " user " + userId);
            }
            throw e;
        }
        ObjectNode body = ((ObjectNode) outcome.body()).deepCopy();
        body.remove("status");
        String detail = body.path("detail").asText("");
        return switch (outcome.status()) {
            case 200 -> body;
            case 402 -> throw Problem.paymentRequired(detail);
            case 404 -> throw Problem.notFound(detail);
            case 409 -> throw Problem.conflict(detail);
            default -> throw new SQLException("the ledger answered status " + outcome.status());
        };
    }

    private static int positive(JsonNode in, String field) {
        int amount = integer(in, field);
        if (amount < 1) {
            throw Problem.badInput(field, field + " must be at least 1");
        }
        return amount;
    }

    private static int nonZero(JsonNode in, String field) {
        int amount = integer(in, field);
        if (amount == 0) {
            throw Problem.badInput(field, field + " must not be 0");
        }
        return amount;
    }

    private static int integer(JsonNode in, String field) {
        JsonNode value = in.get(field);
        if (value == null || value.isNull()) {
            throw Problem.badInput(field, field + " is required");
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || Math.abs(value.longValue()) > MAX_AMOUNT) {
            throw Problem.badInput(field, field + " must be a whole number of credits up to " + MAX_AMOUNT);
        }
        return value.intValue();
    }

    private static void description(JsonNode in, String field, ObjectNode request) {
        String text = JsonBody.text(in, field);
        if (text != null) {
            if (text.length() > MAX_DESCRIPTION) {
                throw Problem.badInput(field, field + " may be at most " + MAX_DESCRIPTION + " characters");
            }
            request.put("description", text);
        }
    }

    private static String holdId(String holdId) {
        try {
            return UUID.fromString(holdId).toString();
        } catch (IllegalArgumentException e) {
            throw Problem.notFound("no such hold");
        }
    }
}
