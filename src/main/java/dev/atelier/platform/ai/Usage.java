package dev.atelier.platform.ai;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** What one provider call used: provider, model, tokens in and out, estimated cost (USD), time taken. */
public record Usage(
        String provider,
        @Nullable String model,
        int inputTokens,
        int outputTokens,
        BigDecimal costEstimate,
        long millis) {}
