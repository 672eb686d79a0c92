package dev.atelier.platform.storage;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/**
 * The tokens of signed URLs: HS256 JWTs under a key of their own (derived from the JWT secret
 * under a label, so servers sharing that secret agree, and neither kind of token passes for the
 * other), carrying the object ({@code url}: bucket/name), the {@code scope} (download or upload)
 * and the expiry, as Supabase's carry {@code url} and {@code exp}.
 */
final class SignedUrls {

    static final String DOWNLOAD = "download";
    static final String UPLOAD = "upload";

    private final MACSigner signer;
    private final MACVerifier verifier;
    private final Clock clock;

    SignedUrls(byte[] key, Clock clock) {
        try {
            this.signer = new MACSigner(key);
            this.verifier = new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        this.clock = clock;
    }

    String sign(String scope, String url, long expiresInSeconds, Map<String, Object> extra) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .claim("url", url)
                .claim("scope", scope)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(expiresInSeconds)));
        extra.forEach(claims::claim);
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .type(JOSEObjectType.JWT)
                            .build(),
                    claims.build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The claims of a good, unexpired token of {@code scope} for exactly {@code url}; else Supabase's InvalidJWT error. */
    JWTClaimsSet verify(String token, String scope, String url) {
        JWTClaimsSet claims;
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw StorageError.invalidJwt("invalid signature");
            }
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | JOSEException e) {
            throw StorageError.invalidJwt("jwt malformed");
        }
        Date exp = claims.getExpirationTime();
        if (exp == null || !exp.toInstant().isAfter(clock.instant())) {
            throw StorageError.invalidJwt("jwt expired");
        }
        if (!scope.equals(claims.getClaim("scope")) || !url.equals(claims.getClaim("url"))) {
            throw StorageError.invalidJwt("the token is not for this object");
        }
        return claims;
    }
}
