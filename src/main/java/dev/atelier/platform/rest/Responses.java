package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Executor.Result;
import dev.atelier.platform.rest.Preferences.Count;
import dev.atelier.platform.rest.Preferences.Resolution;
import dev.atelier.platform.rest.Preferences.Return;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Stage 4, the response: the one place that turns a result into PostgREST's status, headers
 * ({@code Content-Range}, {@code Preference-Applied}, {@code Content-Profile}) and body, and an
 * {@link ApiError} into its JSON.
 */
final class Responses {

    private Responses() {}

    /** 200, 206 or 416 with Content-Range, as PostgREST decides them for rows read. */
    static Reply page(ApiRequest req, Result result, long lower, @Nullable Count count) {
        Long total = result.total();
        if (total != null && lower > total) {
            throw RangeSpec.invalid("An offset of " + lower + " was requested, but there are only " + total + " rows.");
        }
        long page = result.pageTotal();
        // Partial when the total is known and this page holds fewer rows than it.
        int status = total != null && page < total ? 206 : 200;
        Reply reply = new Reply(status, req.media.contentType, body(req.media, result.body()));
        reply.header("Content-Range", RangeSpec.contentRange(lower, page, total));
        if (count != null) {
            reply.header("Preference-Applied", "count=" + count.name().toLowerCase(Locale.ROOT));
        }
        return profile(req, reply);
    }

    /**
     * A write's answer: its representation (201 for inserts, else 200) or
     * none (201/204), the rows in Content-Range (inserts "*&#47;total", others "0-(n-1)/total") and
     * the preferences it applied.
     *
     * @param body the representation, or null for return=minimal
     */
    static Reply mutation(ApiRequest req, MutatePlan plan, @Nullable String body, long rows) {
        boolean insert = plan.kind() == MutatePlan.Kind.INSERT;
        Reply reply = plan.returning() == Return.REPRESENTATION
                ? new Reply(insert ? 201 : 200, req.media.contentType, body(req.media, body))
                : Reply.empty(insert ? 201 : 204);
        Long total = plan.counted() ? rows : null;
        reply.header(
                "Content-Range",
                insert ? "*/" + (total == null ? "*" : total) : RangeSpec.contentRange(0, rows, total));
        List<String> applied = new ArrayList<>();
        Preferences prefs = req.preferences;
        if (prefs.returning() != null) {
            // Echoed only when asked for, as PostgREST does; minimal is merely the default.
            applied.add("return="
                    + prefs.returning().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        if (plan.kind() == MutatePlan.Kind.INSERT && prefs.resolution() != null) {
            applied.add(
                    prefs.resolution() == Resolution.MERGE_DUPLICATES
                            ? "resolution=merge-duplicates"
                            : "resolution=ignore-duplicates");
        }
        if (plan.kind() == MutatePlan.Kind.INSERT && prefs.missingDefault()) {
            applied.add("missing=default");
        }
        if (plan.counted()) {
            applied.add("count=exact");
        }
        if (!applied.isEmpty()) {
            reply.header("Preference-Applied", String.join(", ", applied));
        }
        return profile(req, reply);
    }

    /** A function's single result (a scalar or one composite value), as JSON or as the object asked for. */
    static Reply value(ApiRequest req, @Nullable String body, boolean withRange) {
        String type =
                req.media == MediaType.SINGLE_OBJECT ? MediaType.SINGLE_OBJECT.contentType : MediaType.JSON.contentType;
        Reply reply = new Reply(200, type, body);
        return profile(req, withRange ? reply.header("Content-Range", "0-0/*") : reply);
    }

    /** Accept: application/vnd.pgrst.plan: 200 with the plan as PostgreSQL wrote it, typed as PostgREST types it. */
    static Reply plan(ApiRequest req, MediaType.Explain explain, String plan) {
        return profile(req, new Reply(200, explain.contentType(), plan));
    }

    /** A document of its own (the OpenAPI description). */
    static Reply document(ApiRequest req, String contentType, String body) {
        return profile(req, new Reply(200, contentType, body));
    }

    static Reply empty(ApiRequest req, int status) {
        return profile(req, Reply.empty(status));
    }

    /** PostgREST's error JSON, its status, its headers and Proxy-Status. */
    static Reply error(ApiError e) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("code", e.code);
        json.put("message", e.getMessage());
        if (e.details == null) {
            json.putNull("details");
        } else if (e.details instanceof JsonNode node) {
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

    /** Accept: application/vnd.pgrst.object+json: exactly one row, else 406 PGRST116 (and writes roll back). */
    static Executor.@Nullable Check singleObject(MediaType media) {
        if (media != MediaType.SINGLE_OBJECT) {
            return null;
        }
        return result -> {
            if (result.pageTotal() != 1) {
                throw ErrorCode.PGRST116.error().withDetails("The result contains " + result.pageTotal() + " rows");
            }
        };
    }

    /** json_agg's "[...]" of exactly one element, as that element. */
    static @Nullable String unwrap(@Nullable String array) {
        if (array == null) {
            return null;
        }
        String trimmed = array.trim();
        return trimmed.length() >= 2 && trimmed.charAt(0) == '['
                ? trimmed.substring(1, trimmed.length() - 1).trim()
                : trimmed;
    }

    private static @Nullable String body(MediaType media, @Nullable String body) {
        return media == MediaType.SINGLE_OBJECT ? unwrap(body) : body;
    }

    private static Reply profile(ApiRequest req, Reply reply) {
        return req.profileNegotiated ? reply.header("Content-Profile", req.schema) : reply;
    }
}
