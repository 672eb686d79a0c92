package dev.atelier.platform.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request that cannot be served, carried to the response writer as PostgREST's error JSON
 * ({@code code, message, details, hint}) with its HTTP status. Thrown from anywhere in request
 * handling, including inside a transaction, where throwing also rolls the work back.
 */
final class ApiError extends RuntimeException {

    final int status;
    final String code;
    /** A string, or (for ambiguous embeddings) a JSON array, or null. */
    final @Nullable Object details;

    final @Nullable String hint;
    final Map<String, String> headers;

    ApiError(int status, String code, @Nullable String message, @Nullable Object details, @Nullable String hint) {
        this(status, code, message, details, hint, Map.of());
    }

    ApiError(
            int status,
            String code,
            @Nullable String message,
            @Nullable Object details,
            @Nullable String hint,
            Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
        this.hint = hint;
        this.headers = headers;
    }

    ApiError withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiError(status, code, getMessage(), details, hint, copy);
    }

    /** PGRST100: the query string could not be parsed; message and details as PostgREST words them. */
    static ApiError parse(String what, String input, int column, String details) {
        return new ApiError(
                400,
                "PGRST100",
                "\"failed to parse " + what + " (" + input + ")\" (line 1, column " + column + ")",
                details,
                null);
    }

    static ApiError invalidBody(String message) {
        return new ApiError(400, "PGRST102", message, null, null);
    }

    static ApiError columnDoesNotExist(String table, String column) {
        // What PostgreSQL itself answers for an unknown column, which is what PostgREST forwards.
        return new ApiError(400, "42703", "column " + table + "." + column + " does not exist", null, null);
    }

    static ApiError columnNotFound(String table, String column) {
        return new ApiError(
                400,
                "PGRST204",
                "Could not find the '" + column + "' column of '" + table + "' in the schema cache",
                null,
                null);
    }

    static ApiError notImplemented(String details) {
        return new ApiError(400, "PGRST127", "Feature not implemented", details, null);
    }

    static ApiError unsupportedMethod(String method) {
        return new ApiError(405, "PGRST117", "Unsupported HTTP method: " + method, null, null);
    }
}
