package dev.atelier.platform.rest;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A response about to be written: status, headers and an optional body (already JSON text); see {@link Responses}. */
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
