package dev.atelier.platform.rest;

import java.util.Locale;

/** The response formats the Data API can produce, chosen from the Accept header. */
enum MediaType {
    JSON("application/json; charset=utf-8"),
    SINGLE_OBJECT("application/vnd.pgrst.object+json; charset=utf-8"),
    CSV("text/csv; charset=utf-8"),
    OPENAPI("application/openapi+json; charset=utf-8");

    final String contentType;

    MediaType(String contentType) {
        this.contentType = contentType;
    }

    /**
     * The first acceptable type in the header's order (PostgREST ignores q-values too); a missing
     * header means JSON. None acceptable: 406 PGRST107.
     */
    static MediaType negotiate(String accept, boolean root) {
        if (accept == null || accept.isBlank()) {
            return root ? OPENAPI : JSON;
        }
        for (String range : accept.split(",")) {
            String type = range.split(";")[0].trim().toLowerCase(Locale.ROOT);
            switch (type) {
                case "*/*", "application/*", "":
                    return root ? OPENAPI : JSON;
                case "application/json", "application/vnd.pgrst.array+json":
                    return root ? OPENAPI : JSON;
                case "application/openapi+json":
                    if (root) {
                        return OPENAPI;
                    }
                    break;
                case "application/vnd.pgrst.object+json", "application/vnd.pgrst.object":
                    if (!root) {
                        return SINGLE_OBJECT;
                    }
                    break;
                case "text/csv":
                    if (!root) {
                        return CSV;
                    }
                    break;
                default:
                    break;
            }
        }
        throw ErrorCode.PGRST107.error(accept.trim());
    }
}
