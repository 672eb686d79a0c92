package dev.atelier.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/**
 * The API a request path belongs to, and so the error shape its clients parse: postgrest-js reads
 * {@code code/message/details/hint}, the GoTrue client {@code code/error_code/msg}, and domain
 * clients RFC 9457 problems. Errors raised outside the surface's own code (by the container, by
 * Spring MVC before a controller runs, by the body cap) are written here in the same shape.
 */
public enum Surface {

    /** {@code /rest/v1}: PostgREST's JSON. */
    REST("application/json; charset=utf-8"),
    /** {@code /auth/v1}: GoTrue's JSON. */
    AUTH("application/json; charset=utf-8"),
    /** {@code /api/v1} and every other path: RFC 9457 problem details. */
    PROBLEM("application/problem+json");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String contentType;

    Surface(String contentType) {
        this.contentType = contentType;
    }

    /**
     * The surface of a request path ({@code null} when the container could not read the request
     * line): a request whose path is unknown is most likely a data API call, the only surface that
     * carries data, and so long or odd characters, in its URL.
     */
    public static Surface of(@Nullable String path) {
        if (path == null || under(path, "/rest/v1")) {
            return REST;
        }
        if (under(path, "/auth/v1")) {
            return AUTH;
        }
        return PROBLEM;
    }

    private static boolean under(String path, String base) {
        return path.equals(base) || path.startsWith(base + "/");
    }

    public String contentType() {
        return contentType;
    }

    /** The error body for {@code status} with a message a person can act on. */
    public byte[] body(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        switch (this) {
            case REST -> {
                // Atelier's own codes for what PostgREST has no code for carry an X, as PGRSTX00 does.
                body.put("code", "PGRSTX" + status);
                body.put("message", message);
                body.put("details", null);
                body.put("hint", null);
            }
            case AUTH -> {
                body.put("code", status);
                body.put("error_code", goTrueCode(status));
                body.put("msg", message);
            }
            case PROBLEM -> {
                body.put("type", "about:blank");
                body.put("title", title(status));
                body.put("status", status);
                body.put("detail", message);
            }
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GoTrue's error codes where one fits, as its clients switch on them. */
    private static String goTrueCode(int status) {
        return switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413, 414, 431 -> "request_too_large";
            case 429 -> "over_request_rate_limit";
            default -> status >= 500 ? "unexpected_failure" : "validation_failed";
        };
    }

    static String title(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known != null ? known.getReasonPhrase() : "Error " + status;
    }
}
