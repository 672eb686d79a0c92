package dev.atelier.platform.storage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The bucket endpoints, as the caller: without a policy of their own only the service role manages buckets. */
final class Buckets {

    private static final Logger log = LoggerFactory.getLogger(Buckets.class);
    private static final Pattern SIZE = Pattern.compile("(?i)^\\s*(\\d+(?:\\.\\d+)?)\\s*(b|kb|mb|gb|tb)?\\s*$");
    private static final String COLUMNS =
            "json_build_object('id', id, 'name', name, 'owner', coalesce(owner::text, ''), "
                    + "'public', public, 'file_size_limit', file_size_limit, 'allowed_mime_types', allowed_mime_types, "
                    + "'type', 'STANDARD', 'created_at', created_at, 'updated_at', updated_at)";
    private static final Map<String, String> SORTABLE =
            Map.of("id", "id", "name", "name", "created_at", "created_at", "updated_at", "updated_at");

    private final Database database;
    private final ByteStore store;

    Buckets(Database database, ByteStore store) {
        this.database = database;
        this.store = store;
    }

    void list(HttpServletRequest req, HttpServletResponse res, Caller caller) throws IOException, SQLException {
        int limit = intParam(req, "limit", 1000, 0, 1000);
        int offset = intParam(req, "offset", 0, 0, Integer.MAX_VALUE);
        String column = SORTABLE.getOrDefault(String.valueOf(req.getParameter("sortColumn")), "name");
        String order = "desc".equalsIgnoreCase(req.getParameter("sortOrder")) ? "desc" : "asc";
        String search = req.getParameter("search");
        String sql = "select coalesce(json_agg(" + COLUMNS + " order by " + column + " " + order + "), '[]')::text "
                + "from (select * from storage.buckets where name ilike ? escape '\\' order by " + column + " " + order
                + " limit ? offset ?) b";
        String json = database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                s.setString(1, "%" + Objects.escapeLike(search == null ? "" : search) + "%");
                s.setInt(2, limit);
                s.setInt(3, offset);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        Http.json(res, 200, json);
    }

    void get(HttpServletResponse res, Caller caller, String id) throws IOException, SQLException {
        String json = database.transaction(caller, true, tx -> {
                    try (PreparedStatement s = tx.connection()
                            .prepareStatement("select " + COLUMNS + "::text from storage.buckets where id = ?")) {
                        s.setString(1, id);
                        try (ResultSet rs = s.executeQuery()) {
                            return java.util.Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                        }
                    }
                })
                .orElse(null);
        if (json == null) {
            throw StorageError.bucketNotFound();
        }
        Http.json(res, 200, json);
    }

    void create(HttpServletRequest req, HttpServletResponse res, Caller caller) throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        String name = body.path("name").asText(body.path("id").asText(""));
        String id = body.path("id").asText(name);
        if (id.isEmpty() || StorageApi.RESERVED.contains(id) || !id.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}")) {
            throw StorageError.invalid("Bucket name invalid");
        }
        boolean isPublic = body.path("public").asBoolean(false);
        Long limit = size(body.path("file_size_limit"));
        List<String> mimes = mimeTypes(body.path("allowed_mime_types"));
        database.transaction(caller, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("""
                    insert into storage.buckets (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types)
                    values (?, ?, ?::uuid, ?, ?, ?, ?)""")) {
                s.setString(1, id);
                s.setString(2, name.isEmpty() ? id : name);
                s.setString(3, caller.userId().map(Object::toString).orElse(null));
                s.setString(4, caller.subject());
                s.setBoolean(5, isPublic);
                setLimitAndTypes(tx.connection(), s, 6, limit, mimes);
                return s.executeUpdate();
            }
        });
        Http.json(res, 200, Map.of("name", id));
    }

    void update(HttpServletRequest req, HttpServletResponse res, Caller caller, String id)
            throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        List<String> sets = new ArrayList<>();
        if (body.has("public")) {
            sets.add("public = " + (body.path("public").asBoolean(false) ? "true" : "false"));
        }
        boolean hasLimit = body.has("file_size_limit");
        boolean hasTypes = body.has("allowed_mime_types");
        Long limit = hasLimit ? size(body.path("file_size_limit")) : null;
        List<String> mimes = hasTypes ? mimeTypes(body.path("allowed_mime_types")) : null;
        if (hasLimit) {
            sets.add("file_size_limit = ?");
        }
        if (hasTypes) {
            sets.add("allowed_mime_types = ?");
        }
        if (sets.isEmpty()) {
            sets.add("public = public");
        }
        int updated = database.transaction(caller, tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement("update storage.buckets set " + String.join(", ", sets) + " where id = ?")) {
                int i = 1;
                if (hasLimit) {
                    if (limit == null) {
                        s.setNull(i++, Types.BIGINT);
                    } else {
                        s.setLong(i++, limit);
                    }
                }
                if (hasTypes) {
                    s.setArray(i++, mimes == null ? null : tx.connection().createArrayOf("text", mimes.toArray()));
                }
                s.setString(i, id);
                return s.executeUpdate();
            }
        });
        if (updated == 0) {
            throw StorageError.bucketNotFound();
        }
        Http.json(res, 200, Http.message("Successfully updated"));
    }

    void delete(HttpServletResponse res, Caller caller, String id) throws IOException, SQLException {
        int deleted;
        try {
            deleted = database.transaction(caller, tx -> {
                try (PreparedStatement s =
                        tx.connection().prepareStatement("delete from storage.buckets where id = ?")) {
                    s.setString(1, id);
                    return s.executeUpdate();
                }
            });
        } catch (SQLException e) {
            if ("23503".equals(e.getSQLState())) {
                throw new StorageError(
                        409, "InvalidRequest", "InvalidRequest", "The bucket you tried to delete is not empty");
            }
            throw e;
        }
        if (deleted == 0) {
            throw StorageError.bucketNotFound();
        }
        Http.json(res, 200, Http.message("Successfully deleted"));
    }

    void empty(HttpServletResponse res, Caller caller, String id) throws IOException, SQLException {
        List<String> versions = database.transaction(caller, tx -> {
            if (Objects.rules(tx.connection(), id) == null) {
                throw StorageError.bucketNotFound();
            }
            try (PreparedStatement s = tx.connection()
                    .prepareStatement("delete from storage.objects where bucket_id = ? returning version")) {
                s.setString(1, id);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
        for (String v : versions) {
            try {
                store.delete(v);
            } catch (IOException e) {
                log.warn("could not remove the bytes of version {}: {}", v, e.toString());
            }
        }
        Http.json(res, 200, Http.message("Successfully emptied"));
    }

    private static void setLimitAndTypes(
            Connection c, PreparedStatement s, int at, @Nullable Long limit, @Nullable List<String> mimes)
            throws SQLException {
        if (limit == null) {
            s.setNull(at, Types.BIGINT);
        } else {
            s.setLong(at, limit);
        }
        s.setArray(at + 1, mimes == null ? null : c.createArrayOf("text", mimes.toArray()));
    }

    /** file_size_limit as storage-js sends it: a number of bytes, or a string such as "1MB" or "500KB". */
    static @Nullable Long size(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber()) {
            if (v.asLong() <= 0) {
                throw StorageError.invalid("file_size_limit must be positive");
            }
            return v.asLong();
        }
        Matcher m = SIZE.matcher(v.asText(""));
        if (!m.matches()) {
            throw StorageError.invalid("file_size_limit must be a number of bytes or a size such as \"5MB\"");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "kb" -> 1L << 10;
            case "mb" -> 1L << 20;
            case "gb" -> 1L << 30;
            case "tb" -> 1L << 40;
            default -> 1;
        };
        long bytes = (long) (n * factor);
        if (bytes <= 0) {
            throw StorageError.invalid("file_size_limit must be positive");
        }
        return bytes;
    }

    static @Nullable List<String> mimeTypes(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.size() > 200) {
            throw StorageError.invalid("allowed_mime_types must be an array of MIME types");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode t : v) {
            String s = t.asText("").trim();
            if (!s.matches("[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+")) {
                throw StorageError.invalid("not a MIME type: " + s);
            }
            out.add(s);
        }
        return out;
    }

    private static int intParam(HttpServletRequest req, String name, int dflt, int min, int max) {
        String v = req.getParameter(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Math.min(Math.max(Integer.parseInt(v.trim()), min), max);
        } catch (NumberFormatException e) {
            throw StorageError.invalid(name + " must be a whole number");
        }
    }
}
