package dev.atelier.platform.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object endpoints. Every statement runs in a transaction as the caller (its role and claims),
 * so the policies on storage.objects decide; only what a signed URL or a public bucket already
 * granted runs as the service role. Bytes are staged before the transaction that writes the row
 * opens, and published inside it, so a row never names missing bytes and a failed upload leaves
 * no row.
 */
final class Objects {

    private static final Logger log = LoggerFactory.getLogger(Objects.class);
    private static final int COPY_BUFFER = 256 * 1024;
    private static final int MAX_FIELD = 64 * 1024;
    private static final int MAX_LIST = 1000;
    private static final long UPLOAD_URL_SECONDS = 7200;
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final Database database;
    private final Staging staging;
    private final ByteStore store;
    private final SignedUrls signed;
    private final Clock clock;
    private final long maxUploadBytes;
    private final Images images;

    Objects(
            Database database,
            Staging staging,
            ByteStore store,
            SignedUrls signed,
            Clock clock,
            long maxUploadBytes,
            Images images) {
        this.database = database;
        this.staging = staging;
        this.store = store;
        this.signed = signed;
        this.clock = clock;
        this.maxUploadBytes = maxUploadBytes;
        this.images = images;
    }

    // ---------------------------------------------------------------------------------------------
    // Buckets' rules, names
    // ---------------------------------------------------------------------------------------------

    record Rules(
            String id,
            boolean isPublic,
            @Nullable Long fileSizeLimit,
            @Nullable List<String> allowedMimeTypes) {}

    Rules rules(Caller caller, String bucket) throws SQLException {
        Rules rules = database.transaction(
                        caller, true, tx -> java.util.Optional.ofNullable(rules(tx.connection(), bucket)))
                .orElse(null);
        if (rules == null) {
            throw StorageError.bucketNotFound();
        }
        return rules;
    }

    static @Nullable Rules rules(Connection c, String bucket) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "select id, public, file_size_limit, allowed_mime_types from storage.bucket_rules(?)")) {
            s.setString(1, bucket);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long limit = rs.getLong(3);
                Long fileSizeLimit = rs.wasNull() ? null : limit;
                java.sql.Array types = rs.getArray(4);
                List<String> allowed = types == null ? null : List.of((String[]) types.getArray());
                return new Rules(rs.getString(1), rs.getBoolean(2), fileSizeLimit, allowed);
            }
        }
    }

    long limitOf(Rules rules) {
        return rules.fileSizeLimit() == null ? maxUploadBytes : Math.min(maxUploadBytes, rules.fileSizeLimit());
    }

    /** A MIME type the bucket allows: exact (parameters aside), {@code type/*} or {@code *}{@code /*}. */
    /** A content type a download may echo: type/subtype with parameters, printable ASCII, short. */
    static String validMime(String contentType) {
        String v = contentType.trim();
        if (v.length() > 255
                || !v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
                || !v.matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\\s*;.*)?")) {
            throw StorageError.mimeType(v.replaceAll("[^\\x20-\\x7e]", "?"));
        }
        return v;
    }

    static void checkMime(Rules rules, String contentType) {
        validMime(contentType);
        List<String> allowed = rules.allowedMimeTypes();
        if (allowed == null || allowed.isEmpty()) {
            return;
        }
        String mime = baseType(contentType);
        for (String a : allowed) {
            String pattern = a.trim().toLowerCase(Locale.ROOT);
            if (pattern.equals(mime) || pattern.equals("*/*") || pattern.equals("*")) {
                return;
            }
            if (pattern.endsWith("/*") && mime.startsWith(pattern.substring(0, pattern.length() - 1))) {
                return;
            }
        }
        throw StorageError.mimeType(contentType);
    }

    static String baseType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    static void checkName(String name) {
        if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 1024) {
            throw StorageError.invalid("Invalid key: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw StorageError.invalid("Invalid key: the name contains a control character");
            }
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw StorageError.invalid("Invalid key: " + name);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Upload
    // ---------------------------------------------------------------------------------------------

    /**
     * POST/PUT /object/{bucket}/{name} (raw or multipart body), and the signed upload with
     * {@code signedOwner} set: then the request runs as the service role for the owner the token names.
     */
    void upload(
            HttpServletRequest req,
            HttpServletResponse res,
            Caller caller,
            String bucket,
            String name,
            boolean upsert,
            @Nullable String signedOwner)
            throws IOException, SQLException {
        checkName(name);
        Rules rules = rules(caller, bucket);
        long limit = limitOf(rules);
        long declared = req.getContentLengthLong();
        String boundary = Multipart.boundary(req.getContentType());
        if (declared > limit + (boundary == null ? 0 : MAX_FIELD * 4L)) {
            throw StorageError.tooLarge();
        }
        String version = Staging.newVersion();
        Staging.Staged staged = null;
        String mime;
        String cacheControl = "max-age=3600";
        String userMetadata = null;
        try {
            if (boundary != null) {
                Multipart form = new Multipart(req.getInputStream(), boundary);
                mime = "application/octet-stream";
                Multipart.Part part;
                while ((part = form.next()) != null) {
                    boolean file = part.filename() != null
                            || part.name().isEmpty()
                            || part.name().equals("file");
                    if (file && staged == null) {
                        if (part.contentType() != null && !part.contentType().isBlank()) {
                            mime = part.contentType();
                        }
                        checkMime(rules, mime);
                        staged = staging.stage(version, part.body(), limit);
                    } else if (!file) {
                        String value = new String(part.body().readNBytes(MAX_FIELD), StandardCharsets.UTF_8);
                        if (part.name().equals("cacheControl")) {
                            cacheControl = cacheControl(value);
                        } else if (part.name().equals("metadata")) {
                            userMetadata = jsonObject(value);
                        }
                    }
                }
                if (staged == null) {
                    throw StorageError.invalid("the multipart body has no file part");
                }
            } else {
                String type = req.getContentType();
                mime = type == null || type.isBlank() ? "text/plain;charset=UTF-8" : type;
                checkMime(rules, mime);
                String cc = req.getHeader("cache-control");
                if (cc != null && !cc.isBlank()) {
                    cacheControl = cacheControl(cc);
                }
                String xmeta = req.getHeader("x-metadata");
                if (xmeta != null && !xmeta.isBlank()) {
                    try {
                        userMetadata = jsonObject(
                                new String(Base64.getDecoder().decode(xmeta.trim()), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        throw StorageError.invalid("x-metadata must be base64-encoded JSON");
                    }
                }
                staged = staging.stage(version, req.getInputStream(), limit);
            }
            Map<String, Object> metadata = metadata(staged, mime, cacheControl);
            String owner = signedOwner == null ? caller.subject() : signedOwner.isEmpty() ? null : signedOwner;
            Caller writer = signedOwner != null ? Caller.serviceRole() : caller;
            Written written = write(writer, bucket, name, owner, metadata, userMetadata, staged, upsert);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("Id", written.id());
            body.put("Key", bucket + "/" + name);
            Http.json(res, 200, body);
        } finally {
            staging.remove(version);
        }
    }

    record Written(String id, @Nullable String replacedVersion) {}

    /** Inserts (or upserts) the row as {@code caller}, publishing the staged bytes before it commits. */
    Written write(
            Caller caller,
            String bucket,
            String name,
            @Nullable String owner,
            Map<String, Object> metadata,
            @Nullable String userMetadata,
            Staging.Staged staged,
            boolean upsert)
            throws SQLException, IOException {
        String sql = upsert ? """
                with old as (select version from storage.objects where bucket_id = ? and name = ?)
                insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
                values (?, ?, ?::uuid, ?, ?::jsonb, ?::jsonb, ?)
                on conflict (bucket_id, name) do update
                   set owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata,
                       user_metadata = excluded.user_metadata, version = excluded.version, last_accessed_at = now()
                returning id::text, (select version from old)""" : """
                insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
                values (?, ?, ?::uuid, ?, ?::jsonb, ?::jsonb, ?)
                returning id::text, null::text""";
        String metadataJson = Http.JSON.writeValueAsString(metadata);
        Written written;
        try {
            // Published before the transaction, so no connection waits on a long S3 PUT: until
            // the row commits nothing names these bytes, and the staged file marks them as an
            // upload under way (the sweep skips them; the start-up recovery removes them if the
            // row never committed).
            store.publish(staged.version(), staged.path());
            written = database.transaction(caller, tx -> {
                try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                    int i = 1;
                    if (upsert) {
                        s.setString(i++, bucket);
                        s.setString(i++, name);
                    }
                    s.setString(i++, bucket);
                    s.setString(i++, name);
                    s.setString(i++, uuidOrNull(owner));
                    s.setString(i++, owner);
                    s.setString(i++, metadataJson);
                    s.setString(i++, userMetadata);
                    s.setString(i, staged.version());
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        return new Written(rs.getString(1), rs.getString(2));
                    }
                }
            });
        } catch (SQLException | IOException | RuntimeException e) {
            deleteQuietly(staged.version());
            throw e;
        }
        if (written.replacedVersion() != null && !written.replacedVersion().equals(staged.version())) {
            deleteQuietly(written.replacedVersion());
        }
        return written;
    }

    void deleteQuietly(String version) {
        try {
            store.delete(version);
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "could not remove the bytes of version {} (the orphan sweep will report them): {}",
                    version,
                    e.toString());
        }
    }

    Map<String, Object> metadata(Staging.Staged staged, String mime, String cacheControl) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eTag", "\"" + staged.md5() + "\"");
        m.put("size", staged.size());
        m.put("mimetype", mime);
        m.put("cacheControl", cacheControl);
        m.put("lastModified", DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
        m.put("contentLength", staged.size());
        m.put("httpStatusCode", 200);
        int[] size = images.dimensions(mime, staged.path());
        if (size != null) {
            m.put("width", size[0]);
            m.put("height", size[1]);
        }
        return m;
    }

    private static String cacheControl(String value) {
        String v = value.trim();
        if (v.length() > 256 || !v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw StorageError.invalid("cacheControl must be at most 256 printable ASCII characters");
        }
        return v.chars().allMatch(Character::isDigit) ? "max-age=" + v : v;
    }

    private static String jsonObject(String text) {
        try {
            JsonNode node = Http.JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw StorageError.invalid("metadata must be a JSON object");
            }
            return Http.JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw StorageError.invalid("metadata must be a JSON object");
        }
    }

    private static @Nullable String uuidOrNull(@Nullable String subject) {
        if (subject == null) {
            return null;
        }
        try {
            return java.util.UUID.fromString(subject).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Download
    // ---------------------------------------------------------------------------------------------

    record Found(String version, JsonNode metadata, Blob blob) {}

    /** The object's row as {@code caller} sees it, and its bytes opened while the row is current. */
    Found find(Caller caller, String bucket, String name) throws SQLException {
        Found found = database.transaction(caller, true, tx -> java.util.Optional.ofNullable(findIn(tx, bucket, name)))
                .orElse(null);
        if (found == null) {
            throw StorageError.objectNotFound();
        }
        return found;
    }

    private @Nullable Found findIn(Database.Transaction tx, String bucket, String name) throws SQLException {
        try (PreparedStatement s = tx.connection()
                .prepareStatement(
                        "select version, metadata::text from storage.objects where bucket_id = ? and name = ?")) {
            s.setString(1, bucket);
            s.setString(2, name);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String version = rs.getString(1);
                JsonNode metadata = Http.JSON.readTree(rs.getString(2) == null ? "{}" : rs.getString(2));
                try {
                    return new Found(version, metadata, store.open(version));
                } catch (NoSuchFileException e) {
                    log.error("the row of {}/{} names version {}, which has no bytes", bucket, name, version);
                    return null;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    void download(
            HttpServletRequest req, HttpServletResponse res, Caller caller, String bucket, String name, boolean head)
            throws IOException, SQLException {
        rules(caller, bucket);
        serve(req, res, find(caller, bucket, name), name, head);
    }

    /**
     * GET /object/public/{bucket}/{name}: anyone reads every object of a public bucket, as in
     * Supabase; of any other bucket, what the policies let anon read (Algorhythmic's art/public/).
     */
    void downloadPublic(
            HttpServletRequest req, HttpServletResponse res, String bucket, String name, boolean head, Caller caller)
            throws IOException, SQLException {
        Rules rules = rules(Caller.anon(), bucket);
        Caller reader = rules.isPublic() ? Caller.serviceRole() : Caller.anon();
        serve(req, res, find(reader, bucket, name), name, head);
    }

    void downloadSigned(HttpServletRequest req, HttpServletResponse res, String bucket, String name, boolean head)
            throws IOException, SQLException {
        String token = req.getParameter("token");
        if (token == null || token.isBlank()) {
            throw StorageError.invalidJwt("a token is required");
        }
        JWTClaimsSet claims = signed.verify(token, SignedUrls.DOWNLOAD, bucket + "/" + name);
        Object transform = claims.getClaim("transformations");
        if (transform instanceof String t && !t.isEmpty()) {
            renderWith(req, res, Caller.serviceRole(), bucket, name, head, Images.Transform.parse(t));
            return;
        }
        serve(req, res, find(Caller.serviceRole(), bucket, name), name, head);
    }

    private void serve(HttpServletRequest req, HttpServletResponse res, Found found, String name, boolean head)
            throws IOException {
        try (Blob blob = found.blob()) {
            JsonNode m = found.metadata();
            String etag = m.path("eTag").asText("");
            long size = blob.size();
            res.setHeader("Accept-Ranges", "bytes");
            // Users' files are served from the API's origin: never sniffed into HTML, never
            // scripts with that origin's rights when opened directly.
            res.setHeader("X-Content-Type-Options", "nosniff");
            res.setHeader("Content-Security-Policy", "default-src 'none'; media-src 'self'; img-src 'self'; sandbox");
            if (!etag.isEmpty()) {
                res.setHeader("ETag", etag);
            }
            String lastModified = m.path("lastModified").asText("");
            if (!lastModified.isEmpty()) {
                try {
                    res.setHeader("Last-Modified", HTTP_DATE.format(Instant.parse(lastModified)));
                } catch (java.time.format.DateTimeParseException ignored) {
                    // left out
                }
            }
            res.setHeader("Cache-Control", m.path("cacheControl").asText("no-cache"));
            String download = req.getParameter("download");
            if (download != null) {
                String file = download.isBlank() ? name.substring(name.lastIndexOf('/') + 1) : download;
                res.setHeader(
                        "Content-Disposition",
                        "attachment; filename=\"" + file.replaceAll("[\"\\\\\\r\\n]", "_") + "\"; filename*=UTF-8''"
                                + java.net.URLEncoder.encode(file, StandardCharsets.UTF_8)
                                        .replace("+", "%20"));
            }
            String inm = req.getHeader("If-None-Match");
            if (inm != null && !etag.isEmpty() && matches(inm, etag)) {
                res.setStatus(304);
                return;
            }
            res.setContentType(m.path("mimetype").asText("application/octet-stream"));
            long start = 0;
            long length = size;
            String range = req.getHeader("Range");
            if (range != null) {
                long[] r = range(range, size);
                if (r == null) {
                    res.setHeader("Content-Range", "bytes */" + size);
                    throw new StorageError(
                            416, "InvalidRange", "Range Not Satisfiable", "The range is not satisfiable");
                }
                if (r.length == 2) {
                    start = r[0];
                    length = r[1] - r[0] + 1;
                    res.setStatus(206);
                    res.setHeader("Content-Range", "bytes " + start + "-" + r[1] + "/" + size);
                }
            } else {
                res.setStatus(200);
            }
            res.setContentLengthLong(length);
            if (head) {
                return;
            }
            try (InputStream in = blob.stream(start, length)) {
                OutputStream out = res.getOutputStream();
                byte[] buffer = new byte[COPY_BUFFER];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                }
            }
        }
    }

    private static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.trim();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals("*") || c.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /**
     * One byte range: {start, end} inclusive; an empty array when the header is to be ignored
     * (several ranges, another unit, malformed); null when it cannot be satisfied.
     */
    static long @Nullable [] range(String header, long size) {
        String h = header.trim();
        if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
            return new long[0];
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new long[0];
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    return null;
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            long start = Long.parseLong(a);
            long end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (start >= size || start > end) {
                return null;
            }
            return new long[] {start, end};
        } catch (NumberFormatException e) {
            return new long[0];
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Info, list
    // ---------------------------------------------------------------------------------------------

    void info(HttpServletResponse res, Caller caller, String bucket, String name) throws IOException, SQLException {
        String body = database.transaction(caller, true, tx -> {
                    try (PreparedStatement s = tx.connection().prepareStatement("""
                    select json_build_object('id', id, 'name', name, 'version', version, 'bucket_id', bucket_id,
                        'size', (metadata->>'size')::bigint, 'content_type', metadata->>'mimetype',
                        'cache_control', metadata->>'cacheControl', 'etag', metadata->>'eTag',
                        'metadata', user_metadata, 'last_modified', updated_at, 'created_at', created_at)::text
                    from storage.objects where bucket_id = ? and name = ?""")) {
                        s.setString(1, bucket);
                        s.setString(2, name);
                        try (ResultSet rs = s.executeQuery()) {
                            return java.util.Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                        }
                    }
                })
                .orElse(null);
        if (body == null) {
            throw StorageError.objectNotFound();
        }
        Http.json(res, 200, body);
    }

    private static final Map<String, String> SORTABLE = Map.of(
            "name", "name collate \"C\"",
            "created_at", "created_at",
            "updated_at", "updated_at",
            "last_accessed_at", "last_accessed_at");

    /** POST /object/list/{bucket}: one level under the prefix; deeper names are folders with id null. */
    void list(HttpServletRequest req, HttpServletResponse res, Caller caller, String bucket)
            throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        String prefix = body.path("prefix").asText("");
        while (prefix.startsWith("/")) {
            prefix = prefix.substring(1);
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        int limit = Math.min(Math.max(body.path("limit").asInt(100), 0), MAX_LIST);
        int offset = Math.max(body.path("offset").asInt(0), 0);
        String search = body.path("search").asText("");
        JsonNode sortBy = body.path("sortBy");
        String column = SORTABLE.get(sortBy.path("column").asText("name"));
        if (column == null) {
            throw StorageError.invalid("sortBy.column must be one of name, created_at, updated_at, last_accessed_at");
        }
        String order = sortBy.path("order").asText("asc").equalsIgnoreCase("desc") ? "desc" : "asc";
        rules(caller, bucket);
        String like = escapeLike(prefix) + "%";
        String searchLike = escapeLike(search) + "%";
        int start = prefix.length() + 1;
        String sql = """
                with items as (
                    select o.*, substr(o.name, ?) as rest from storage.objects o
                    where o.bucket_id = ? and o.name like ? escape '\\'
                ), entries as (
                    select split_part(rest, '/', 1) as name, null::uuid as id, null::timestamptz as updated_at,
                           null::timestamptz as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata
                    from items where strpos(rest, '/') > 0 and rest ilike ? escape '\\'
                    group by split_part(rest, '/', 1)
                    union all
                    select rest, id, updated_at, created_at, last_accessed_at, metadata
                    from items where strpos(rest, '/') = 0 and rest ilike ? escape '\\'
                )
                select coalesce(json_agg(json_build_object('name', name, 'id', id, 'updated_at', updated_at,
                    'created_at', created_at, 'last_accessed_at', last_accessed_at, 'metadata', metadata)), '[]')::text
                from (select * from entries order by %s %s nulls first, name collate "C" limit ? offset ?) page""".formatted(column, order);
        String json = database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                s.setInt(1, start);
                s.setString(2, bucket);
                s.setString(3, like);
                s.setString(4, searchLike);
                s.setString(5, searchLike);
                s.setInt(6, limit);
                s.setInt(7, offset);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        Http.json(res, 200, json);
    }

    static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    // ---------------------------------------------------------------------------------------------
    // Move, copy, remove
    // ---------------------------------------------------------------------------------------------

    void move(HttpServletRequest req, HttpServletResponse res, Caller caller) throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        String bucket = required(body, "bucketId");
        String from = required(body, "sourceKey");
        String to = required(body, "destinationKey");
        String toBucket = body.path("destinationBucket").asText(bucket);
        checkName(to);
        rules(caller, bucket);
        if (!toBucket.equals(bucket)) {
            rules(caller, toBucket);
        }
        int moved = database.transaction(caller, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("""
                    update storage.objects set bucket_id = ?, name = ?, last_accessed_at = now()
                    where bucket_id = ? and name = ?""")) {
                s.setString(1, toBucket);
                s.setString(2, to);
                s.setString(3, bucket);
                s.setString(4, from);
                return s.executeUpdate();
            }
        });
        if (moved == 0) {
            throw StorageError.objectNotFound();
        }
        Http.json(res, 200, Http.message("Successfully moved"));
    }

    void copy(HttpServletRequest req, HttpServletResponse res, Caller caller) throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        String bucket = required(body, "bucketId");
        String from = required(body, "sourceKey");
        String to = required(body, "destinationKey");
        String toBucket = body.path("destinationBucket").asText(bucket);
        checkName(to);
        rules(caller, bucket);
        Rules target = rules(caller, toBucket);
        Found source = find(caller, bucket, from);
        String version = Staging.newVersion();
        try {
            Staging.Staged staged;
            try (Blob blob = source.blob();
                    InputStream in = blob.stream(0, blob.size())) {
                staged = staging.stage(version, in, limitOf(target));
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            source.metadata().fields().forEachRemaining(f -> metadata.put(f.getKey(), f.getValue()));
            metadata.put("lastModified", DateTimeFormatter.ISO_INSTANT.format(clock.instant()));
            String mime = source.metadata().path("mimetype").asText("application/octet-stream");
            checkMime(target, mime);
            String userMetadata = database.transaction(caller, true, tx -> {
                        try (PreparedStatement s = tx.connection()
                                .prepareStatement(
                                        "select user_metadata::text from storage.objects where bucket_id = ? and name = ?")) {
                            s.setString(1, bucket);
                            s.setString(2, from);
                            try (ResultSet rs = s.executeQuery()) {
                                return java.util.Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                            }
                        }
                    })
                    .orElse(null);
            Written written = write(
                    caller, toBucket, to, caller.subject(), metadata, userMetadata, staged, StorageApi.upsert(req));
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("Id", written.id());
            reply.put("Key", toBucket + "/" + to);
            Http.json(res, 200, reply);
        } finally {
            staging.remove(version);
        }
    }

    /** DELETE /object/{bucket} with {prefixes: [names]}: removes what the caller may, answers the removed rows. */
    void remove(HttpServletRequest req, HttpServletResponse res, Caller caller, String bucket)
            throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        JsonNode prefixes = body.path("prefixes");
        if (!prefixes.isArray() || prefixes.isEmpty() || prefixes.size() > MAX_LIST) {
            throw StorageError.invalid("prefixes must be an array of 1 to " + MAX_LIST + " names");
        }
        List<String> names = new ArrayList<>();
        prefixes.forEach(n -> names.add(n.asText()));
        rules(caller, bucket);
        List<String> versions = new ArrayList<>();
        String json = database.transaction(caller, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("""
                    delete from storage.objects where bucket_id = ? and name = any(?)
                    returning version, json_build_object('bucket_id', bucket_id, 'name', name, 'id', id,
                        'owner', owner, 'updated_at', updated_at, 'created_at', created_at,
                        'last_accessed_at', last_accessed_at, 'metadata', metadata)::text""")) {
                s.setString(1, bucket);
                s.setArray(2, tx.connection().createArrayOf("text", names.toArray()));
                StringBuilder out = new StringBuilder("[");
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        versions.add(rs.getString(1));
                        out.append(out.length() > 1 ? "," : "").append(rs.getString(2));
                    }
                }
                return out.append(']').toString();
            }
        });
        versions.forEach(this::deleteQuietly);
        Http.json(res, 200, json);
    }

    void removeOne(HttpServletResponse res, Caller caller, String bucket, String name)
            throws IOException, SQLException {
        rules(caller, bucket);
        String version = database.transaction(caller, tx -> {
                    try (PreparedStatement s = tx.connection()
                            .prepareStatement(
                                    "delete from storage.objects where bucket_id = ? and name = ? returning version")) {
                        s.setString(1, bucket);
                        s.setString(2, name);
                        try (ResultSet rs = s.executeQuery()) {
                            return java.util.Optional.ofNullable(rs.next() ? rs.getString(1) : null);
                        }
                    }
                })
                .orElse(null);
        if (version == null) {
            throw StorageError.objectNotFound();
        }
        deleteQuietly(version);
        Http.json(res, 200, Http.message("Successfully deleted"));
    }

    // ---------------------------------------------------------------------------------------------
    // Signed URLs
    // ---------------------------------------------------------------------------------------------

    /** A download token for one object, as {@code POST /object/sign} issues (for the server's own links). */
    String signDownload(String bucket, String name, long expiresInSeconds) {
        return signed.sign(SignedUrls.DOWNLOAD, bucket + "/" + name, expiresInSeconds, Map.of());
    }

    void sign(HttpServletRequest req, HttpServletResponse res, Caller caller, String bucket, String name)
            throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        long expiresIn = expiresIn(body);
        rules(caller, bucket);
        if (visible(caller, bucket, List.of(name)).isEmpty()) {
            throw StorageError.objectNotFound();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        JsonNode transform = body.path("transform");
        if (transform.isObject() && !transform.isEmpty()) {
            extra.put("transformations", Images.Transform.of(transform).encode());
        }
        String token = signed.sign(SignedUrls.DOWNLOAD, bucket + "/" + name, expiresIn, extra);
        Http.json(res, 200, Map.of("signedURL", "/object/sign/" + bucket + "/" + name + "?token=" + token));
    }

    void signMany(HttpServletRequest req, HttpServletResponse res, Caller caller, String bucket)
            throws IOException, SQLException {
        JsonNode body = Http.jsonBody(req);
        long expiresIn = expiresIn(body);
        JsonNode paths = body.path("paths");
        if (!paths.isArray() || paths.size() > MAX_LIST) {
            throw StorageError.invalid("paths must be an array of at most " + MAX_LIST + " names");
        }
        List<String> names = new ArrayList<>();
        paths.forEach(p -> names.add(p.asText()));
        rules(caller, bucket);
        java.util.Set<String> seen = visible(caller, bucket, names);
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : names) {
            Map<String, Object> item = new LinkedHashMap<>();
            if (seen.contains(name)) {
                item.put("error", null);
                item.put("path", name);
                item.put(
                        "signedURL",
                        "/object/sign/" + bucket + "/" + name + "?token="
                                + signed.sign(SignedUrls.DOWNLOAD, bucket + "/" + name, expiresIn, Map.of()));
            } else {
                item.put("error", "Either the object does not exist or you do not have access to it");
                item.put("path", name);
                item.put("signedURL", null);
            }
            out.add(item);
        }
        Http.json(res, 200, out);
    }

    private java.util.Set<String> visible(Caller caller, String bucket, List<String> names) throws SQLException {
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement("select name from storage.objects where bucket_id = ? and name = any(?)")) {
                s.setString(1, bucket);
                s.setArray(2, tx.connection().createArrayOf("text", names.toArray()));
                java.util.Set<String> found = new java.util.HashSet<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        found.add(rs.getString(1));
                    }
                }
                return found;
            }
        });
    }

    private static long expiresIn(JsonNode body) {
        JsonNode e = body.path("expiresIn");
        if (!e.canConvertToLong() || e.asLong() < 1 || e.asLong() > 10L * 365 * 24 * 3600) {
            throw StorageError.invalid("expiresIn must be a number of seconds of at least 1");
        }
        return e.asLong();
    }

    /** Rolls back the trial insert that checks the caller may upload. */
    private static final class TrialDone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TrialDone() {
            super(null, null, false, false);
        }
    }

    /**
     * POST /object/upload/sign/{bucket}/{name}: checks now, with a trial insert rolled back, that
     * the caller may upload there (the policies decide), then signs a two-hour upload token for it.
     */
    void signUpload(HttpServletRequest req, HttpServletResponse res, Caller caller, String bucket, String name)
            throws IOException, SQLException {
        checkName(name);
        rules(caller, bucket);
        boolean upsert = StorageApi.upsert(req);
        checkMayUpload(caller, bucket, name, upsert);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("upsert", upsert);
        if (caller.subject() != null) {
            extra.put("owner", caller.subject());
        }
        String token = signed.sign(SignedUrls.UPLOAD, bucket + "/" + name, UPLOAD_URL_SECONDS, extra);
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("url", "/object/upload/sign/" + bucket + "/" + name + "?token=" + token);
        reply.put("token", token);
        Http.json(res, 200, reply);
    }

    /**
     * Fails as the upload itself would when the policies refuse {@code caller} an upload of
     * {@code name}: a trial insert (an upsert with {@code upsert}), always rolled back.
     */
    void checkMayUpload(Caller caller, String bucket, String name, boolean upsert) throws SQLException {
        try {
            database.transaction(caller, tx -> {
                String sql =
                        "insert into storage.objects (bucket_id, name, owner, owner_id, version) values (?, ?, ?::uuid, ?, ?)"
                                + (upsert
                                        ? " on conflict (bucket_id, name) do update set version = excluded.version"
                                        : "");
                try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                    s.setString(1, bucket);
                    s.setString(2, name);
                    s.setString(3, uuidOrNull(caller.subject()));
                    s.setString(4, caller.subject());
                    s.setString(5, Staging.newVersion());
                    s.executeUpdate();
                }
                throw new TrialDone();
            });
        } catch (TrialDone allowed) {
            // may upload
        }
    }

    /** Writes the row of bytes staged outside a request body (a finished resumable upload). */
    Written commitStaged(
            Caller caller,
            String bucket,
            String name,
            @Nullable String owner,
            String mime,
            String cacheControl,
            Staging.Staged staged,
            boolean upsert)
            throws SQLException, IOException {
        return write(caller, bucket, name, owner, metadata(staged, mime, cacheControl), null, staged, upsert);
    }

    void uploadSigned(HttpServletRequest req, HttpServletResponse res, String bucket, String name)
            throws IOException, SQLException {
        String token = req.getParameter("token");
        if (token == null || token.isBlank()) {
            throw StorageError.invalidJwt("a token is required");
        }
        JWTClaimsSet claims = signed.verify(token, SignedUrls.UPLOAD, bucket + "/" + name);
        Object owner = claims.getClaim("owner");
        boolean upsert = Boolean.TRUE.equals(claims.getClaim("upsert"));
        upload(req, res, Caller.serviceRole(), bucket, name, upsert, owner == null ? "" : owner.toString());
    }

    // ---------------------------------------------------------------------------------------------
    // Image transformations
    // ---------------------------------------------------------------------------------------------

    void render(
            HttpServletRequest req,
            HttpServletResponse res,
            String mode,
            String bucket,
            String name,
            boolean head,
            Caller caller)
            throws IOException, SQLException {
        Images.Transform transform = Images.Transform.fromQuery(req);
        switch (mode) {
            case "public" -> {
                Rules rules = rules(Caller.anon(), bucket);
                renderWith(
                        req,
                        res,
                        rules.isPublic() ? Caller.serviceRole() : Caller.anon(),
                        bucket,
                        name,
                        head,
                        transform);
            }
            case "authenticated" -> renderWith(req, res, caller, bucket, name, head, transform);
            case "sign" -> {
                String token = req.getParameter("token");
                if (token == null || token.isBlank()) {
                    throw StorageError.invalidJwt("a token is required");
                }
                JWTClaimsSet claims = signed.verify(token, SignedUrls.DOWNLOAD, bucket + "/" + name);
                Object t = claims.getClaim("transformations");
                renderWith(
                        req,
                        res,
                        Caller.serviceRole(),
                        bucket,
                        name,
                        head,
                        t instanceof String s && !s.isEmpty() ? Images.Transform.parse(s) : transform);
            }
            default -> throw new StorageError(404, "NotFound", "Not Found", "Route not found");
        }
    }

    private void renderWith(
            HttpServletRequest req,
            HttpServletResponse res,
            Caller reader,
            String bucket,
            String name,
            boolean head,
            Images.Transform transform)
            throws IOException, SQLException {
        rules(reader, bucket);
        Found found = find(reader, bucket, name);
        byte[] image;
        String type;
        try (Blob blob = found.blob()) {
            Images.Rendered rendered = images.render(found.version(), found.metadata(), blob, transform);
            image = rendered.bytes();
            type = rendered.contentType();
        }
        String etag = "\"" + found.version() + "-" + transform.encode().hashCode() + "\"";
        res.setHeader("ETag", etag);
        res.setHeader("Cache-Control", found.metadata().path("cacheControl").asText("no-cache"));
        String inm = req.getHeader("If-None-Match");
        if (inm != null && matches(inm, etag)) {
            res.setStatus(304);
            return;
        }
        res.setStatus(200);
        res.setContentType(type);
        res.setContentLengthLong(image.length);
        if (!head) {
            res.getOutputStream().write(image);
        }
    }

    // ---------------------------------------------------------------------------------------------

    static String required(JsonNode body, String field) {
        JsonNode v = body.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw StorageError.invalid("body must have required property '" + field + "'");
        }
        return v.asText();
    }

    /** A database error in Supabase's terms: constraint and policy violations are the client's, the rest 500/503. */
    static StorageError fromSql(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return switch (state) {
            case "23505" -> StorageError.duplicate();
            case "42501" -> StorageError.rls();
            case "23503" -> StorageError.bucketNotFound();
            case "23514", "22P02", "22023", "22001" -> StorageError.invalid(String.valueOf(e.getMessage()));
            case "57014" -> new StorageError(500, "DatabaseTimeout", "DatabaseTimeout", "the statement timed out");
            default ->
                state.startsWith("08") || e instanceof java.sql.SQLTransientConnectionException
                        ? new StorageError(503, "DatabaseError", "DatabaseError", "the database is unavailable")
                        : new StorageError(500, "DatabaseError", "DatabaseError", "Internal Server Error");
        };
    }

    /** For copy's staged metadata values (Jackson nodes) and the JSON writer. */
    static ObjectNode node() {
        return Http.JSON.createObjectNode();
    }
}
