package dev.atelier.platform.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.platform.db.Caller;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** The cache of verified tokens: it remembers only what verified, and never past a token's expiry. */
class VerifiedTokensTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final JwtKeys keys = new JwtKeys("verified-tokens-test-secret-0123456789".getBytes(StandardCharsets.UTF_8));

    private String token(String role, Instant expires) {
        return keys.sign(new JWTClaimsSet.Builder()
                .subject("7f0e2a40-0000-4000-8000-000000000001")
                .claim("role", role)
                .expirationTime(Date.from(expires))
                .build());
    }

    @Test
    void aCachedTokenStillExpiresOnTime() {
        VerifiedTokens tokens = new VerifiedTokens(keys, 10);
        String token = token("authenticated", NOW.plusSeconds(60));

        Caller first = tokens.caller(token, NOW);
        assertThat(tokens.caller(token, NOW.plusSeconds(59))).isSameAs(first); // from the cache
        assertThat(first.role()).isEqualTo("authenticated");
        assertThat(first.subject()).isEqualTo("7f0e2a40-0000-4000-8000-000000000001");
        assertThat(tokens.size()).isEqualTo(1);

        assertThatThrownBy(() -> tokens.caller(token, NOW.plusSeconds(60)))
                .isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("JWT expired");
    }

    @Test
    void onlyTokensThatVerifyAreRemembered() {
        VerifiedTokens tokens = new VerifiedTokens(keys, 10);
        String token = token("authenticated", NOW.plusSeconds(60));
        String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
        String otherRole = token("postgres", NOW.plusSeconds(60));

        assertThatThrownBy(() -> tokens.caller(forged, NOW)).isInstanceOf(InvalidTokenException.class);
        assertThatThrownBy(() -> tokens.caller(otherRole, NOW))
                .isInstanceOf(InvalidTokenException.class)
                .hasMessageContaining("\"postgres\" is not allowed");
        assertThatThrownBy(() -> tokens.caller(forged, NOW)).isInstanceOf(InvalidTokenException.class);
        assertThat(tokens.size()).isZero();
    }

    @Test
    void theCacheIsBoundedAndCanBeTurnedOff() {
        VerifiedTokens bounded = new VerifiedTokens(keys, 3);
        for (int i = 0; i < 50; i++) {
            bounded.caller(token("anon", NOW.plusSeconds(100 + i)), NOW);
        }
        bounded.cleanUp();
        assertThat(bounded.size()).isLessThanOrEqualTo(3);

        VerifiedTokens off = new VerifiedTokens(keys, 0);
        String token = token("anon", NOW.plusSeconds(60));
        assertThat(off.caller(token, NOW)).isNotSameAs(off.caller(token, NOW));
        assertThat(off.size()).isZero();
    }
}
