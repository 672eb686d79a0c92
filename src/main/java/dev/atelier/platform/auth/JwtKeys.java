package dev.atelier.platform.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The HS256 secret that signs every token, and the long-lived {@code anon} and
 * {@code service_role} API keys derived from it, as Supabase issues them. The secret is created on
 * first start and kept in the data directory, or given by {@code ATELIER_JWT_SECRET} so that
 * several servers on one database accept each other's tokens.
 */
public final class JwtKeys {

    static final String ISSUER = "atelier";
    /** Fixed issue and expiry times keep the API keys identical across restarts for one secret. */
    private static final Instant API_KEY_ISSUED = Instant.parse("2026-01-01T00:00:00Z");

    private static final Instant API_KEY_EXPIRES = Instant.parse("2046-01-01T00:00:00Z");
    private static final int MIN_SECRET_BYTES = 32;
    /**
     * How far {@code nbf} and {@code iat} may lie ahead of this server's clock. PostgREST allows 30
     * seconds; Atelier's tokens are issued by this server or by a peer on the same database, whose
     * clocks NTP keeps well within a second of each other, so a few seconds is enough and a token
     * minted to start later cannot be used half a minute early.
     */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

    private final byte[] secret;
    private final MACSigner signer;
    private final JWSVerifier verifier;

    JwtKeys(byte[] secret) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the JWT secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.secret = secret.clone();
        try {
            this.signer = new MACSigner(this.secret);
            this.verifier = new MACVerifier(this.secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable JWT secret: " + e.getMessage(), e);
        }
    }

    /** The secret from the environment value if given, else from {@code jwt-secret} in the data directory, created if absent. */
    public static JwtKeys load(@Nullable String environmentSecret, Path dataDirectory) {
        if (environmentSecret != null && !environmentSecret.isBlank()) {
            return new JwtKeys(environmentSecret.getBytes(StandardCharsets.UTF_8));
        }
        Path file = dataDirectory.resolve("jwt-secret");
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[48];
                new SecureRandom().nextBytes(random);
                String encoded = HexFormat.of().formatHex(random);
                Path temp = Files.createTempFile(
                        dataDirectory,
                        "jwt-secret",
                        ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temp, encoded + "\n");
                Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return new JwtKeys(Files.readString(file).trim().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create the JWT secret " + file + ": " + e.getMessage(), e);
        }
    }

    public String anonKey() {
        return apiKey("anon");
    }

    public String serviceRoleKey() {
        return apiKey("service_role");
    }

    /**
     * Identifies this secret without revealing it (an HMAC of a fixed label under the secret): the
     * database keeps it, and servers of one database must agree on it.
     */
    public String fingerprint() {
        return hmac("atelier jwt secret fingerprint");
    }

    /** A hex password for the pool's login role that every server sharing this secret agrees on. */
    public String databasePassword() {
        return hmac("atelier_authenticator");
    }

    /**
     * A key of its own for another kind of token (storage's signed URLs), derived from this secret
     * under a label: servers sharing the JWT secret agree on it, and an access token can never pass
     * for one of those tokens, nor the reverse.
     */
    public byte[] derivedKey(String label) {
        return HexFormat.of().parseHex(hmac("atelier derived key: " + label));
    }

    private String hmac(String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(label.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private String apiKey(String role) {
        return sign(new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .claim("role", role)
                .issueTime(Date.from(API_KEY_ISSUED))
                .expirationTime(Date.from(API_KEY_EXPIRES))
                .build());
    }

    String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .type(com.nimbusds.jose.JOSEObjectType.JWT)
                            .build(),
                    claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token: " + e.getMessage(), e);
        }
    }

    /**
     * The claims of a token signed with this secret, not expired, and not dated in the future
     * ({@code nbf}, {@code iat}; {@link #CLOCK_SKEW} allowed), or an {@link InvalidTokenException}.
     */
    JWTClaimsSet verify(String token, Instant now) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new InvalidTokenException("PGRST301", "JWSError (CompactDecodeError the token is not a compact JWS)");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new InvalidTokenException("PGRST301", "JWSError JWSInvalidSignature");
        }
        try {
            if (!jwt.verify(verifier)) {
                throw new InvalidTokenException("PGRST301", "JWSError JWSInvalidSignature");
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (expires != null && !expires.toInstant().isAfter(now)) {
                throw new InvalidTokenException("PGRST303", "JWT expired");
            }
            // PostgREST's messages and code (PGRST303) for the two time claims it also checks.
            Date notBefore = claims.getNotBeforeTime();
            if (notBefore != null && notBefore.toInstant().isAfter(now.plus(CLOCK_SKEW))) {
                throw new InvalidTokenException("PGRST303", "JWT not yet valid");
            }
            Date issued = claims.getIssueTime();
            if (issued != null && issued.toInstant().isAfter(now.plus(CLOCK_SKEW))) {
                throw new InvalidTokenException("PGRST303", "JWT issued at future");
            }
            return claims;
        } catch (JOSEException | ParseException e) {
            throw new InvalidTokenException("PGRST301", "JWSError JWSInvalidSignature");
        }
    }

    static Map<String, Object> claimsMap(JWTClaimsSet claims) {
        return claims.toJSONObject();
    }
}
