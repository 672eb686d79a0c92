package dev.atelier.platform.http;

/**
 * A larger body cap for one {@code /api/v1} path (exact, POST bodies of bulk endpoints such as
 * telemetry batches), declared as a bean by the component that serves it. Every other path keeps
 * {@code atelier.api.max-body-bytes}.
 */
public record BodyAllowance(String path, int maxBytes) {

    public BodyAllowance {
        if (!path.startsWith(BodyLimit.BASE + "/") || maxBytes < 1) {
            throw new IllegalArgumentException("a body allowance is for a path under /api/v1 and a positive size");
        }
    }
}
