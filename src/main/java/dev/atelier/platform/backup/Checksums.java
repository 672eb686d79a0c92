package dev.atelier.platform.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SHA-256 of archive files, and the manifests that record them ({@code <sha256>  <name>} per
 * line, as {@code sha256sum} writes and checks them).
 */
final class Checksums {

    private Checksums() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    static String of(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256())) {
            in.transferTo(OutputStream.nullOutputStream());
            return hex(((DigestInputStream) in).getMessageDigest());
        }
    }

    /** The manifest's entries, name to digest; empty when there is none yet. */
    static Map<String, String> read(Path manifest) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        if (!Files.exists(manifest)) {
            return entries;
        }
        for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
            int gap = line.indexOf("  ");
            if (gap == 64) {
                entries.put(line.substring(66), line.substring(0, 64));
            }
        }
        return entries;
    }

    /** Appends entries and syncs the manifest. */
    static void append(Path manifest, Map<String, String> entries) throws IOException {
        if (entries.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder();
        entries.forEach(
                (name, digest) -> text.append(digest).append("  ").append(name).append('\n'));
        try (var channel = java.nio.channels.FileChannel.open(
                manifest, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
    }

    /** Rewrites the manifest with {@code entries} only (after retention removed files). */
    static void rewrite(Path manifest, Map<String, String> entries) throws IOException {
        Path temp = manifest.resolveSibling(manifest.getFileName() + ".tmp");
        StringBuilder text = new StringBuilder();
        entries.forEach(
                (name, digest) -> text.append(digest).append("  ").append(name).append('\n'));
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, manifest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
