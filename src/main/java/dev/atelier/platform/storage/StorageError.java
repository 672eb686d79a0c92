package dev.atelier.platform.storage;

/**
 * An error in Supabase Storage's shape: {@code {statusCode, code, error, message}}, answered, as
 * Supabase's server does, with HTTP 400 and the real status as the string {@code statusCode}
 * (storage-js reads both). The TUS endpoint answers with the real status, as its protocol needs.
 */
final class StorageError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String code;
    final String error;

    StorageError(int status, String code, String error, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.error = error;
    }

    static StorageError bucketNotFound() {
        return new StorageError(404, "NoSuchBucket", "Bucket not found", "Bucket not found");
    }

    static StorageError objectNotFound() {
        return new StorageError(404, "NoSuchKey", "not_found", "Object not found");
    }

    static StorageError duplicate() {
        return new StorageError(409, "Duplicate", "Duplicate", "The resource already exists");
    }

    static StorageError rls() {
        return new StorageError(403, "AccessDenied", "Unauthorized", "new row violates row-level security policy");
    }

    static StorageError invalid(String message) {
        return new StorageError(400, "InvalidRequest", "Bad Request", message);
    }

    static StorageError invalidJwt(String message) {
        return new StorageError(400, "InvalidJWT", "Unauthorized", message);
    }

    static StorageError tooLarge() {
        return new StorageError(
                413, "EntityTooLarge", "Payload too large", "The object exceeded the maximum allowed size");
    }

    static StorageError mimeType(String mimeType) {
        return new StorageError(
                415, "InvalidMimeType", "invalid_mime_type", "mime type " + mimeType + " is not supported");
    }
}
