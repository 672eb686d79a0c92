package dev.atelier.platform.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.platform.db.Caller;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Bearer tokens to the {@link Caller} they stand for, remembered until they expire (PostgREST's
 * JWT cache). A client sends the same token with every request, and checking its signature and
 * reading its claims again took a fifth of a data API read's CPU. Only a token that verified is
 * remembered, under its full text, so an entry stands for exactly what was checked; its expiry is
 * checked on every use, and an expired token is verified again, which refuses it as before.
 */
final class VerifiedTokens {

    private static final Set<String> REQUEST_ROLES = Set.of("anon", "authenticated", "service_role");

    private final JwtKeys keys;
    /** Null when caching is off. */
    private final @Nullable Cache<String, Verified> cache;

    /** A verified token's caller, valid until {@code expires} (for ever, when null). */
    private record Verified(Caller caller, @Nullable Instant expires) {}

    /** @param maxEntries tokens remembered at most (the least recently used go first); 0 for none */
    VerifiedTokens(JwtKeys keys, long maxEntries) {
        this.keys = keys;
        this.cache = maxEntries <= 0
                ? null
                : Caffeine.newBuilder().maximumSize(maxEntries).build();
    }

    /** The caller of a token signed with our key, valid at {@code now}, or an {@link InvalidTokenException}. */
    Caller caller(String token, Instant now) {
        if (cache == null) {
            return verify(token, now).caller();
        }
        Verified known = cache.getIfPresent(token);
        if (known != null && (known.expires() == null || known.expires().isAfter(now))) {
            return known.caller();
        }
        Verified fresh = verify(token, now);
        cache.put(token, fresh);
        return fresh.caller();
    }

    /** Tokens remembered now (for tests). */
    long size() {
        return cache == null ? 0 : cache.estimatedSize();
    }

    /** Finishes pending evictions (for tests: Caffeine evicts asynchronously). */
    void cleanUp() {
        if (cache != null) {
            cache.cleanUp();
        }
    }

    private Verified verify(String token, Instant now) {
        JWTClaimsSet claims = keys.verify(token, now);
        Object role = claims.getClaim("role");
        if (!(role instanceof String roleName) || !REQUEST_ROLES.contains(roleName)) {
            throw new InvalidTokenException(
                    "PGRST301", "JWT role " + (role == null ? "is missing" : "\"" + role + "\" is not allowed"));
        }
        Date expires = claims.getExpirationTime();
        return new Verified(
                new Caller(roleName, claims.getSubject(), claims.toString()),
                expires == null ? null : expires.toInstant());
    }
}
