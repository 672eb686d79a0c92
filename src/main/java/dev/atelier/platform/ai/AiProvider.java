package dev.atelier.platform.ai;

import java.util.List;

/**
 * The AI work the apps' documents name. Every method is given the {@link AiCall} it serves (which
 * app, which recipe or function, which request), so that routing, limits, logs and deliberate
 * failures can be decided per call. Implementations are thread-safe and never log credentials or
 * whole prompts.
 */
public interface AiProvider {

    /** The name configuration routes calls to ("local", or a configured provider's name). */
    String name();

    /** One still image (PNG unless the provider says otherwise). */
    Media image(AiCall call, ImagePrompt prompt) throws AiException;

    /** A short clip; the local provider answers with an animated GIF. */
    Media video(AiCall call, VideoPrompt prompt) throws AiException;

    /** A story's text for a hero and an event, in the prompt's language. */
    Text story(AiCall call, StoryPrompt prompt) throws AiException;

    /** A story cut into scenes, each with the prompt for its illustration. */
    List<Scene> scenes(AiCall call, String story, String language, int maxScenes) throws AiException;

    /**
     * As {@link #scenes}, with the usage of the call (tokens and cost of a remote model; estimated
     * tokens and no cost locally).
     */
    default Scenes scenesWithUsage(AiCall call, String story, String language, int maxScenes) throws AiException {
        long started = System.nanoTime();
        List<Scene> scenes = scenes(call, story, language, maxScenes);
        return new Scenes(
                scenes,
                new Usage(name(), null, 0, 0, java.math.BigDecimal.ZERO, (System.nanoTime() - started) / 1_000_000));
    }

    /** Whether a user's text may be used, may be used once cleaned, or is refused. */
    Moderation moderate(AiCall call, String text) throws AiException;

    /** Spoken audio of a text ({@link AiException.Kind#UNSUPPORTED} where the provider has none). */
    Media speech(AiCall call, String text, String voice) throws AiException;
}
