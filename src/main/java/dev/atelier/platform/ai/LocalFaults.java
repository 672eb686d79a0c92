package dev.atelier.platform.ai;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Failures the local provider acts out on purpose, per app and target, so that every failure
 * path of a flow can be tried with no network: set at start from {@code atelier.ai.local.faults}
 * ({@code ATELIER_AI_LOCAL_FAULTS}), a comma-separated list of {@code app:target=fault}, or at
 * run time with {@link #set}. A target of {@code *} matches every target of the app.
 *
 * <ul>
 *   <li>{@code fail}: every call fails (a transient error, so the job retries until it gives up);
 *   <li>{@code fail-once}: the first call of each request fails, the next succeeds;
 *   <li>{@code rate-limited}: the first call of each request is refused with a 1 s Retry-After;
 *   <li>{@code reject}: every call is refused for good (not retried);
 *   <li>{@code timeout}: every call waits out its timeout, then fails as timed out;
 *   <li>{@code slow:<ms>}: every call takes that much longer, then succeeds.
 * </ul>
 */
public final class LocalFaults {

    private final Map<String, String> faults = new ConcurrentHashMap<>();
    /** Requests whose first call a once-only fault already failed (kept in memory: per server). */
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

    LocalFaults(String spec) {
        for (String item : spec.split(",")) {
            String entry = item.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int colon = entry.indexOf(':');
            int equals = entry.indexOf('=');
            if (colon <= 0 || equals < colon) {
                throw new IllegalArgumentException(
                        "atelier.ai.local.faults: expected app:target=fault, got \"" + entry + "\"");
            }
            set(entry.substring(0, colon), entry.substring(colon + 1, equals), entry.substring(equals + 1));
        }
    }

    /** Makes calls of {@code app}/{@code target} act out {@code fault}; an empty fault clears it. */
    public void set(String app, String target, String fault) {
        String f = fault.trim().toLowerCase(Locale.ROOT);
        if (f.isEmpty()) {
            faults.remove(app + ":" + target);
            return;
        }
        if (!f.equals("fail")
                && !f.equals("fail-once")
                && !f.equals("rate-limited")
                && !f.equals("reject")
                && !f.equals("timeout")
                && !f.matches("slow:\\d{1,7}")) {
            throw new IllegalArgumentException("unknown local provider fault \"" + fault
                    + "\" (fail, fail-once, rate-limited, reject, timeout or slow:<ms>)");
        }
        faults.put(app + ":" + target, f);
    }

    /** Acts out the fault set for this call, if any: throws, waits, or returns at once. */
    void apply(AiCall call) throws AiException {
        String fault = lookup(call);
        if (fault == null) {
            return;
        }
        String once = call.app() + ":" + call.target() + ":" + call.requestId();
        switch (fault) {
            case "fail" -> throw new AiException(AiException.Kind.TRANSIENT, "local provider: failing on purpose");
            case "reject" -> throw new AiException(AiException.Kind.REJECTED, "local provider: refusing on purpose");
            case "fail-once" -> {
                if (failedOnce.add(once)) {
                    throw new AiException(AiException.Kind.TRANSIENT, "local provider: failing once on purpose");
                }
            }
            case "rate-limited" -> {
                if (failedOnce.add(once)) {
                    throw new AiException(
                            AiException.Kind.RATE_LIMITED,
                            "local provider: rate limited on purpose",
                            Duration.ofSeconds(1),
                            null);
                }
            }
            case "timeout" -> {
                pause(call.timeout());
                throw new AiException(AiException.Kind.TIMEOUT, "local provider: timed out on purpose");
            }
            default -> pause(Duration.ofMillis(Long.parseLong(fault.substring("slow:".length()))));
        }
    }

    private @Nullable String lookup(AiCall call) {
        String exact = faults.get(call.app() + ":" + call.target());
        return exact != null ? exact : faults.get(call.app() + ":*");
    }

    private static void pause(Duration duration) throws AiException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AiException(AiException.Kind.TIMEOUT, "local provider: interrupted", null, e);
        }
    }
}
