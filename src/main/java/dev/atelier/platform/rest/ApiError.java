package dev.atelier.platform.rest;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request that cannot be served, carried to the response writer as PostgREST's error JSON
 * ({@code code, message, details, hint}) with its HTTP status. Thrown from anywhere in request
 * handling, including inside a transaction, where throwing also rolls the work back. The Data
 * API's own errors come from {@link ErrorCode}; the database's are {@link #forwarded}.
 */
final class ApiError extends RuntimeException {

    final int status;
    final String code;
    /** A string, or (for ambiguous embeddings) a JSON array, or null. */
    final @Nullable Object details;

    final @Nullable String hint;
    final Map<String, String> headers;

    /** Only {@link ErrorCode#error} and {@link #forwarded} make errors. */
    ApiError(int status, String code, @Nullable String message, @Nullable Object details, @Nullable String hint) {
        this(status, code, message, details, hint, Map.of());
    }

    private ApiError(
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

    /** An error whose code, status and text come from elsewhere: the database, a token check, RAISE 'PGRST'. */
    static ApiError forwarded(
            int status, String code, @Nullable String message, @Nullable Object details, @Nullable String hint) {
        return new ApiError(status, code, message, details, hint);
    }

    ApiError withDetails(@Nullable Object newDetails) {
        return new ApiError(status, code, getMessage(), newDetails, hint, headers);
    }

    ApiError withHint(@Nullable String newHint) {
        return new ApiError(status, code, getMessage(), details, newHint, headers);
    }

    /** A copy with one more response header (e.g. WWW-Authenticate on a 401). */
    ApiError withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new ApiError(status, code, getMessage(), details, hint, copy);
    }
}
