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
        List<String> applied = new ArrayList<>();
        if (count != null) {
            applied.add("count=" + count.name().toLowerCase(Locale.ROOT));
        }
        return profile(req, applied(req, reply, applied, req.kind == ApiRequest.Kind.ROUTINE));
    }

    /**
     * A write's answer: its representation (201 for inserts, else 200) or
     * none (201/204), the rows in Content-Range (inserts "*&#47;total", others "0-(n-1)/total") and
     * the preferences it applied.
     *
     * @param body the representation, or null for return=minimal
     */
    static Reply mutation(ApiRequest req, MutatePlan plan, @Nullable String body, long rows, @Nullable Long inserted) {
        boolean insert = plan.kind() == MutatePlan.Kind.INSERT;
        // An upsert that inserted nothing, every row updated, is 200 (PostgREST 12+): a POST with
        // merge-duplicates whatever it returns, a PUT that returns its representation.
        int created = inserted != null && inserted == 0 ? 200 : 201;
        Reply reply = plan.returning() == Return.REPRESENTATION
                ? new Reply(
                        insert || plan.kind() == MutatePlan.Kind.PUT ? created : 200,
                        req.media.contentType,
                        body(req.media, body))
                : Reply.empty(insert ? created : 204);
        Long total = plan.counted() ? rows : null;
        reply.header(
                "Content-Range",
                insert ? "*/" + (total == null ? "*" : total) : RangeSpec.contentRange(0, rows, total));
        // PostgREST's order: resolution, missing, return, count, then tx, handling, timezone, max-affected.
        List<String> applied = new ArrayList<>();
        Preferences prefs = req.preferences;
        if (plan.kind() == MutatePlan.Kind.INSERT && prefs.resolution() != null) {
            applied.add(
                    prefs.resolution() == Resolution.MERGE_DUPLICATES
                            ? "resolution=merge-duplicates"
                            : "resolution=ignore-duplicates");
        }
        if (plan.kind() == MutatePlan.Kind.INSERT && prefs.missingDefault()) {
            applied.add("missing=default");
        }
        if (prefs.returning() != null) {
            // Echoed only when asked for, as PostgREST does; minimal is merely the default.
            applied.add("return="
                    + prefs.returning().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        if (plan.counted()) {
            applied.add("count=exact");
        }
        boolean limited = plan.kind() == MutatePlan.Kind.UPDATE || plan.kind() == MutatePlan.Kind.DELETE;
        return profile(req, applied(req, reply, applied, limited));
    }

    /**
     * Adds the preferences every response echoes when they were honoured (tx, handling,
     * timezone; max-affected where it binds) to {@code applied}, and sets Preference-Applied.
     */
    private static Reply applied(ApiRequest req, Reply reply, List<String> applied, boolean maxAffected) {
        Preferences prefs = req.preferences;
        if (prefs.tx() != null) {
            applied.add("tx=" + prefs.tx().name().toLowerCase(Locale.ROOT));
        }
        if (prefs.handlingGiven()) {
            applied.add(prefs.strict() ? "handling=strict" : "handling=lenient");
        }
        if (prefs.timezone() != null) {
            applied.add("timezone=" + prefs.timezone());
        }
        if (maxAffected && prefs.strictMaxAffected() != null) {
            applied.add("max-affected=" + prefs.strictMaxAffected());
        }
        return applied.isEmpty() ? reply : reply.header("Preference-Applied", String.join(", ", applied));
    }

    /** Prefer: max-affected=n (handling=strict): more rows changed is PGRST124, and the transaction rolls back. */
    static Executor.Check maxAffected(long limit) {
        return result -> {
            if (result.pageTotal() > limit) {
                throw ErrorCode.PGRST124.error().withDetails("The query affects " + result.pageTotal() + " rows");
            }
        };
    }

    /** A function's single result (a scalar or one composite value), as JSON or as the object asked for. */
    static Reply value(ApiRequest req, @Nullable String body, boolean withRange) {
        String type =
                req.media == MediaType.SINGLE_OBJECT ? MediaType.SINGLE_OBJECT.contentType : MediaType.JSON.contentType;
        Reply reply = new Reply(200, type, body);
        Count count = req.preferences.count();
        if (withRange) {
            // One value is one row: counted, its total is 1 (PostgREST's count of a scalar call).
            reply.header("Content-Range", count == Count.EXACT || count == Count.ESTIMATED ? "0-0/1" : "0-0/*");
        }
        List<String> applied = new ArrayList<>();
        if (count != null) {
            applied.add("count=" + count.name().toLowerCase(Locale.ROOT));
        }
        return profile(req, applied(req, reply, applied, false));
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
        return profile(req, applied(req, Reply.empty(status), new ArrayList<>(), false));
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
