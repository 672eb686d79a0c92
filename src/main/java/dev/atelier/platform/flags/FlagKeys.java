package dev.atelier.platform.flags;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * API keys of Unleash SDKs: created by an admin (the token is returned once, its SHA-256 kept in
 * {@code platform.flag_api_keys}), revoked, and checked on every client and frontend API request.
 * The service role's key is accepted for both kinds. A lookup is cached for five seconds, so a
 * revoked key stops working within that time.
 */
@Component
public final class FlagKeys {

    /** What a key may call. */
    public enum Kind {
        CLIENT,
        FRONTEND
    }

    public record Key(
            int id,
            String name,
            String kind,
            String tokenPrefix,
            @Nullable String createdBy,
            String createdAt,
            @Nullable String revokedAt) {}

    public record Created(Key key, String token) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CACHE = Duration.ofSeconds(5);

    private final Database database;
    private final CallerResolver callers;
    private final Cache<String, Optional<Kind>> lookups =
            Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(CACHE).build();

    FlagKeys(Database database, CallerResolver callers) {
        this.database = database;
        this.callers = callers;
    }

    public Created create(String name, Kind kind, @Nullable String createdBy) throws SQLException {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = "atelier-" + kind.name().toLowerCase(java.util.Locale.ROOT) + ":"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String prefix = token.substring(0, token.indexOf(':') + 7);
        Key key = database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement(
                            "insert into platform.flag_api_keys (name, kind, token_sha256, token_prefix, created_by)"
                                    + " values (?, ?, ?, ?, ?) returning id, name, kind, token_prefix, created_by,"
                                    + " created_at::text, revoked_at::text")) {
                s.setString(1, name);
                s.setString(2, kind.name().toLowerCase(java.util.Locale.ROOT));
                s.setBytes(3, sha256(token));
                s.setString(4, prefix);
                s.setString(5, createdBy);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return row(rs);
                }
            }
        });
        return new Created(key, token);
    }

    public List<Key> list() throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> {
            List<Key> out = new ArrayList<>();
            try (PreparedStatement s = tx.connection()
                            .prepareStatement("select id, name, kind, token_prefix, created_by, created_at::text,"
                                    + " revoked_at::text from platform.flag_api_keys order by id");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    /** Revokes a key; false when there is no such live key. */
    public boolean revoke(int id) throws SQLException {
        boolean done = database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement(
                            "update platform.flag_api_keys set revoked_at = now() where id = ? and revoked_at is null")) {
                s.setInt(1, id);
                return s.executeUpdate() == 1;
            }
        });
        lookups.invalidateAll();
        return done;
    }

    /**
     * Whether the request's credentials may call the API of {@code wanted}: a live key of that
     * kind (a client key also serves the frontend API, as a server may proxy it), or the service
     * role's key. {@code Authorization} carries the key as Unleash SDKs send it, bare or as Bearer.
     */
    public boolean allows(@Nullable String authorization, @Nullable String apikey, Kind wanted) throws SQLException {
        String token = authorization;
        if (token != null && token.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = token.substring(7);
        }
        if (token == null || token.isBlank()) {
            token = apikey;
        }
        if (token == null || token.isBlank() || token.length() > 4096) {
            return false;
        }
        String t = token.trim();
        if (t.startsWith("atelier-")) {
            Optional<Kind> kind = lookups.getIfPresent(t);
            if (kind == null) {
                kind = lookup(t);
                lookups.put(t, kind);
            }
            return kind.isPresent() && (kind.get() == wanted || kind.get() == Kind.CLIENT);
        }
        try {
            return callers.resolve("Bearer " + t, null).role().equals("service_role");
        } catch (RuntimeException e) {
            return false; // not a token of this server
        }
    }

    private Optional<Kind> lookup(String token) throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement s = tx.connection()
                    .prepareStatement(
                            "select kind from platform.flag_api_keys where token_sha256 = ? and revoked_at is null")) {
                s.setBytes(1, sha256(token));
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next()
                            ? Optional.of(Kind.valueOf(rs.getString(1).toUpperCase(java.util.Locale.ROOT)))
                            : Optional.<Kind>empty();
                }
            }
        });
    }

    private static Key row(ResultSet rs) throws SQLException {
        return new Key(
                rs.getInt(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7));
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
