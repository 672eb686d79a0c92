package dev.atelier.platform.rest;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The one catalogue of errors the Data API raises itself: PostgREST's code, its HTTP status and
 * the message template ({@link String#format} with the arguments given to {@link #error}). The
 * texts are PostgREST 12.2's (src/PostgREST/Error.hs), with 13's for the codes 12 does not have
 * (PGRST125, PGRST127, PGRST205); see ADR 0028. Errors
 * the database raises are forwarded with their own SQLSTATE instead (see {@link PgErrors}).
 * Group 0 is the connection and schema cache, 1 the request, 2 the schema cache look-ups, as in
 * PostgREST; {@code PGRSTX..} are Atelier's own bounds.
 */
enum ErrorCode {
    // Group 0: connection and schema cache.
    PGRST000(503, "Database connection error. Retrying the connection."),
    PGRST002(503, "Could not query the database for the schema cache. Retrying."),
    PGRST003(504, "Timed out acquiring connection from connection pool."),

    // Group 1: the request.
    /** The query string could not be parsed: what, the input, the column. */
    PGRST100(400, "\"failed to parse %s (%s)\" (line 1, column %d)"),
    PGRST101(405, "Cannot use the %s method on RPC"),
    /** The body: its message varies with what is wrong ("Empty or invalid json", ...). */
    PGRST102(400, "%s"),
    /** The same code for a body past atelier.rest.max-body-bytes. */
    PGRST102_TOO_LARGE("PGRST102", 413, "Request body too large"),
    PGRST103(416, "Requested range not satisfiable"),
    PGRST105(405, "Filters must include all and only primary key columns with 'eq' operators"),
    PGRST106(406, "The schema must be one of the following: %s"),
    /** No acceptable response media type. */
    PGRST107(406, "None of these media types are available: %s"),
    /** A request body's Content-Type that is not taken: PostgREST's InvalidBody (PGRST102, 400). */
    PGRST102_CONTENT_TYPE("PGRST102", 400, "Content-Type not acceptable: %s"),
    PGRST108(400, "'%s' is not an embedded resource in this request"),
    /** response.headers set from SQL is not a JSON array of single-key objects with string values. */
    PGRST111(500, "response.headers guc must be a JSON array composed of objects with a single key and a string value"),
    /** response.status set from SQL is not a status code. */
    PGRST112(500, "response.status guc must be a valid status code"),
    PGRST114(400, "limit/offset querystring parameters are not allowed for PUT"),
    PGRST115(400, "Payload values do not match URL in primary key column(s)"),
    /** Details: "The result contains N rows". */
    PGRST116(406, "JSON object requested, multiple (or no) rows returned"),
    PGRST117(405, "Unsupported HTTP method: %s"),
    PGRST118(400, "A related order on '%s' is not possible"),
    PGRST119(400, "A spread operation on '%s' is not possible"),
    PGRST120(400, "Bad operator on the '%s' embedded resource"),
    PGRST121(500, "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error"),
    PGRST122(400, "Invalid preferences given with handling=strict"),
    PGRST123(400, "Use of aggregate functions is not allowed"),
    /** Prefer: max-affected with handling=strict, more rows changed; details "The query affects n rows". */
    PGRST124(400, "Query result exceeds max-affected preference constraint"),
    PGRST125(404, "Invalid path specified in request URL"),
    PGRST127(400, "Feature not implemented"),
    PGRST128(400, "Function must return SETOF or TABLE when max-affected preference is used with handling=strict"),

    // Group 2: the schema cache.
    PGRST200(400, "Could not find a relationship between '%s' and '%s' in the schema cache"),
    PGRST201(300, "Could not embed because more than one relationship was found for '%s' and '%s'"),
    /** The function (schema.name) and its argument list, or " without parameters". */
    PGRST202(404, "Could not find the function %s%s in the schema cache"),
    PGRST203(300, "Could not choose the best candidate function between: %s"),
    PGRST204(400, "Could not find the '%s' column of '%s' in the schema cache"),
    PGRST205(404, "Could not find the table '%s' in the schema cache"),

    // PostgreSQL's own answers, raised before the statement would have: what PostgREST forwards.
    UNDEFINED_COLUMN("42703", 400, "column %s.%s does not exist"),
    UNDEFINED_TYPE("42704", 400, "type \"%s\" does not exist"),
    /** Two embeddings under one key at one level: PostgreSQL's answer to PostgREST's colliding aliases. */
    DUPLICATE_TABLE("42712", 400, "table name \"%s\" specified more than once"),

    // Atelier's own.
    PGRSTX00(500, "Internal server error"),
    /** Too many select items or outputs: the message is built by RestLimits. */
    PGRSTX01(400, "%s"),
    /** The headers and cookies to publish to SQL as request.headers and request.cookies are too large. */
    PGRSTX02(
            431,
            "The request headers take %d characters as request.headers and request.cookies; at most %d are allowed");

    final String code;
    final int status;
    private final String template;

    ErrorCode(int status, String template) {
        this.code = name();
        this.status = status;
        this.template = template;
    }

    ErrorCode(String code, int status, String template) {
        this.code = code;
        this.status = status;
        this.template = template;
    }

    /** The error with its message; chain {@link ApiError#withDetails} and {@link ApiError#withHint} for the rest. */
    ApiError error(@Nullable Object... args) {
        String message = args.length == 0 ? template : String.format(Locale.ROOT, template, args);
        return new ApiError(status, code, message, null, null);
    }
}
