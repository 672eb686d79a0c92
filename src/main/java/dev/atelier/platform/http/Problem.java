package dev.atelier.platform.http;

import org.jspecify.annotations.Nullable;

/**
 * A client-facing failure of a domain endpoint ({@code /api/v1}), answered as RFC 9457
 * {@code application/problem+json}. {@code field} names the input at fault, when there is one.
 */
public final class Problem extends RuntimeException {

    private final int status;
    private final String title;
    private final @Nullable String field;

    private Problem(int status, String title, @Nullable String detail, @Nullable String field) {
        super(detail);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    public static Problem badInput(String field, String detail) {
        return new Problem(400, "Invalid request", detail, field);
    }

    public static Problem unauthorized(@Nullable String detail) {
        return new Problem(401, "Unauthorized", detail, null);
    }

    /** For endpoints that act for a signed-in user: the caller has no user access token. */
    public static Problem signInRequired() {
        return unauthorized("sign in first: this endpoint needs a user's access token");
    }

    /** Not enough credits for what was asked. */
    public static Problem paymentRequired(String detail) {
        return new Problem(402, "Payment required", detail, null);
    }

    public static Problem forbidden(String detail) {
        return new Problem(403, "Forbidden", detail, null);
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "Not found", detail, null);
    }

    public static Problem conflict(String detail) {
        return new Problem(409, "Conflict", detail, null);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public @Nullable String field() {
        return field;
    }
}
