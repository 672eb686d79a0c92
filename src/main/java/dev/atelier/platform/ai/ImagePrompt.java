package dev.atelier.platform.ai;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An image to make: the prompt, a seed (the same prompt and seed give the same image from the
 * local provider), the size, an optional 50-point DNA vector (Algorhythmic's art, values in
 * [0, 1]) and an optional reference image (the previous illustration of a story, for visual
 * consistency).
 */
public record ImagePrompt(
        String prompt, long seed, int width, int height, List<Double> dna, byte @Nullable [] reference) {

    public ImagePrompt {
        if (width < 16 || height < 16 || width > 4096 || height > 4096) {
            throw new IllegalArgumentException("image size must be between 16 and 4096 pixels a side");
        }
        dna = List.copyOf(dna);
    }

    public static ImagePrompt of(String prompt, long seed, int width, int height) {
        return new ImagePrompt(prompt, seed, width, height, List.of(), null);
    }
}
