package dev.atelier.platform.db;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;

/**
 * How much of the database one kind of caller may take: a share of the pool's connections and a
 * statement timeout per request role. The shares add up to more than the pool, so that any role
 * may use the idle connections, but each leaves a part of the pool to the others: anonymous
 * callers at most half, so signed-in users are still served while anon saturates its share.
 * The timeouts are Supabase's defaults for anon (3 s) and authenticated (8 s); the service role
 * runs the platform's own longer work.
 *
 * @param poolSize the number of pooled connections
 */
record RequestLimits(int poolSize) {

    public static final int DEFAULT_POOL_SIZE = 16;

    public RequestLimits {
        if (poolSize < 4) {
            throw new IllegalArgumentException("the pool needs at least 4 connections, not " + poolSize);
        }
    }

    public static RequestLimits defaults() {
        return new RequestLimits(DEFAULT_POOL_SIZE);
    }

    public Duration statementTimeout(String role) {
        return switch (role) {
            case "anon" -> Duration.ofSeconds(3);
            case "authenticated" -> Duration.ofSeconds(8);
            case "atelier_auth" -> Duration.ofSeconds(10);
            default -> Duration.ofSeconds(60);
        };
    }

    /** The most connections a role may hold at once. */
    public int share(String role) {
        return switch (role) {
            case "anon" -> poolSize / 2;
            case "atelier_auth" -> Math.max(1, poolSize / 4);
            default -> poolSize * 3 / 4;
        };
    }

    /** One fair semaphore per request role, holding its share. */
    Map<String, Semaphore> newShares() {
        return Caller.ROLES.stream().collect(Collectors.toUnmodifiableMap(r -> r, r -> new Semaphore(share(r), true)));
    }
}
