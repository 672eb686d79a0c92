package dev.atelier.platform.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.http.UnreadBody;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading JSON request bodies (capped) and writing JSON replies and Supabase's errors. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_JSON_BODY = 1 << 20;

    private Http() {}

    static JsonNode jsonBody(HttpServletRequest req) throws IOException {
        if (req.getContentLengthLong() > MAX_JSON_BODY) {
            throw StorageError.invalid("the request body is larger than " + MAX_JSON_BODY + " bytes");
        }
        InputStream in = req.getInputStream();
        byte[] body = in.readNBytes(MAX_JSON_BODY + 1);
        if (body.length > MAX_JSON_BODY) {
            throw StorageError.invalid("the request body is larger than " + MAX_JSON_BODY + " bytes");
        }
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                return JSON.createObjectNode();
            }
            return node;
        } catch (IOException e) {
            throw StorageError.invalid("the body is not valid JSON");
        }
    }

    static void json(HttpServletResponse res, int status, Object body) throws IOException {
        byte[] bytes = body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : JSON.writeValueAsBytes(body);
        res.setStatus(status);
        res.setContentType("application/json; charset=utf-8");
        res.setContentLengthLong(bytes.length);
        res.getOutputStream().write(bytes);
    }

    /** The most of a refused request's unread body that is read (and dropped) before the answer. */
    static final long DISCARD_LIMIT = 16L * 1024 * 1024;

    /**
     * Reads and drops what is left of a refused request's body, up to {@link #DISCARD_LIMIT}, so
     * that a client still sending it (an upload over the bucket's limit, refused on its declared
     * length) reads the answer instead of a connection reset. A larger body is not read: the
     * connection is closed after the answer, as before.
     */
    static void discardBody(HttpServletRequest req) {
        UnreadBody.discard(req, DISCARD_LIMIT);
    }

    static void error(HttpServletResponse res, StorageError e, boolean realStatus, boolean head) throws IOException {
        if (res.isCommitted()) {
            return;
        }
        // reset() drops every header set so far; the request id and Tus-Resumable are kept.
        String requestId = res.getHeader("X-Request-Id");
        String tus = res.getHeader("Tus-Resumable");
        res.reset();
        if (requestId != null) {
            res.setHeader("X-Request-Id", requestId);
        }
        if (tus != null) {
            res.setHeader("Tus-Resumable", tus);
        }
        Cors.decorate(res);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("statusCode", Integer.toString(e.status));
        body.put("code", e.code);
        body.put("error", e.error);
        body.put("message", e.getMessage());
        int status = realStatus ? e.status : 400;
        if (head) {
            res.setStatus(status);
            return;
        }
        json(res, status, body);
    }

    static Map<String, Object> message(String text) {
        return Map.of("message", text);
    }
}
