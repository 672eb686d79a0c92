package dev.atelier.platform.flags;

import java.nio.charset.StandardCharsets;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Unleash's normalised hash: MurmurHash3 x86 32-bit of the UTF-8 bytes of
 * {@code groupId + ":" + id}, unsigned, modulo the normaliser, plus one. Strategies use seed 0 and
 * a normaliser of 100; variants seed 86028157 and the variants' total weight.
 */
public final class FlagHash {

    public static final int VARIANT_SEED = 86028157;

    private FlagHash() {}

    public static long murmur3(String input, int seed) {
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        return Integer.toUnsignedLong(MurmurHash3.hash32x86(bytes, 0, bytes.length, seed));
    }

    public static int normalized(String id, String groupId, int normalizer, int seed) {
        return (int) (murmur3(groupId + ":" + id, seed) % normalizer) + 1;
    }

    /** The percentage bucket 1..100: {@code rotation.feature_flag_bucket(groupId, id)}. */
    public static int bucket(String groupId, String id) {
        return normalized(id, groupId, 100, 0);
    }
}
