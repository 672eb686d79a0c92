package dev.atelier.platform.jobs;

import org.jspecify.annotations.Nullable;

/** A job row as a transition needs it, read under the row's lock. */
record JobRef(
        long id,
        String kind,
        String queue,
        int attempt,
        @Nullable String appTable,
        @Nullable String appKey,
        @Nullable Integer maxAttempts,
        String args,
        boolean cancelOnDependencyFailure) {}
