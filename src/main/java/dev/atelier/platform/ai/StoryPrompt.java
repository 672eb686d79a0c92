package dev.atelier.platform.ai;

import java.util.List;

/**
 * A story to write: the hero (name, traits, appearance, special ability), the event it is about
 * and the language (en, es, fr, de or it).
 */
public record StoryPrompt(
        String heroName, List<String> traits, String appearance, String ability, String event, String language) {

    public static final List<String> LANGUAGES = List.of("en", "es", "fr", "de", "it");

    public StoryPrompt {
        traits = List.copyOf(traits);
        if (!LANGUAGES.contains(language)) {
            throw new IllegalArgumentException("language must be one of " + LANGUAGES);
        }
    }
}
