package dev.atelier.platform.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringTest {

    private static final String K1 =
            Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    private static final String K2 =
            Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII));

    @Test
    void sealedValuesOpenOnlyForTheirOwnPlace() {
        Keyring keyring = Keyring.parse("k1:" + K1, "test");
        Keyring.Sealed sealed = keyring.seal("spotify-refresh-token", "moodscale.users.spotify_refresh_token:42");
        assertThat(new String(sealed.bytes(), StandardCharsets.UTF_8)).doesNotContain("spotify-refresh-token");
        assertThat(keyring.open(sealed, "moodscale.users.spotify_refresh_token:42"))
                .isEqualTo("spotify-refresh-token");
        assertThatThrownBy(() -> keyring.open(sealed, "moodscale.users.spotify_refresh_token:43"))
                .hasMessageContaining("does not belong");
    }

    @Test
    void sealingTwiceGivesDifferentCiphertexts() {
        Keyring keyring = Keyring.parse("k1:" + K1, "test");
        assertThat(keyring.seal("same", "ctx").bytes())
                .isNotEqualTo(keyring.seal("same", "ctx").bytes());
    }

    @Test
    void aTamperedValueDoesNotOpen() {
        Keyring keyring = Keyring.parse("k1:" + K1, "test");
        Keyring.Sealed sealed = keyring.seal("token", "ctx");
        byte[] bytes = sealed.bytes().clone();
        bytes[bytes.length - 1] ^= 1;
        assertThatThrownBy(() -> keyring.open(new Keyring.Sealed("k1", bytes), "ctx"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void afterRotationOldValuesStillOpenAndNewOnesUseTheNewKey() {
        Keyring old = Keyring.parse("k1:" + K1, "test");
        Keyring.Sealed before = old.seal("token", "ctx");
        Keyring rotated = Keyring.parse("k2:" + K2 + ",k1:" + K1, "test");
        assertThat(rotated.open(before, "ctx")).isEqualTo("token");
        assertThat(rotated.needsRotation(before)).isTrue();
        assertThat(rotated.seal("token", "ctx").keyId()).isEqualTo("k2");
        assertThatThrownBy(() -> Keyring.parse("k2:" + K2, "test").open(before, "ctx"))
                .hasMessageContaining("no encryption key with id k1");
    }

    @Test
    void rejectsKeysThatAreNotAes256() {
        assertThatThrownBy(() -> Keyring.parse("k1:" + Base64.getEncoder().encodeToString(new byte[16]), "env"))
                .hasMessageContaining("must be 32 bytes");
        assertThatThrownBy(() -> Keyring.parse("k1", "env")).hasMessageContaining("id:base64key");
    }

    @Test
    void aKeyIsCreatedOnceInTheDataDirectoryAndKeptPrivate(@TempDir Path dir) throws Exception {
        Keyring first = Keyring.load(null, dir);
        Keyring.Sealed sealed = first.seal("token", "ctx");
        assertThat(Keyring.load(null, dir).open(sealed, "ctx")).isEqualTo("token");
        assertThat(Files.getPosixFilePermissions(dir.resolve("encryption-keys")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
}
