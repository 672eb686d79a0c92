package dev.atelier.platform.ai;

import java.util.List;

/** A story's scenes and what extracting them used (for usage records such as InfiniteStories' api_usage). */
public record Scenes(List<Scene> scenes, Usage usage) {

    public Scenes {
        scenes = List.copyOf(scenes);
    }
}
