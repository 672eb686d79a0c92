package dev.atelier.platform.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Encryption of secrets at rest (OAuth tokens and the like) with AES-256-GCM. Keys live outside the
 * database, in configuration ({@code ATELIER_ENCRYPTION_KEYS}) or in the data directory, so a
 * database dump alone decrypts nothing. Every value records the id of the key that sealed it, so
 * a new key can become active while values sealed with older ones still open.
 *
 * <p>The additional authenticated data names where a value belongs (table, column, owner), so a
 * ciphertext copied into another user's row fails to open instead of leaking.
 */
public final class Keyring {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String activeKeyId;
    private final Map<String, SecretKey> keys;

    Keyring(String activeKeyId, Map<String, SecretKey> keys) {
        if (!keys.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("the active key " + activeKeyId + " is not in the keyring");
        }
        this.activeKeyId = activeKeyId;
        this.keys = Map.copyOf(keys);
    }

    /**
     * Keys from {@code spec} ("id:base64key,id2:base64key", the first one active) when given,
     * else from {@code encryption-keys} in the data directory, created with one fresh key.
     */
    public static Keyring load(@Nullable String spec, Path dataDirectory) {
        if (spec != null && !spec.isBlank()) {
            return parse(spec.trim(), "ATELIER_ENCRYPTION_KEYS");
        }
        Path file = dataDirectory.resolve("encryption-keys");
        try {
            if (!Files.exists(file)) {
                byte[] key = new byte[32];
                RANDOM.nextBytes(key);
                Path temp = Files.createTempFile(
                        dataDirectory,
                        "encryption-keys",
                        ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temp, "k1:" + Base64.getEncoder().encodeToString(key) + "\n");
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            }
            return parse(Files.readString(file).trim(), file.toString());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read or create the encryption keys " + file + ": " + e.getMessage(), e);
        }
    }

    static Keyring parse(String spec, String source) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String active = null;
        for (String entry : spec.split("[,\\n]")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(source + ": each key must be written id:base64key");
            }
            String id = trimmed.substring(0, colon);
            byte[] key;
            try {
                key = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": key " + id + " is not valid base64");
            }
            if (key.length != 32) {
                throw new IllegalArgumentException(
                        source + ": key " + id + " must be 32 bytes (AES-256), not " + key.length);
            }
            if (keys.put(id, new SecretKeySpec(key, "AES")) != null) {
                throw new IllegalArgumentException(source + ": key id " + id + " appears twice");
            }
            active = active == null ? id : active;
        }
        if (active == null) {
            throw new IllegalArgumentException(source + ": no keys");
        }
        return new Keyring(active, keys);
    }

    /** Seals a secret for the place {@code context} names, with the active key. */
    public Sealed seal(String plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return new Sealed(activeKeyId, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable: " + e.getMessage(), e);
        }
    }

    /** Opens a value sealed for {@code context}; fails if it was sealed for another place, altered, or its key is gone. */
    public String open(Sealed value, String context) {
        SecretKey key = keys.get(value.keyId());
        if (key == null) {
            throw new IllegalStateException("no encryption key with id " + value.keyId() + " is configured");
        }
        byte[] bytes = value.bytes();
        if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalStateException("the sealed value is truncated");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("the sealed value does not belong to " + context + " or was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    /** True when the value was sealed with an older key and should be sealed again. */
    public boolean needsRotation(Sealed value) {
        return !activeKeyId.equals(value.keyId());
    }

    public String activeKeyId() {
        return activeKeyId;
    }

    /** A sealed secret: the key id to store beside it and nonce‖ciphertext‖tag for a bytea column. */
    public record Sealed(String keyId, byte[] bytes) {}
}
