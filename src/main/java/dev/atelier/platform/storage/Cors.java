package dev.atelier.platform.storage;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** CORS for browsers calling /storage/v1 from another origin, as Supabase's gateway allows: any origin, the headers storage-js and tus-js-client send. */
final class Cors {

    private static final String EXPOSED = "Content-Range, Content-Length, ETag, Last-Modified, Content-Disposition, "
            + "Location, Upload-Offset, Upload-Length, Upload-Metadata, Tus-Resumable, Tus-Version, Tus-Max-Size, "
            + "Tus-Extension, X-Request-Id";

    private Cors() {}

    static void decorate(HttpServletResponse res) {
        res.setHeader("Access-Control-Allow-Origin", "*");
        res.setHeader("Access-Control-Expose-Headers", EXPOSED);
    }

    static void preflight(HttpServletRequest req, HttpServletResponse res) {
        res.setHeader("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
        String asked = req.getHeader("Access-Control-Request-Headers");
        res.setHeader(
                "Access-Control-Allow-Headers",
                asked != null && asked.length() < 2048
                        ? asked
                        : "authorization, apikey, content-type, x-upsert, cache-control, x-metadata");
        res.setHeader("Access-Control-Max-Age", "86400");
        // What a TUS client asks with OPTIONS: the protocol version and extensions (Tus.java).
        res.setHeader("Tus-Resumable", "1.0.0");
        res.setHeader("Tus-Version", "1.0.0");
        res.setHeader("Tus-Extension", "creation,creation-with-upload,termination");
        res.setStatus(204);
    }
}
