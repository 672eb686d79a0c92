package dev.atelier.platform.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.stereotype.Service;

/**
 * Sign-up, password sign-in, refresh-token rotation and sign-out, with GoTrue's semantics: a
 * refresh token works once; presenting a used one again revokes its whole session, since only a
 * thief or a replay would do that.
 */
@Service
class AuthService {

    private static final Logger log = LoggerFactory.getLogger(AuthService.class);

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    private static final int MIN_PASSWORD_LENGTH = 6;
    private static final int MAX_PASSWORD_LENGTH = 72; // bcrypt ignores bytes past 72
    /** Hashed against when the e-mail is unknown, so timing does not reveal which accounts exist. */
    private static final String DUMMY_HASH = new BCryptPasswordEncoder(10).encode("not a real password");

    private final Database database;
    private final JwtKeys keys;
    private final Clock clock;
    private final ObjectMapper json;
    private final BCryptPasswordEncoder passwords = new BCryptPasswordEncoder(10);
    private final SecureRandom random = new SecureRandom();
    private final long accessTokenSeconds;
    private final int maxSessionsPerUser;
    private final boolean anonymousUsers;

    /**
     * @param maxSessionsPerUser live sessions one user may hold; signing in once more ends the least
     *                           recently used. GoTrue offers only "one session per user"; ten covers
     *                           a person's devices and browsers while bounding what one account can
     *                           accumulate (every session keeps rows and a refresh-token chain).
     */
    AuthService(
            Database database,
            JwtKeys keys,
            Clock clock,
            ObjectMapper json,
            @Value("${atelier.auth.jwt-expiry-seconds:3600}") long accessTokenSeconds,
            @Value("${atelier.auth.max-sessions-per-user:10}") int maxSessionsPerUser,
            @Value("${ATELIER_AUTH_ANONYMOUS_USERS:${atelier.auth.anonymous-users:true}}") boolean anonymousUsers) {
        if (maxSessionsPerUser < 1) {
            throw new IllegalArgumentException(
                    "atelier.auth.max-sessions-per-user must be at least 1, not " + maxSessionsPerUser);
        }
        this.database = database;
        this.keys = keys;
        this.clock = clock;
        this.json = json;
        this.accessTokenSeconds = accessTokenSeconds;
        this.maxSessionsPerUser = maxSessionsPerUser;
        this.anonymousUsers = anonymousUsers;
    }

    /** Whether {@code signInAnonymously} is on ({@code atelier.auth.anonymous-users}); /settings says so. */
    boolean anonymousUsers() {
        return anonymousUsers;
    }

    /**
     * GoTrue's anonymous sign-in: {@code POST /signup} with neither e-mail nor phone. The identity
     * has role authenticated, {@code is_anonymous} true (in the user and in the token), no e-mail
     * and no password; the apps provision it like any sign-up (Delula: a Guest). It becomes a
     * permanent user when it is given an e-mail ({@link #updateUser}).
     */
    Map<String, Object> signInAnonymously(@Nullable Map<String, Object> data) throws SQLException {
        if (!anonymousUsers) {
            throw new AuthError(422, "anonymous_provider_disabled", "Anonymous sign-ins are disabled");
        }
        String metadata = toJson(data == null ? Map.of() : data);
        return inAuthTransaction(repo -> newSession(repo, repo.insertAnonymous(metadata, now())));
    }

    int maxSessionsPerUser() {
        return maxSessionsPerUser;
    }

    Map<String, Object> signUp(@Nullable String email, @Nullable String password, @Nullable Map<String, Object> data)
            throws SQLException {
        String normalized = requireEmail(email);
        requirePassword(password);
        String hash = passwords.encode(password);
        String metadata = toJson(data == null ? Map.of() : data);
        return inAuthTransaction(repo -> {
            if (repo.findByEmail(normalized).isPresent()) {
                throw new AuthError(422, "user_already_exists", "User already registered");
            }
            AuthUser user = repo.insertUser(normalized, hash, metadata, now());
            return newSession(repo, user);
        });
    }

    /**
     * Password sign-in. bcrypt runs between two short transactions, so a burst of sign-ins does not
     * hold pooled connections for its ~100 ms each; the second transaction locks the user and makes
     * sure the password checked is still the stored one.
     */
    Map<String, Object> signInWithPassword(@Nullable String email, @Nullable String password) throws SQLException {
        if (email == null || email.isBlank() || password == null || password.isEmpty()) {
            throw AuthError.badRequest("validation_failed", "missing email or phone");
        }
        String normalized = email.trim().toLowerCase();
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_LENGTH) {
            // No stored password is this long (sign-up refuses it), and bcrypt would compare only the
            // first 72 bytes: "p"*72 + anything would match "p"*72. Checked before any lookup, so the
            // answer is equally fast for known and unknown addresses.
            throw signInRefused(normalized, "invalid credentials", AuthError.invalidCredentials());
        }
        Optional<AuthUser> found = inAuthTransaction(repo -> repo.findByEmail(normalized));
        String stored = found.map(AuthUser::encryptedPassword).orElse(null);
        String hash = stored == null ? DUMMY_HASH : stored;
        boolean matches = passwords.matches(password, hash);
        // A user without a password (null hash) was checked against the dummy hash: never a match.
        if (found.isEmpty() || stored == null || !matches) {
            throw signInRefused(normalized, "invalid credentials", AuthError.invalidCredentials());
        }
        UUID foundId = found.get().id();
        return inAuthTransaction(repo -> {
            AuthUser user = repo.lockUser(foundId)
                    .filter(u -> hash.equals(u.encryptedPassword()))
                    .orElseThrow(
                            () -> signInRefused(normalized, "invalid credentials", AuthError.invalidCredentials()));
            if (isBanned(user)) {
                throw signInRefused(normalized, "user banned", new AuthError(400, "user_banned", "User is banned"));
            }
            if (user.emailConfirmedAt() == null) {
                // Only an administrator makes unconfirmed users (email_confirm false); GoTrue refuses them.
                throw signInRefused(
                        normalized,
                        "e-mail not confirmed",
                        new AuthError(400, "email_not_confirmed", "Email not confirmed"));
            }
            repo.recordSignIn(user.id(), now());
            return newSession(repo, user);
        });
    }

    /**
     * Logs a refused sign-in and returns the error to throw. The address is logged as a short
     * SHA-256 digest: enough to see repeated attempts on one account, without writing addresses into
     * logs (it is a pseudonym, not anonymity: a guessed address can be confirmed). Unknown address
     * and wrong password share one reason, as they share one answer; the password never appears.
     */
    private static AuthError signInRefused(String normalizedEmail, String reason, AuthError error) {
        log.warn(
                "sign-in refused: {} (email sha256:{})",
                reason,
                sha256(normalizedEmail).substring(0, 12));
        return error;
    }

    Map<String, Object> refresh(@Nullable String refreshToken) throws SQLException {
        if (refreshToken == null || refreshToken.isBlank()) {
            throw AuthError.badRequest("validation_failed", "refresh_token required");
        }
        String hash = sha256(refreshToken);
        Optional<Map<String, Object>> session = inAuthTransaction(repo -> {
            AuthRepository.StoredRefreshToken stored = repo.lockRefreshToken(hash)
                    .orElseThrow(() -> AuthError.badRequest(
                            "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"));
            if (stored.revoked()) {
                // Committed before the error is reported: the session must stay revoked.
                repo.deleteSession(stored.sessionId());
                return Optional.empty();
            }
            AuthUser user = repo.findById(stored.userId())
                    .orElseThrow(() -> AuthError.badRequest("user_not_found", "User not found"));
            if (isBanned(user)) {
                // GoTrue: a banned user's refresh token stops working; the token stays unused.
                throw new AuthError(400, "user_banned", "User is banned");
            }
            repo.revokeRefreshToken(hash, now());
            repo.touchSession(stored.sessionId(), now());
            return Optional.of(session(repo, user, stored.sessionId(), hash));
        });
        return session.orElseThrow(
                () -> AuthError.badRequest("refresh_token_already_used", "Invalid Refresh Token: Already Used"));
    }

    Map<String, Object> user(Caller caller) throws SQLException {
        UUID id = requireUser(caller);
        UUID session = sessionOf(caller);
        return inAuthTransaction(repo -> {
            requireLiveSession(repo, session, false);
            return userJson(repo.findById(id).orElseThrow(AuthService::userNotFound));
        });
    }

    /**
     * Changes the caller's metadata and/or password. A new password ends the user's other sessions
     * (as GoTrue does), so whoever else held them must sign in with it; the caller's own stays.
     */
    Map<String, Object> updateUser(
            Caller caller, @Nullable String email, @Nullable String password, @Nullable Map<String, Object> data)
            throws SQLException {
        UUID id = requireUser(caller);
        UUID session = sessionOf(caller);
        String newEmail = email == null ? null : requireEmail(email);
        if (password != null) {
            requirePassword(password);
            // A signed-out session's token is refused before it can make the server spend a bcrypt.
            runInAuthTransaction(repo -> requireLiveSession(repo, session, false));
        }
        String hash = password == null ? null : passwords.encode(password);
        String metadata = data == null ? null : toJson(data);
        return inAuthTransaction(repo -> {
            if (repo.lockUser(id).isEmpty()) {
                throw userNotFound();
            }
            // Checked again under lock: a sign-out committed after the check above still wins.
            requireLiveSession(repo, session, true);
            AuthUser current = repo.findById(id).orElseThrow(AuthService::userNotFound);
            if (newEmail != null && !newEmail.equals(current.email())) {
                if (!current.isAnonymous()) {
                    throw new AuthError(
                            422, "feature_not_available", "Changing the e-mail address is not supported yet");
                }
                if (repo.findByEmail(newEmail).isPresent()) {
                    throw new AuthError(
                            422, "email_exists", "A user with this email address has already been registered");
                }
                repo.convertAnonymous(id, newEmail, now());
            } else if (hash != null && current.isAnonymous()) {
                // GoTrue: an anonymous user gets a password only together with (or after) an e-mail.
                throw new AuthError(
                        422,
                        "validation_failed",
                        "Updating password of an anonymous user without an email or phone is not allowed");
            }
            AuthUser updated = repo.update(id, hash, metadata, now());
            if (hash != null) {
                repo.deleteSessionsOf(id, session);
            }
            return userJson(updated);
        });
    }

    void logout(Caller caller, String scope) throws SQLException {
        UUID id = requireUser(caller);
        UUID session = sessionOf(caller);
        String effective = scope == null || scope.isBlank() ? "global" : scope;
        if (!List.of("global", "local", "others").contains(effective)) {
            throw AuthError.badRequest("validation_failed", "Unsupported logout scope \"" + scope + "\"");
        }
        runInAuthTransaction(repo -> {
            if (repo.lockUser(id).isEmpty()) {
                throw userNotFound();
            }
            requireLiveSession(repo, session, true);
            switch (effective) {
                case "local" -> {
                    if (session != null) {
                        repo.deleteSession(session);
                    }
                }
                case "others" -> repo.deleteSessionsOf(id, session);
                default -> repo.deleteSessionsOf(id, null);
            }
        });
    }

    /**
     * A new session, ending the user's least recently used ones beyond the cap. The caller holds the
     * user's row (locked, or inserted by this transaction), so concurrent sign-ins of one user take
     * turns and the cap holds.
     */
    private Map<String, Object> newSession(AuthRepository repo, AuthUser user) {
        UUID sessionId = repo.createSession(user.id());
        repo.trimSessions(user.id(), sessionId, maxSessionsPerUser);
        return session(repo, user, sessionId, null);
    }

    private Map<String, Object> session(
            AuthRepository repo, AuthUser user, UUID sessionId, @Nullable String parentHash) {
        String refreshToken = randomToken();
        repo.insertRefreshToken(sha256(refreshToken), user.id(), sessionId, parentHash);
        Instant issued = clock.instant();
        Instant expires = issued.plusSeconds(accessTokenSeconds);
        Map<String, Object> userJson = userJson(user);
        String accessToken = keys.sign(new JWTClaimsSet.Builder()
                .issuer(JwtKeys.ISSUER)
                .subject(user.id().toString())
                .audience(user.aud())
                .issueTime(Date.from(issued))
                .expirationTime(Date.from(expires))
                .claim("role", user.role())
                .claim("email", user.email() == null ? "" : user.email())
                .claim("phone", "")
                .claim("app_metadata", userJson.get("app_metadata"))
                .claim("user_metadata", userJson.get("user_metadata"))
                .claim("aal", "aal1")
                .claim(
                        "amr",
                        List.of(Map.of(
                                "method",
                                user.isAnonymous() ? "anonymous" : "password",
                                "timestamp",
                                issued.getEpochSecond())))
                .claim("session_id", sessionId.toString())
                .claim("is_anonymous", user.isAnonymous())
                .build());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", accessToken);
        body.put("token_type", "bearer");
        body.put("expires_in", accessTokenSeconds);
        body.put("expires_at", expires.getEpochSecond());
        body.put("refresh_token", refreshToken);
        body.put("user", userJson);
        return body;
    }

    boolean isBanned(AuthUser user) {
        OffsetDateTime until = user.bannedUntil();
        return until != null && until.toInstant().isAfter(clock.instant());
    }

    /** bcrypt's check; bytes past 72 never match (see signInWithPassword). */
    boolean passwordMatches(String password, String hash) {
        return password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_LENGTH
                && passwords.matches(password, hash);
    }

    /** A password as stored: bcrypt, after GoTrue's length rules (422 weak_password). */
    String hashPassword(String password) {
        requirePassword(password);
        return passwords.encode(password);
    }

    /** GoTrue's user object, as /user and the admin API return it. */
    Map<String, Object> userJson(AuthUser user) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", user.id().toString());
        body.put("aud", user.aud());
        body.put("role", user.role());
        body.put("email", user.email());
        body.put("email_confirmed_at", iso(user.emailConfirmedAt()));
        body.put("phone", "");
        body.put("confirmed_at", iso(user.emailConfirmedAt()));
        body.put("last_sign_in_at", iso(user.lastSignInAt()));
        body.put("app_metadata", fromJson(user.appMetadataJson()));
        body.put("user_metadata", fromJson(user.userMetadataJson()));
        body.put("identities", List.of());
        body.put("created_at", iso(user.createdAt()));
        body.put("updated_at", iso(user.updatedAt()));
        body.put("is_anonymous", user.isAnonymous());
        if (user.bannedUntil() != null) {
            body.put("banned_until", iso(user.bannedUntil()));
        }
        return body;
    }

    <T> T inAuthTransaction(AuthWork<T> work) throws SQLException {
        return database.transaction(Caller.authAdmin(), tx -> work.run(new AuthRepository(tx.dsl())));
    }

    private void runInAuthTransaction(AuthAction action) throws SQLException {
        database.transaction(Caller.authAdmin(), tx -> {
            action.run(new AuthRepository(tx.dsl()));
            return Boolean.TRUE;
        });
    }

    private static UUID requireUser(Caller caller) {
        if (caller.subject() == null) {
            throw new AuthError(403, "bad_jwt", "invalid claim: missing sub claim");
        }
        try {
            return UUID.fromString(caller.subject());
        } catch (IllegalArgumentException e) {
            throw new AuthError(403, "bad_jwt", "invalid claim: sub claim must be a UUID");
        }
    }

    /** The token's session, or null for a token that names none (minted by a service, not by sign-in). */
    private static @Nullable UUID sessionOf(Caller caller) {
        try {
            return CallerResolver.sessionId(caller);
        } catch (InvalidTokenException e) {
            throw new AuthError(403, "bad_jwt", "invalid JWT: " + e.getMessage());
        }
    }

    /**
     * As GoTrue does: a signed-out session's access token no longer acts for anyone here, which is
     * also how an app notices a sign-out made on another device.
     */
    private static void requireLiveSession(AuthRepository repo, @Nullable UUID session, boolean lock) {
        if (session != null && !(lock ? repo.lockLiveSession(session) : repo.sessionExists(session))) {
            throw new AuthError(403, "session_not_found", "Session from session_id claim in JWT does not exist");
        }
    }

    private static AuthError userNotFound() {
        return new AuthError(403, "user_not_found", "User from sub claim in JWT does not exist");
    }

    static String requireEmail(@Nullable String email) {
        if (email == null || email.isBlank()) {
            throw AuthError.badRequest("validation_failed", "To signup, please provide your email");
        }
        String normalized = email.trim().toLowerCase();
        if (normalized.length() > 255 || !EMAIL.matcher(normalized).matches()) {
            throw AuthError.badRequest("validation_failed", "Unable to validate email address: invalid format");
        }
        return normalized;
    }

    static void requirePassword(@Nullable String password) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            throw new AuthError(
                    422, "weak_password", "Password should be at least " + MIN_PASSWORD_LENGTH + " characters.");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_LENGTH) {
            throw new AuthError(
                    422, "weak_password", "Password cannot be longer than " + MAX_PASSWORD_LENGTH + " bytes.");
        }
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String sha256(String value) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static @Nullable String iso(@Nullable OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }

    String toJson(Map<String, Object> value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            throw AuthError.badRequest("validation_failed", "data must be a JSON object");
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> fromJson(@Nullable String value) {
        try {
            return value == null ? Map.of() : json.readValue(value, Map.class);
        } catch (Exception e) {
            return Map.of();
        }
    }

    @FunctionalInterface
    interface AuthWork<T> {
        T run(AuthRepository repo);
    }

    @FunctionalInterface
    private interface AuthAction {
        void run(AuthRepository repo);
    }
}
