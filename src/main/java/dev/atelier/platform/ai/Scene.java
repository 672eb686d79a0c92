package dev.atelier.platform.ai;

/**
 * One scene of a story: its number (from 1), its part of the text, the prompt for its
 * illustration, where it starts when read aloud (seconds), its emotion and its importance
 * (low, medium or high).
 */
public record Scene(
        int number,
        String text,
        String illustrationPrompt,
        double timestampSeconds,
        String emotion,
        String importance) {}
