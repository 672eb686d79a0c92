package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * PostgreSQL errors as PostgREST reports them: the server's SQLSTATE, message, detail and hint as
 * {@code code, message, details, hint}, and PostgREST's SQLSTATE-to-HTTP table for the status.
 */
final class PgErrors {

    private PgErrors() {}

    static ApiError from(SQLException e, boolean anonymous) {
        if (e instanceof SQLTransientConnectionException) {
            // Hikari gave up waiting for a free connection.
            return ErrorCode.PGRST003.error();
        }
        ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        String state = server != null ? server.getSQLState() : e.getSQLState();
        if (server == null) {
            if (state != null && state.startsWith("08")) {
                return ErrorCode.PGRST000.error().withDetails(e.getMessage());
            }
            if (state != null && state.startsWith("22")) {
                // Raised by the driver itself while binding (e.g. a value it cannot encode): still the client's value.
                return ApiError.forwarded(400, state, e.getMessage(), null, null);
            }
            return ApiError.forwarded(500, state == null ? "PGRSTX00" : state, e.getMessage(), null, null);
        }
        String message = server.getMessage();
        String detail = server.getDetail();
        String hint = server.getHint();
        if ("PGRST".equals(state)) {
            return raisedPgrst(message, detail);
        }
        int status = status(state, message, anonymous);
        ApiError error = ApiError.forwarded(status, state, message, detail, hint);
        return status == 401 ? error.withHeader("WWW-Authenticate", "Bearer") : error;
    }

    static int status(String state, String message, boolean anonymous) {
        if (state == null || state.length() != 5) {
            return 500;
        }
        switch (state) {
            case "23503", "23505":
                return 409;
            case "25006":
                return 405;
            case "21000":
                return message != null && message.endsWith("requires a WHERE clause") ? 400 : 500;
            case "22023":
                return message != null && message.startsWith("role") && message.endsWith("does not exist") ? 401 : 400;
            case "53400":
                return 500;
            case "57P01":
                return 503;
            case "P0001":
                return 400;
            case "42883":
                return message != null && message.startsWith("function xmlagg(") ? 406 : 404;
            case "42P01":
                return 404;
            case "42P17":
                return 500;
            case "42501":
                return anonymous ? 401 : 403;
            default:
                break;
        }
        if (state.startsWith("PT")) {
            // RAISE ... USING ERRCODE = 'PT402' sets the HTTP status, as in PostgREST.
            try {
                int code = Integer.parseInt(state.substring(2));
                return code >= 100 && code <= 599 ? code : 500;
            } catch (NumberFormatException ignored) {
                return 500;
            }
        }
        return switch (state.substring(0, 2)) {
            case "08", "53" -> 503;
            case "09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "P0", "XX" -> 500;
            case "0L", "0P", "28" -> 403;
            default -> 400;
        };
    }

    private static final String MESSAGE_HINT =
            "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.";
    private static final String DETAIL_HINT =
            "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";

    /**
     * RAISE SQLSTATE 'PGRST' USING MESSAGE = '{"code":..,"message":..}', DETAIL = '{"status":..,"headers":{..}}'.
     * A MESSAGE or DETAIL that is not such an object is PGRST121, with PostgREST's details and hint
     * for each case (a DETAIL without "headers" is taken, as before).
     */
    private static ApiError raisedPgrst(String message, @org.jspecify.annotations.Nullable String detail) {
        JsonNode m = parse(message);
        if (m == null || !m.isObject() || !m.hasNonNull("code") || !m.hasNonNull("message")) {
            return ErrorCode.PGRST121
                    .error()
                    .withDetails("Invalid JSON value for MESSAGE: '" + message + "'")
                    .withHint(MESSAGE_HINT);
        }
        if (detail == null) {
            return ErrorCode.PGRST121
                    .error()
                    .withDetails("DETAIL is missing in the RAISE statement")
                    .withHint(DETAIL_HINT);
        }
        JsonNode d = parse(detail);
        if (d == null || !d.isObject() || !d.has("status")) {
            return ErrorCode.PGRST121
                    .error()
                    .withDetails("Invalid JSON value for DETAIL: '" + detail + "'")
                    .withHint(DETAIL_HINT);
        }
        ApiError error = ApiError.forwarded(
                d.get("status").asInt(500),
                m.get("code").asText(),
                m.get("message").asText(),
                m.hasNonNull("details") ? m.get("details").asText() : null,
                m.hasNonNull("hint") ? m.get("hint").asText() : null);
        if (d.has("headers") && d.get("headers").isObject()) {
            for (var it = d.get("headers").fields(); it.hasNext(); ) {
                var h = it.next();
                error = error.withHeader(h.getKey(), h.getValue().asText());
            }
        }
        return error;
    }

    private static @org.jspecify.annotations.Nullable JsonNode parse(String text) {
        try {
            return Payload.mapper().readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
