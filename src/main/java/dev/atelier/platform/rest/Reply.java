package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A response about to be written: status, headers and an optional body (already JSON text). */
final class Reply {

    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    final @Nullable String contentType;
    final @Nullable String body;

    Reply(int status, @Nullable String contentType, @Nullable String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    static Reply empty(int status) {
        return new Reply(status, null, null);
    }

    Reply header(String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
        return this;
    }

    static Reply error(ApiError e) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("code", e.code);
        json.put("message", e.getMessage());
        if (e.details == null) {
            json.putNull("details");
        } else if (e.details instanceof com.fasterxml.jackson.databind.JsonNode node) {
            json.set("details", node);
        } else {
            json.put("details", e.details.toString());
        }
        if (e.hint == null) {
            json.putNull("hint");
        } else {
            json.put("hint", e.hint);
        }
        Reply reply = new Reply(e.status, MediaType.JSON.contentType, Payload.write(json));
        e.headers.forEach(reply::header);
        return reply.header("Proxy-Status", "PostgREST; error=" + e.code);
    }

    void write(HttpServletResponse response, boolean head) throws IOException {
        response.setStatus(status);
        headers.forEach(response::setHeader);
        if (contentType != null) {
            response.setHeader("Content-Type", contentType);
        }
        if (body == null) {
            response.setContentLength(0);
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLengthLong(bytes.length);
        if (!head) {
            try (OutputStream out = response.getOutputStream()) {
                out.write(bytes);
            }
        }
    }
}
