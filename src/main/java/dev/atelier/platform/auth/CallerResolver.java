package dev.atelier.platform.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.platform.db.Caller;
import java.time.Clock;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Turns a request's credentials into the {@link Caller} its transaction runs as. As in PostgREST
 * behind Supabase's gateway: the bearer token decides; without one the {@code apikey} header is
 * the token; with neither the request is anonymous.
 */
@Component
public final class CallerResolver {

    private static final Set<String> REQUEST_ROLES = Set.of("anon", "authenticated", "service_role");

    private final JwtKeys keys;
    private final Clock clock;

    CallerResolver(JwtKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    public Caller resolve(String authorizationHeader, String apikeyHeader) {
        String token = bearerToken(authorizationHeader);
        if (token == null && apikeyHeader != null && !apikeyHeader.isBlank()) {
            token = apikeyHeader.trim();
        }
        if (token == null) {
            return Caller.anon();
        }
        JWTClaimsSet claims = keys.verify(token, clock.instant());
        Object role = claims.getClaim("role");
        if (!(role instanceof String roleName) || !REQUEST_ROLES.contains(roleName)) {
            throw new InvalidTokenException("PGRST301", "JWT role " + (role == null ? "is missing" : "\"" + role + "\" is not allowed"));
        }
        return new Caller(roleName, claims.getSubject(), claims.toString());
    }

    private static String bearerToken(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String trimmed = header.trim();
        if (trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = trimmed.substring(7).trim();
            if (token.isEmpty()) {
                throw new InvalidTokenException("PGRST301", "JWSError (CompactDecodeError Invalid number of parts: expected 3 parts)");
            }
            return token;
        }
        throw new InvalidTokenException("PGRST301", "the Authorization header must be \"Bearer <token>\"");
    }
}
