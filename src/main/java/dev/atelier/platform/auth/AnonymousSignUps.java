package dev.atelier.platform.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How many anonymous identities may be created: at most {@code per-ip-per-hour} from one client
 * address (GoTrue's default is 30 an hour) and {@code per-hour} in all, in a sliding hour, per
 * server. Anonymous sign-ups need nothing but a request, and each one is an identity, an app user
 * in every app and an opening credit balance, so this is what stops a loop from filling the
 * database. Per server and in memory: issue 12's platform rate limiter (shared by all servers,
 * state in PostgreSQL) replaces it; until then N servers allow N times the numbers.
 */
@Component
class AnonymousSignUps {

    private static final Duration WINDOW = Duration.ofHours(1);
    /** Addresses remembered at most; the oldest is forgotten first (its window is the oldest). */
    private static final int MAX_ADDRESSES = 100_000;

    private final Clock clock;
    private final int perAddress;
    private final int total;
    private final Map<String, Deque<Instant>> byAddress = new LinkedHashMap<>(16, 0.75f, true);
    private final Deque<Instant> all = new ArrayDeque<>();

    AnonymousSignUps(
            Clock clock,
            @Value("${ATELIER_AUTH_ANONYMOUS_PER_IP_PER_HOUR:${atelier.auth.anonymous.per-ip-per-hour:30}}")
                    int perAddress,
            @Value("${ATELIER_AUTH_ANONYMOUS_PER_HOUR:${atelier.auth.anonymous.per-hour:3600}}") int total) {
        this.clock = clock;
        this.perAddress = perAddress;
        this.total = total;
    }

    /** Counts one sign-up from {@code address}, or refuses it with GoTrue's 429. */
    synchronized void admit(String address) {
        Instant now = clock.instant();
        Instant since = now.minus(WINDOW);
        drop(all, since);
        Deque<Instant> mine = byAddress.computeIfAbsent(address, a -> new ArrayDeque<>());
        drop(mine, since);
        if (mine.size() >= perAddress || all.size() >= total) {
            throw new AuthError(429, "over_request_rate_limit", "Request rate limit reached");
        }
        mine.addLast(now);
        all.addLast(now);
        if (byAddress.size() > MAX_ADDRESSES) {
            var oldest = byAddress.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    private static void drop(Deque<Instant> times, Instant since) {
        while (!times.isEmpty() && !times.peekFirst().isAfter(since)) {
            times.pollFirst();
        }
    }
}
