package dev.atelier.platform.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Incoming bytes, streamed to a file of this server's data directory and synced before anything
 * points at them; never held in memory beyond one buffer. A staged file stays until the row that
 * names its version has committed ({@link #remove}), so after a crash the files left here are
 * exactly the uploads that may not have committed: the start-up recovery checks each.
 */
final class Staging {

    private static final Pattern VERSION =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final int BUFFER = 1 << 20;

    private final Path directory;

    Staging(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    static String newVersion() {
        return UUID.randomUUID().toString();
    }

    static boolean isVersion(String name) {
        return VERSION.matcher(name).matches();
    }

    /** What was staged: the file, its size and its MD5 (Supabase's ETag for a single-part upload). */
    record Staged(String version, Path path, long size, String md5) {}

    /** Streams {@code in} to a new file, synced; more than {@code limit} bytes is {@link StorageError#tooLarge()}. */
    Staged stage(String version, InputStream in, long limit) throws IOException {
        Path path = path(version);
        MessageDigest md5 = md5();
        long size = 0;
        boolean done = false;
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                size += n;
                if (size > limit) {
                    throw StorageError.tooLarge();
                }
                md5.update(buffer, 0, n);
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
            }
            out.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(path);
            }
        }
        return new Staged(version, path, size, HexFormat.of().formatHex(md5.digest()));
    }

    Path path(String version) {
        if (!isVersion(version)) {
            throw new IllegalArgumentException("not a version: " + version);
        }
        return directory.resolve(version);
    }

    void remove(String version) {
        try {
            Files.deleteIfExists(path(version));
        } catch (IOException e) {
            // Left for the start-up recovery, which finds its row and removes it then.
        }
    }

    /** Versions staged and not yet settled: uploads under way, or, at start-up, cut short by a crash. */
    List<String> pending() throws IOException {
        List<String> versions = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (isVersion(name)) {
                    versions.add(name);
                } else {
                    Files.deleteIfExists(file);
                }
            }
        }
        return versions;
    }

    boolean isPending(String version) {
        return Files.exists(path(version));
    }

    static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
