package dev.atelier.apps.infinitestories;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.ai.AiCall;
import dev.atelier.platform.ai.AiException;
import dev.atelier.platform.ai.AiProvider;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ai.Usage;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.GiveUpNow;
import dev.atelier.platform.jobs.RetryLater;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every provider call of InfiniteStories goes through here, so that each one leaves its
 * {@code api_usage} row (function, request id, status, response time, tokens, cost estimate, error
 * code), whatever its outcome, in a transaction of its own: a call that happened is metered even
 * when the job that made it fails or loses its lease.
 */
@Component
class ProviderCalls {

    private static final Logger log = LoggerFactory.getLogger(ProviderCalls.class);

    static final String APP = "infinitestories";

    /** One provider call, given its provider and the call's description. */
    @FunctionalInterface
    interface Work<T> {
        T run(AiProvider provider, AiCall call) throws AiException;
    }

    private final AiProviders providers;
    private final Database database;

    ProviderCalls(AiProviders providers, Database database) {
        this.providers = providers;
        this.database = database;
    }

    /**
     * Runs one call of {@code target} (the function: moderation, story, scenes, illustration,
     * avatar). {@code requestKey} names the request across attempts; with the target it is the
     * provider's idempotency key (and what deliberate local faults count by); the usage row's
     * request id adds the attempt.
     */
    <T> T call(
            @Nullable UUID userId,
            String target,
            String requestKey,
            int attempt,
            Duration timeout,
            ObjectNode metadata,
            Function<T, @Nullable Usage> usageOf,
            Work<T> work)
            throws AiException {
        // The provider's idempotency key: one per logical call (the story and its scenes are two),
        // the same for every attempt of it, so a provider that kept an answer can give it again.
        AiCall call = new AiCall(APP, target, target + ":" + requestKey, timeout);
        AiProvider provider = providers.forCall(call);
        long started = System.nanoTime();
        String requestId = call.requestId() + ":" + attempt;
        metadata.put("provider", provider.name());
        metadata.put("attempt", attempt);
        try {
            T result = work.run(provider, call);
            Usage usage = usageOf.apply(result);
            if (usage != null) {
                metadata.put("model", usage.model());
                metadata.put("input_tokens", usage.inputTokens());
                metadata.put("output_tokens", usage.outputTokens());
            }
            record(
                    userId,
                    target,
                    requestId,
                    "success",
                    elapsed(started),
                    usage == null ? null : usage.inputTokens() + usage.outputTokens(),
                    usage == null ? null : usage.costEstimate(),
                    null,
                    null,
                    metadata);
            return result;
        } catch (AiException e) {
            record(
                    userId,
                    target,
                    requestId,
                    e.kind() == AiException.Kind.RATE_LIMITED ? "rate_limited" : "error",
                    elapsed(started),
                    null,
                    null,
                    e.getMessage(),
                    e.code(),
                    metadata);
            throw e;
        }
    }

    /** What a job should do after a provider's refusal or failure (ADR 14). */
    static Exception forJob(AiException e) {
        return switch (e.kind()) {
            case RATE_LIMITED ->
                new RetryLater(
                        "the provider is rate limiting: " + e.getMessage(),
                        e.retryAfter() == null ? Duration.ofSeconds(1) : e.retryAfter(),
                        e);
            case REJECTED, UNSUPPORTED -> new GiveUpNow("the provider refused: " + e.getMessage(), e);
            case TRANSIENT, TIMEOUT -> e;
        };
    }

    private static int elapsed(long startedNanos) {
        return (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    private void record(
            @Nullable UUID userId,
            String function,
            String requestId,
            String status,
            int millis,
            @Nullable Integer tokens,
            @Nullable BigDecimal cost,
            @Nullable String error,
            @Nullable String code,
            ObjectNode metadata) {
        // A worker interrupted mid-call (its job timed out, was cancelled or lost its lease) still
        // meters the call: the interrupt is set aside for this write, then restored.
        boolean interrupted = Thread.interrupted();
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement insert = tx.connection().prepareStatement("""
                                insert into infinitestories.api_usage (user_id, function_name, request_id, status,
                                    response_time_ms, tokens_used, cost_estimate, error_message, error_code, metadata)
                                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
                                on conflict (request_id) do nothing""")) {
                    insert.setObject(1, userId);
                    insert.setString(2, function);
                    insert.setString(3, requestId);
                    insert.setString(4, status);
                    insert.setInt(5, millis);
                    if (tokens == null) {
                        insert.setNull(6, Types.INTEGER);
                    } else {
                        insert.setInt(6, Math.max(0, tokens));
                    }
                    insert.setBigDecimal(7, cost == null ? null : cost.max(BigDecimal.ZERO));
                    insert.setString(8, error == null ? null : Texts.clip(error, 1000));
                    insert.setString(9, code);
                    insert.setString(10, metadata.toString());
                    insert.executeUpdate();
                }
                return Boolean.TRUE;
            });
        } catch (SQLException | RuntimeException e) {
            // Metering must not turn a provider's answer into a failure; the log says it was lost.
            log.warn("could not record api_usage {} for {}: {}", requestId, function, e.toString());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
