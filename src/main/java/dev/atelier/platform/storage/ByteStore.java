package dev.atelier.platform.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Where objects' bytes live, by version (a new one for every write, so bytes are never rewritten
 * in place). Every object arrives as a complete, synced local file ({@link Staging}) and is
 * published under its version before the row that names it commits.
 */
interface ByteStore {

    /** Makes the staged file's bytes readable under {@code version}, durably, all or nothing. */
    void publish(String version, Path staged) throws IOException;

    /** Opens a version's bytes; {@link java.nio.file.NoSuchFileException} when there are none. */
    Blob open(String version) throws IOException;

    boolean exists(String version) throws IOException;

    /** Removes a version's bytes; nothing when there are none. */
    void delete(String version) throws IOException;

    /** Every version that has bytes, for the orphan sweep. */
    void forEachVersion(Consumer<String> sink) throws IOException;

    /** A name for logs and reports: "disk /path" or "s3 bucket". */
    String describe();
}
