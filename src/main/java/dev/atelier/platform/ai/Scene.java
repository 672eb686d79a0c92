package dev.atelier.platform.ai;

/**
 * One scene of a story: its number (from 1), its part of the text, the prompt for its
 * illustration, where it starts when read aloud (seconds), its emotion (the local provider and
 * the remote one both use InfiniteStories' seven words: joyful, peaceful, exciting, mysterious,
 * heartwarming, adventurous, contemplative) and its importance (low, medium or high).
 */
public record Scene(
        int number,
        String text,
        String illustrationPrompt,
        double timestampSeconds,
        String emotion,
        String importance) {

    /** The importance in InfiniteStories' words: high → {@code key}, medium → {@code major}, low → {@code minor}. */
    public String storyImportance() {
        return switch (importance) {
            case "high" -> "key";
            case "medium" -> "major";
            default -> "minor";
        };
    }
}
