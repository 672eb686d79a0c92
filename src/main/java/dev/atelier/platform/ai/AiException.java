package dev.atelier.platform.ai;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A provider call that did not give a result. The kind says what a caller should do: try again
 * later ({@link Kind#TRANSIENT}, {@link Kind#RATE_LIMITED} after {@link #retryAfter()},
 * {@link Kind#TIMEOUT}), or give up ({@link Kind#REJECTED}: the provider refused this request;
 * {@link Kind#UNSUPPORTED}: it cannot do this kind of work). Messages never hold credentials.
 */
public final class AiException extends Exception {

    private static final long serialVersionUID = 1L;

    public enum Kind {
        TRANSIENT,
        RATE_LIMITED,
        TIMEOUT,
        REJECTED,
        UNSUPPORTED
    }

    private final Kind kind;
    private final transient @Nullable Duration retryAfter;

    public AiException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    public AiException(Kind kind, String message, @Nullable Duration retryAfter, @Nullable Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public @Nullable Duration retryAfter() {
        return retryAfter;
    }

    /** Whether another attempt later may succeed. */
    public boolean retryable() {
        return kind == Kind.TRANSIENT || kind == Kind.RATE_LIMITED || kind == Kind.TIMEOUT;
    }

    /** A short code for logs and usage rows (e.g. {@code rate_limited}). */
    public String code() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
