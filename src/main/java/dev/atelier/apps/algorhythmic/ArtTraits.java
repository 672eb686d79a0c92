package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * What Algorhythmic's pool records of an artwork, computed rather than made up: the DNA vector
 * (given, or derived from the prompt and the music), the size its orientation asks for, the
 * styles and motifs the DNA leans to, and from the pixels a quality score (contrast and colour)
 * and a perceptual hash (8×8 average hash) that finds near-duplicates in the pool.
 */
final class ArtTraits {

    static final int DNA_POINTS = 50;

    private static final List<String> STYLES =
            List.of("abstract", "geometric", "organic", "minimal", "expressionist", "surreal", "cosmic", "glitch");
    private static final List<String> MOTIFS =
            List.of("waves", "circles", "lines", "particles", "spirals", "grids", "petals", "nebula", "shards");

    private ArtTraits() {}

    /** The given vector (validated), or one derived deterministically from the seed text. */
    static List<Double> dna(JsonNode given, String seedText) {
        List<Double> dna = new ArrayList<>(DNA_POINTS);
        if (given.isArray()) {
            if (given.size() != DNA_POINTS) {
                throw new IllegalArgumentException("dna_vector must have " + DNA_POINTS + " numbers");
            }
            for (JsonNode value : given) {
                if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() <= 1)) {
                    throw new IllegalArgumentException("dna_vector values must be numbers between 0 and 1");
                }
                dna.add(value.asDouble());
            }
            return dna;
        }
        SplittableRandom random = new SplittableRandom(seed(seedText));
        for (int i = 0; i < DNA_POINTS; i++) {
            dna.add(Math.round(random.nextDouble() * 1000) / 1000.0);
        }
        return dna;
    }

    /** A seed for the renderer, stable for the same text. */
    static long seed(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < 8; i++) {
                seed = (seed << 8) | (digest[i] & 0xff);
            }
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Width and height for an orientation: portrait 9:16, landscape 16:9, square 1:1. */
    static int[] size(String orientation, int longSide) {
        int shortSide = Math.round(longSide * 9 / 16f);
        return switch (orientation) {
            case "portrait" -> new int[] {shortSide, longSide};
            case "landscape" -> new int[] {longSide, shortSide};
            default -> new int[] {longSide, longSide};
        };
    }

    static String aspectRatio(int width, int height) {
        int g = gcd(width, height);
        return (width / g) + ":" + (height / g);
    }

    /** The two styles whose genes (DNA points 0–7) are strongest. */
    static List<String> styles(List<Double> dna) {
        return strongest(dna, 0, STYLES, 2);
    }

    /** The three motifs whose genes (DNA points 8–16) are strongest. */
    static List<String> motifs(List<Double> dna) {
        return strongest(dna, 8, MOTIFS, 3);
    }

    private static List<String> strongest(List<Double> dna, int from, List<String> names, int count) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(dna.get(from + b), dna.get(from + a)));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(names.get(order.get(i)));
        }
        return out;
    }

    /** What the pixels say: a quality score 0–100 and a 64-bit average hash in hex. */
    record Measured(int qualityScore, String perceptualHash) {}

    static Measured measure(byte[] image) throws IOException {
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(image));
        if (picture == null) {
            throw new IOException("the provider's image cannot be read");
        }
        BufferedImage small = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        small.createGraphics().drawImage(picture, 0, 0, 8, 8, null);
        double[] luma = new double[64];
        double sum = 0;
        double colour = 0;
        for (int i = 0; i < 64; i++) {
            int rgb = small.getRGB(i % 8, i / 8);
            int r = (rgb >> 16) & 0xff;
            int g = (rgb >> 8) & 0xff;
            int b = rgb & 0xff;
            luma[i] = 0.299 * r + 0.587 * g + 0.114 * b;
            sum += luma[i];
            colour += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b));
        }
        double mean = sum / 64;
        double variance = 0;
        long hash = 0;
        for (int i = 0; i < 64; i++) {
            variance += (luma[i] - mean) * (luma[i] - mean);
            hash = (hash << 1) | (luma[i] >= mean ? 1 : 0);
        }
        double contrast = Math.min(1, Math.sqrt(variance / 64) / 64); // a spread of 64 levels counts as full
        double saturation = Math.min(1, colour / 64 / 128);
        int score = (int) Math.round(100 * (0.6 * contrast + 0.4 * saturation));
        return new Measured(Math.max(0, Math.min(100, score)), HexFormat.of().toHexDigits(hash));
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
