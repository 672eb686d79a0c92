package dev.atelier.platform.http;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The route of a request, for metrics and samples: the controller's path template when Spring MVC
 * matched one, else the path with its ids (numbers, uuids, long segments) as {@code {id}} and at
 * most five segments, and storage paths as {@code /storage/v1/object/{bucket}/**}, so that routes
 * stay few however many rows and files there are.
 */
public final class Routes {

    private static final String TEMPLATE = "org.springframework.web.servlet.HandlerMapping.bestMatchingPattern";
    private static final Pattern ID = Pattern.compile(
            "[0-9]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|.{41,}");
    private static final int MAX_SEGMENTS = 5;

    private static final String STORAGE = "/storage/v1/";
    /** Storage's own words in a path; the first other segment is a bucket, the rest an object's name. */
    private static final Set<String> STORAGE_WORDS = Set.of(
            "object",
            "public",
            "authenticated",
            "sign",
            "info",
            "list",
            "move",
            "copy",
            "upload",
            "resumable",
            "render",
            "image",
            "bucket",
            "empty",
            "admin",
            "sweep");

    private Routes() {}

    private static String storage(String path) {
        StringBuilder route = new StringBuilder("/storage/v1");
        String[] segments = path.substring(STORAGE.length()).split("/");
        for (int i = 0; i < segments.length; i++) {
            if (STORAGE_WORDS.contains(segments[i])) {
                route.append('/').append(segments[i]);
                continue;
            }
            route.append("/{bucket}");
            if (i + 1 < segments.length) {
                route.append("/**");
            }
            break;
        }
        return route.toString();
    }

    /** The route of a request that has been served (the template is known only afterwards). */
    public static String of(HttpServletRequest request) {
        return request.getAttribute(TEMPLATE) instanceof String template ? template : ofPath(request.getRequestURI());
    }

    /** The route of a path with no template. */
    public static String ofPath(@Nullable String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        if (path.startsWith(STORAGE)) {
            return storage(path);
        }
        StringBuilder route = new StringBuilder();
        int kept = 0;
        for (String segment : path.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (kept == MAX_SEGMENTS) {
                route.append("/**");
                break;
            }
            route.append('/').append(ID.matcher(segment).matches() ? "{id}" : segment);
            kept++;
        }
        return route.isEmpty() ? "/" : route.toString();
    }
}
