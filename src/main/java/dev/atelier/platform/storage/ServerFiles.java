package dev.atelier.platform.storage;

import dev.atelier.platform.db.Caller;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Files the server itself writes (generated images, videos, thumbnails), as the service role,
 * with the same rows, metadata and bytes as an upload through /storage/v1. A put replaces what
 * the name held (upsert), so a job that writes under a name derived from its own record can run
 * again without leaving a second file.
 */
public final class ServerFiles {

    /** How storage serves a public object: {@code /storage/v1/object/public/<bucket>/<name>}. */
    public static final String PUBLIC_PREFIX = StorageApi.BASE + "/object/public/";

    private final Objects objects;
    private final Staging staging;

    ServerFiles(Objects objects, Staging staging) {
        this.objects = objects;
        this.staging = staging;
    }

    /** A stored file: its object id, its bucket and name, and its size. */
    public record Stored(String id, String bucket, String name, long size, String contentType) {
        /** The path under which a public bucket (or a public read policy) serves it. */
        public String publicPath() {
            return PUBLIC_PREFIX + bucket + "/" + name;
        }
    }

    /**
     * A URL that reads {@code bucket}/{@code name} without a token for {@code expiresIn}, as a
     * signed URL from {@code POST /storage/v1/object/sign} does: for links the server hands to the
     * object's owner, or to anyone the owner chose to share it with. The path is relative to the
     * server's base URL.
     */
    public String signedUrl(String bucket, String name, java.time.Duration expiresIn) {
        Objects.checkName(name);
        long seconds = Math.max(1, expiresIn.toSeconds());
        return StorageApi.BASE + "/object/sign/" + bucket + "/" + name + "?token="
                + objects.signDownload(bucket, name, seconds);
    }

    /**
     * Writes {@code bytes} to {@code bucket}/{@code name}, owned by {@code ownerId} (a user's id,
     * or null for the platform's own), with the bucket's size and type rules applied.
     */
    public Stored put(String bucket, String name, @Nullable String ownerId, byte[] bytes, String contentType)
            throws IOException, SQLException {
        Objects.checkName(name);
        Objects.Rules rules = objects.rules(Caller.serviceRole(), bucket);
        Objects.checkMime(rules, contentType);
        String mime = Objects.baseType(contentType);
        String version = Staging.newVersion();
        try {
            Staging.Staged staged = staging.stage(version, new ByteArrayInputStream(bytes), objects.limitOf(rules));
            Map<String, Object> metadata = objects.metadata(staged, mime, "max-age=3600");
            Objects.Written written =
                    objects.write(Caller.serviceRole(), bucket, name, ownerId, metadata, null, staged, true);
            return new Stored(written.id(), bucket, name, staged.size(), mime);
        } finally {
            staging.remove(version);
        }
    }

    /**
     * The bytes of {@code bucket}/{@code name} as the service role reads them, or null when there
     * is no such file or it is larger than {@code maxBytes} (a job reading back what it wrote, e.g.
     * the previous illustration of a story as the reference for the next).
     */
    public byte @Nullable [] read(String bucket, String name, long maxBytes) throws IOException, SQLException {
        Objects.Found found;
        try {
            found = objects.find(Caller.serviceRole(), bucket, name);
        } catch (StorageError e) {
            return null;
        }
        try (Blob blob = found.blob()) {
            if (blob.size() > maxBytes) {
                return null;
            }
            try (java.io.InputStream in = blob.stream(0, blob.size())) {
                return in.readAllBytes();
            }
        }
    }

    /**
     * Removes the bytes of versions whose rows are already gone (a deleted user's objects, after the
     * deletion committed). A version that cannot be removed is logged and left to the orphan sweep.
     */
    public void discardBytes(java.util.Collection<String> versions) {
        versions.forEach(objects::deleteQuietly);
    }
}
