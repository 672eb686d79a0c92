package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Executor.Result;
import dev.atelier.platform.rest.Preferences.Count;
import dev.atelier.platform.rest.Preferences.Resolution;
import dev.atelier.platform.rest.Preferences.Return;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Stage 4, the response: the one place that turns a result into PostgREST's status, headers
 * ({@code Content-Range}, {@code Preference-Applied}, {@code Content-Profile}) and body, and an
 * {@link ApiError} into its JSON. What SQL set through {@code response.status} and
 * {@code response.headers} comes last and wins, as in PostgREST.
 */
final class Responses {

    /** Headers SQL may not set: the server frames the body itself. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection");

    private Responses() {}

    /**
     * What SQL set for the response: {@code response.headers} (in order, a name possibly repeated)
     * and {@code response.status}.
     */
    record FromSql(
            List<Map.Entry<String, String>> headers,
            @Nullable Integer status) {
        static final FromSql NONE = new FromSql(List.of(), null);
    }

    /**
     * Checks the settings as SQL left them (null or empty when unset): {@code response.headers}
     * must be a JSON array of objects of one key each with a string value (PGRST111), a header
     * name an HTTP token and its value free of control characters; {@code response.status} a
     * status code, 100 to 599 (PGRST112). Content-Length, Transfer-Encoding and Connection are
     * left to the server.
     */
    static FromSql fromSql(@Nullable String headers, @Nullable String status) {
        if ((headers == null || headers.isEmpty()) && (status == null || status.isEmpty())) {
            return FromSql.NONE;
        }
        List<Map.Entry<String, String>> list = new ArrayList<>();
        if (headers != null && !headers.isEmpty()) {
            JsonNode array;
            try {
                array = Payload.mapper().readTree(headers);
            } catch (IOException e) {
                throw ErrorCode.PGRST111.error();
            }
            if (array == null || !array.isArray()) {
                throw ErrorCode.PGRST111.error();
            }
            for (JsonNode item : array) {
                if (!item.isObject() || item.size() != 1) {
                    throw ErrorCode.PGRST111.error();
                }
                Iterator<Map.Entry<String, JsonNode>> fields = item.fields();
                Map.Entry<String, JsonNode> field = fields.next();
                String name = field.getKey();
                if (!field.getValue().isTextual() || !isToken(name)) {
                    throw ErrorCode.PGRST111.error();
                }
                String value = field.getValue().asText();
                if (!isFieldValue(value)) {
                    throw ErrorCode.PGRST111.error();
                }
                if (!FRAMING.contains(name.toLowerCase(Locale.ROOT))) {
                    list.add(Map.entry(name, value));
                }
            }
        }
        Integer code = null;
        if (status != null && !status.isEmpty()) {
            if (status.length() > 3 || !status.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw ErrorCode.PGRST112.error();
            }
            code = Integer.parseInt(status);
            if (code < 100 || code > 599) {
                throw ErrorCode.PGRST112.error();
            }
        }
        return new FromSql(List.copyOf(list), code);
    }

    /** The reply with SQL's status and headers over its own. */
    private static Reply withSql(Reply reply, FromSql sql) {
        if (sql == FromSql.NONE) {
            return reply;
        }
        Reply result = sql.status() == null ? reply : reply.withStatus(sql.status());
        result.fromSql.addAll(sql.headers());
        return result;
    }

    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

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
        return withSql(
                profile(req, applied(req, reply, applied, req.kind == ApiRequest.Kind.ROUTINE)), result.fromSql());
    }

    /**
     * A write's answer: its representation (201 for inserts, else 200) or
     * none (201/204), the rows in Content-Range (inserts "*&#47;total", others "0-(n-1)/total") and
     * the preferences it applied.
     *
     * @param result the representation in its body, or none for return=minimal, and the rows written
     */
    static Reply mutation(ApiRequest req, MutatePlan plan, Result result) {
        String body = result.body();
        long rows = result.pageTotal();
        Long inserted = result.inserted();
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
        if (plan.kind() == MutatePlan.Kind.INSERT && plan.resolution() != null) {
            applied.add(
                    plan.resolution() == Resolution.MERGE_DUPLICATES
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
        return withSql(profile(req, applied(req, reply, applied, limited)), result.fromSql());
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

    /**
     * A function's single result (a scalar or one composite value), as JSON or as the object asked for.
     *
     * @param body the result's body as it is to be sent
     */
    static Reply value(ApiRequest req, Result result, @Nullable String body, boolean withRange) {
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
        return withSql(profile(req, applied(req, reply, applied, false)), result.fromSql());
    }

    /** Accept: application/vnd.pgrst.plan: 200 with the plan as PostgreSQL wrote it, typed as PostgREST types it. */
    static Reply plan(ApiRequest req, MediaType.Explain explain, String plan) {
        return profile(req, new Reply(200, explain.contentType(), plan));
    }

    /** A document of its own (the OpenAPI description). */
    static Reply document(ApiRequest req, String contentType, String body) {
        return profile(req, new Reply(200, contentType, body));
    }

    static Reply empty(ApiRequest req, Result result, int status) {
        return withSql(profile(req, applied(req, Reply.empty(status), new ArrayList<>(), false)), result.fromSql());
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
