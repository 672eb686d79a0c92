package dev.atelier.platform.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * TUS 1.0 resumable uploads at /storage/v1/upload/resumable, as tus-js-client speaks it with
 * Supabase: creation (with upload), HEAD for the offset, PATCH chunks, termination;
 * {@code Upload-Metadata} names bucketName, objectName, contentType and cacheControl, and
 * {@code x-upsert} allows replacing. An upload's state is two files under the data directory
 * ({@code storage/resumable/<id>.json} and its bytes {@code <id>.part}, synced after every chunk),
 * so it survives a restart: a client asks HEAD for the offset and goes on. The caller's
 * permission is checked when the upload is created and again, as the caller, when its last chunk
 * arrives and the object is written; only the caller who created an upload may continue it.
 */
final class Tus {

    private static final String VERSION = "1.0.0";
    private static final int BUFFER = 1 << 20;

    private final Path directory;
    private final Objects objects;
    private final Staging staging;
    private final long maxUploadBytes;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    Tus(Path directory, Objects objects, Staging staging, long maxUploadBytes) throws IOException {
        this.directory = Files.createDirectories(directory);
        this.objects = objects;
        this.staging = staging;
        this.maxUploadBytes = maxUploadBytes;
    }

    void handle(HttpServletRequest req, HttpServletResponse res, String method, List<String> rest, Caller caller)
            throws IOException, SQLException {
        res.setHeader("Tus-Resumable", VERSION);
        if (rest.isEmpty()) {
            if (method.equals("POST")) {
                create(req, res, caller);
                return;
            }
            throw new StorageError(405, "MethodNotAllowed", "Method Not Allowed", "Method not allowed");
        }
        if (rest.size() != 1 || !Staging.isVersion(rest.get(0))) {
            throw notFound();
        }
        String id = rest.get(0);
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        if (!lock.tryLock()) {
            throw new StorageError(423, "Locked", "Locked", "another request is writing this upload");
        }
        try {
            ObjectNode state = state(id, caller);
            switch (method) {
                case "HEAD" -> {
                    res.setHeader("Upload-Offset", Long.toString(offset(id)));
                    res.setHeader("Upload-Length", state.path("length").asText());
                    res.setHeader("Cache-Control", "no-store");
                    res.setStatus(200);
                }
                case "PATCH" -> patch(req, res, id, state, caller);
                case "DELETE" -> {
                    discard(id);
                    res.setStatus(204);
                }
                default -> throw new StorageError(405, "MethodNotAllowed", "Method Not Allowed", "Method not allowed");
            }
        } finally {
            lock.unlock();
            locks.remove(id, lock);
        }
    }

    private void create(HttpServletRequest req, HttpServletResponse res, Caller caller)
            throws IOException, SQLException {
        String lengthHeader = req.getHeader("Upload-Length");
        long length;
        try {
            length = Long.parseLong(String.valueOf(lengthHeader).trim());
        } catch (NumberFormatException e) {
            throw StorageError.invalid("Upload-Length is required (deferred lengths are not supported)");
        }
        Map<String, String> meta = metadata(req.getHeader("Upload-Metadata"));
        String bucket = meta.getOrDefault("bucketName", "");
        String name = meta.getOrDefault("objectName", "");
        if (bucket.isEmpty() || name.isEmpty()) {
            throw StorageError.invalid("Upload-Metadata must name bucketName and objectName");
        }
        Objects.checkName(name);
        String contentType = meta.getOrDefault("contentType", "application/octet-stream");
        String cacheControl = meta.getOrDefault("cacheControl", "3600");
        boolean upsert = StorageApi.upsert(req);
        Objects.Rules rules = objects.rules(caller, bucket);
        if (length < 0 || length > Math.min(maxUploadBytes, objects.limitOf(rules))) {
            throw StorageError.tooLarge();
        }
        Objects.checkMime(rules, contentType);
        objects.checkMayUpload(caller, bucket, name, upsert);

        String id = UUID.randomUUID().toString();
        ObjectNode state = Http.JSON.createObjectNode();
        state.put("bucket", bucket);
        state.put("name", name);
        state.put("length", length);
        state.put("contentType", contentType);
        state.put(
                "cacheControl",
                cacheControl.chars().allMatch(Character::isDigit) ? "max-age=" + cacheControl : cacheControl);
        state.put("upsert", upsert);
        state.put("role", caller.role());
        if (caller.subject() != null) {
            state.put("subject", caller.subject());
        }
        Files.createFile(part(id));
        writeState(id, state);
        res.setHeader("Location", location(req, id));
        long offset = 0;
        String type = req.getContentType();
        if (type != null && type.startsWith("application/offset+octet-stream") && req.getContentLengthLong() != 0) {
            offset = append(req.getInputStream(), id, 0, length);
        }
        res.setHeader("Upload-Offset", Long.toString(offset));
        if (offset == length) {
            finish(id, state, caller);
        }
        res.setStatus(201);
    }

    private void patch(HttpServletRequest req, HttpServletResponse res, String id, ObjectNode state, Caller caller)
            throws IOException, SQLException {
        String type = req.getContentType();
        if (type == null || !type.startsWith("application/offset+octet-stream")) {
            throw new StorageError(
                    415,
                    "InvalidMimeType",
                    "Unsupported Media Type",
                    "Content-Type must be application/offset+octet-stream");
        }
        long claimed;
        try {
            claimed = Long.parseLong(
                    String.valueOf(req.getHeader("Upload-Offset")).trim());
        } catch (NumberFormatException e) {
            throw StorageError.invalid("Upload-Offset is required");
        }
        long offset = offset(id);
        if (claimed != offset) {
            throw new StorageError(409, "Conflict", "Conflict", "Upload-Offset is " + offset + ", not " + claimed);
        }
        long length = state.path("length").asLong();
        long now = append(req.getInputStream(), id, offset, length);
        res.setHeader("Upload-Offset", Long.toString(now));
        if (now == length) {
            finish(id, state, caller);
        }
        res.setStatus(204);
    }

    /** Appends the body at {@code offset}, never past {@code length}, and syncs; returns the new offset. */
    private long append(InputStream in, String id, long offset, long length) throws IOException {
        try (FileChannel out = FileChannel.open(part(id), StandardOpenOption.WRITE)) {
            out.truncate(offset); // bytes of a chunk cut short by a crash are past the offset HEAD reported
            out.position(offset);
            byte[] buffer = new byte[BUFFER];
            long at = offset;
            int n;
            while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                if (at + n > length) {
                    throw new StorageError(
                            413, "EntityTooLarge", "Payload too large", "the chunk goes past Upload-Length");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                at += n;
            }
            out.force(true);
            return at;
        }
    }

    /** The last chunk is in: the bytes become a staged upload and the object is written as the caller. */
    private void finish(String id, ObjectNode state, Caller caller) throws IOException, SQLException {
        String version = Staging.newVersion();
        Path staged = staging.path(version);
        try {
            Files.move(part(id), staged, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part(id), staged);
        }
        try {
            MessageDigest md5 = Staging.md5();
            long size = 0;
            try (InputStream in = Files.newInputStream(staged)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    md5.update(buffer, 0, n);
                    size += n;
                }
            }
            Staging.Staged s =
                    new Staging.Staged(version, staged, size, HexFormat.of().formatHex(md5.digest()));
            objects.commitStaged(
                    caller,
                    state.path("bucket").asText(),
                    state.path("name").asText(),
                    caller.subject(),
                    state.path("contentType").asText(),
                    state.path("cacheControl").asText(),
                    s,
                    state.path("upsert").asBoolean());
        } finally {
            staging.remove(version);
            Files.deleteIfExists(stateFile(id));
        }
    }

    private ObjectNode state(String id, Caller caller) throws IOException {
        Path file = stateFile(id);
        if (!Files.exists(file)) {
            throw notFound();
        }
        JsonNode node = Http.JSON.readTree(Files.readAllBytes(file));
        if (!(node instanceof ObjectNode state)) {
            throw notFound();
        }
        boolean same = caller.role().equals("service_role")
                || (caller.role().equals(state.path("role").asText())
                        && java.util.Objects.equals(
                                caller.subject(), state.path("subject").asText(null)));
        if (!same) {
            throw notFound(); // someone else's upload does not exist for this caller
        }
        return state;
    }

    private long offset(String id) throws IOException {
        Path part = part(id);
        if (!Files.exists(part)) {
            throw notFound();
        }
        return Files.size(part);
    }

    private void writeState(String id, ObjectNode state) throws IOException {
        Path tmp = directory.resolve(id + ".json.tmp");
        try (FileChannel out = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(Http.JSON.writeValueAsBytes(state)));
            out.force(true);
        }
        Files.move(tmp, stateFile(id), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    private void discard(String id) throws IOException {
        Files.deleteIfExists(part(id));
        Files.deleteIfExists(stateFile(id));
    }

    private Path part(String id) {
        return directory.resolve(id + ".part");
    }

    private Path stateFile(String id) {
        return directory.resolve(id + ".json");
    }

    private static String location(HttpServletRequest req, String id) {
        String host = req.getHeader("Host");
        String base = host == null ? "" : req.getScheme() + "://" + host;
        return base + StorageApi.BASE + "/upload/resumable/" + id;
    }

    /** {@code key base64value,key base64value}; a key without a value maps to "". */
    static Map<String, String> metadata(@Nullable String header) {
        Map<String, String> out = new HashMap<>();
        if (header == null || header.isBlank()) {
            return out;
        }
        if (header.length() > 16 * 1024) {
            throw StorageError.invalid("Upload-Metadata is too long");
        }
        for (String pair : header.split(",")) {
            String p = pair.trim();
            if (p.isEmpty()) {
                continue;
            }
            int space = p.indexOf(' ');
            String key = space < 0 ? p : p.substring(0, space);
            try {
                String value = space < 0
                        ? ""
                        : new String(
                                Base64.getDecoder()
                                        .decode(p.substring(space + 1).trim()),
                                StandardCharsets.UTF_8);
                out.put(key, value);
            } catch (IllegalArgumentException e) {
                throw StorageError.invalid("Upload-Metadata values must be base64");
            }
        }
        return out;
    }

    private static StorageError notFound() {
        return new StorageError(404, "NotFound", "Not Found", "Upload not found");
    }
}
