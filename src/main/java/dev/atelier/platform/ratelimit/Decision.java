package dev.atelier.platform.ratelimit;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * The answer of one check: for every rule that counted the request, how much of its quota is
 * left and when its window ends. Written to a response as the IETF fields of
 * draft-ietf-httpapi-ratelimit-headers (structured-field lists, one member per rule):
 * {@code RateLimit-Policy: "auth.password.ip";q=30;w=300} and
 * {@code RateLimit: "auth.password.ip";r=29;t=300}, plus {@code Retry-After} when refused.
 */
public final class Decision {

    /** One rule's count: {@code remaining} requests left, its window ending in {@code resetSeconds}. */
    record Outcome(Rule rule, int remaining, long resetSeconds, boolean allowed) {}

    static final Decision NONE = new Decision(List.of());

    private final List<Outcome> outcomes;

    Decision(List<Outcome> outcomes) {
        this.outcomes = List.copyOf(outcomes);
    }

    /** Whether the request may go on: no rule that counted it is over its limit. */
    public boolean allowed() {
        return outcomes.stream().allMatch(Outcome::allowed);
    }

    /** Whether any rule counted the request (and so the response carries the fields). */
    public boolean limited() {
        return !outcomes.isEmpty();
    }

    /** Seconds until every refusing rule's window has ended (at least 1); 0 when allowed. */
    public long retryAfterSeconds() {
        return outcomes.stream()
                .filter(o -> !o.allowed())
                .mapToLong(o -> Math.max(1, o.resetSeconds()))
                .max()
                .orElse(0);
    }

    /** The refusal's message, naming the rule. */
    public String message() {
        String policy = outcomes.stream()
                .filter(o -> !o.allowed())
                .map(o -> o.rule().policy())
                .findFirst()
                .orElse("");
        return "Request rate limit reached (" + policy + "); try again in " + retryAfterSeconds() + " seconds";
    }

    /** Adds the fields to a response ({@code add} appends a field line; lists may be split over lines). */
    public void writeHeaders(BiConsumer<String, String> add) {
        if (outcomes.isEmpty()) {
            return;
        }
        StringBuilder policy = new StringBuilder();
        StringBuilder state = new StringBuilder();
        for (Outcome o : outcomes) {
            if (!policy.isEmpty()) {
                policy.append(", ");
                state.append(", ");
            }
            String id = '"' + o.rule().policy() + '"';
            policy.append(id)
                    .append(";q=")
                    .append(o.rule().limit())
                    .append(";w=")
                    .append(o.rule().windowSeconds());
            state.append(id).append(";r=").append(o.remaining()).append(";t=").append(Math.max(0, o.resetSeconds()));
        }
        add.accept("RateLimit-Policy", policy.toString());
        add.accept("RateLimit", state.toString());
        if (!allowed()) {
            add.accept("Retry-After", Long.toString(retryAfterSeconds()));
        }
    }

    List<Outcome> outcomes() {
        return outcomes;
    }
}
