package dev.atelier.platform.ai;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A moderation verdict: {@code allow}, {@code modify} (use {@code sanitized} instead) or
 * {@code reject}, with what was found.
 */
public record Moderation(
        String action, List<Flag> flags, @Nullable String sanitized, Usage usage) {

    /** One finding: its type (violence, hate, sexual, self_harm, profanity, personal_info, ...), severity (low, medium, high, critical) and confidence in [0, 1]. */
    public record Flag(String type, String severity, double confidence) {}

    public Moderation {
        flags = List.copyOf(flags);
        if (!action.equals("allow") && !action.equals("modify") && !action.equals("reject")) {
            throw new IllegalArgumentException("action must be allow, modify or reject");
        }
    }

    public boolean rejected() {
        return action.equals("reject");
    }
}
