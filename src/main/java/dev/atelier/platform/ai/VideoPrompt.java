package dev.atelier.platform.ai;

/** A clip to make: prompt, seed, size and length in frames. */
public record VideoPrompt(String prompt, long seed, int width, int height, int frames) {

    public VideoPrompt {
        if (width < 16 || height < 16 || width > 2048 || height > 2048) {
            throw new IllegalArgumentException("video size must be between 16 and 2048 pixels a side");
        }
        if (frames < 1 || frames > 240) {
            throw new IllegalArgumentException("frames must be between 1 and 240");
        }
    }
}
