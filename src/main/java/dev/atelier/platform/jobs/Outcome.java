package dev.atelier.platform.jobs;

import org.jspecify.annotations.Nullable;

/** How an attempt ended, as its worker saw it: completed, error, timeout or cancelled. */
record Outcome(Running running, String result, @Nullable String error) {}
