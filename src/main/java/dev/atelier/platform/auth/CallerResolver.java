package dev.atelier.platform.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Clock;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Turns a request's credentials into the {@link Caller} its transaction runs as. As in PostgREST
 * behind Supabase's gateway: the bearer token decides; without one the {@code apikey} header is
 * the token; with neither the request is anonymous.
 */
@Component
public final class CallerResolver {

    private final VerifiedTokens tokens;
    private final Clock clock;
    private final Database database;

    /** @param cacheEntries verified tokens remembered until they expire (PostgREST's JWT cache); 0: none */
    CallerResolver(
            JwtKeys keys,
            Clock clock,
            Database database,
            @Value("${atelier.auth.jwt-cache-max-entries:1000}") long cacheEntries) {
        this.tokens = new VerifiedTokens(keys, cacheEntries);
        this.clock = clock;
        this.database = database;
    }

    /**
     * The caller of a verified token, without asking the database: the data API ({@code /rest/v1})
     * stays stateless as PostgREST is, and accepts a signed-out session's access token until it
     * expires (keep {@code atelier.auth.jwt-expiry-seconds} short where that matters). Endpoints
     * that act for a session use {@link #resolveLive} instead.
     */
    public Caller resolve(@Nullable String authorizationHeader, @Nullable String apikeyHeader) {
        String token = bearerToken(authorizationHeader);
        if (token == null && apikeyHeader != null && !apikeyHeader.isBlank()) {
            token = apikeyHeader.trim();
        }
        if (token == null) {
            return Caller.anon();
        }
        return tokens.caller(token, clock.instant());
    }

    /**
     * As {@link #resolve}, and refuses a token whose session has ended (signed out, ended by a
     * password change or by the session cap) with {@link SessionEndedException}. One primary-key
     * lookup, only for tokens that name a session: the anon and service keys cost nothing.
     */
    public Caller resolveLive(@Nullable String authorizationHeader, @Nullable String apikeyHeader)
            throws SQLException, SessionEndedException {
        Caller caller = resolve(authorizationHeader, apikeyHeader);
        UUID session = sessionId(caller);
        if (session != null
                && !database.transaction(
                        Caller.authAdmin(), true, tx -> new AuthRepository(tx.dsl()).sessionExists(session))) {
            throw new SessionEndedException();
        }
        return caller;
    }

    /** The {@code session_id} claim of a verified token, or null when it names none. */
    static @Nullable UUID sessionId(Caller caller) {
        Object claim;
        try {
            claim = JWTClaimsSet.parse(caller.claimsJson()).getClaim("session_id");
        } catch (ParseException e) {
            throw new InvalidTokenException("PGRST301", "invalid claims: " + e.getMessage());
        }
        if (claim == null) {
            return null;
        }
        try {
            return UUID.fromString(claim.toString());
        } catch (IllegalArgumentException e) {
            throw new InvalidTokenException("PGRST301", "invalid claim: session_id must be a UUID");
        }
    }

    private static @Nullable String bearerToken(@Nullable String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String trimmed = header.trim();
        if (trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = trimmed.substring(7).trim();
            if (token.isEmpty()) {
                throw new InvalidTokenException(
                        "PGRST301", "JWSError (CompactDecodeError Invalid number of parts: expected 3 parts)");
            }
            return token;
        }
        throw new InvalidTokenException("PGRST301", "the Authorization header must be \"Bearer <token>\"");
    }
}
