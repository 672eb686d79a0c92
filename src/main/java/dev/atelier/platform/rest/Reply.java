package dev.atelier.platform.rest;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** A response about to be written: status, headers and an optional body (already JSON text); see {@link Responses}. */
final class Reply {

    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    /**
     * Headers SQL set through response.headers, in order and possibly repeated (two Set-Cookie):
     * written after {@link #headers}, each name replacing what was there.
     */
    final List<Map.Entry<String, String>> fromSql = new ArrayList<>(0);

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

    /** The same reply with another status (response.status set from SQL). */
    Reply withStatus(int other) {
        Reply copy = new Reply(other, contentType, body);
        copy.headers.putAll(headers);
        copy.fromSql.addAll(fromSql);
        return copy;
    }

    Reply header(String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
        return this;
    }

    void write(HttpServletResponse response, boolean head) throws IOException {
        response.setStatus(status);
        Set<String> replaced = new HashSet<>();
        for (Map.Entry<String, String> h : fromSql) {
            replaced.add(h.getKey().toLowerCase(Locale.ROOT));
        }
        headers.forEach((name, value) -> {
            if (replaced.isEmpty() || !replaced.contains(name.toLowerCase(Locale.ROOT))) {
                response.setHeader(name, value);
            }
        });
        if (contentType != null && !replaced.contains("content-type")) {
            response.setHeader("Content-Type", contentType);
        }
        Set<String> written = new HashSet<>();
        for (Map.Entry<String, String> h : fromSql) {
            // The first of a name replaces what was set before (CORS too), the next ones add to it.
            if (written.add(h.getKey().toLowerCase(Locale.ROOT))) {
                response.setHeader(h.getKey(), h.getValue());
            } else {
                response.addHeader(h.getKey(), h.getValue());
            }
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
