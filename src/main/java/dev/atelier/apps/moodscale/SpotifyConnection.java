package dev.atelier.apps.moodscale;

import static dev.atelier.jooq.moodscale.Tables.USERS;

import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Records;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * A user's link to Spotify. The tokens are sealed with the platform keyring before they reach the
 * database and opened only inside the server; no request role can read or write their columns.
 * The additional authenticated data binds each ciphertext to its column and user row.
 */
@Service
public class SpotifyConnection {

    /**
     * A Spotify user id: base-62 for accounts made since about 2016 (25-28 characters), the chosen
     * username of older ones (letters, digits, '.', '_', '-') or a numeric Facebook-linked id. At
     * most 64 characters: it is echoed back and shown, and a 20 MB one used to be stored.
     */
    private static final Pattern SPOTIFY_USER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * Spotify's access tokens are about 200-300 characters of base64url ("BQ..."), refresh tokens
     * about 130 ("AQ..."); 2048 printable characters without spaces leaves room for a longer format
     * and keeps a token from smuggling a line break into the Authorization header it is sent in.
     */
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7E]{1,2048}");

    private final Database database;
    private final Keyring keyring;
    private final Clock clock;

    SpotifyConnection(Database database, Keyring keyring, Clock clock) {
        this.database = database;
        this.keyring = keyring;
        this.clock = clock;
    }

    /** What a client may know about its connection: never the tokens. */
    public record Status(
            boolean connected,
            @Nullable String spotifyId,
            @Nullable OffsetDateTime expiresAt) {}

    /** The tokens, opened, for the server's own calls to Spotify. */
    public record Tokens(String accessToken, String refreshToken, OffsetDateTime expiresAt) {}

    Status connect(
            Caller caller,
            @Nullable String spotifyId,
            @Nullable String accessToken,
            @Nullable String refreshToken,
            long expiresInSeconds)
            throws SQLException {
        UUID identity = requireUser(caller);
        if (spotifyId != null && !SPOTIFY_USER_ID.matcher(spotifyId).matches()) {
            throw Problem.badInput("spotify_id", "spotify_id must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (accessToken == null || accessToken.isBlank()) {
            throw Problem.badInput("access_token", "access_token is required");
        }
        if (!TOKEN.matcher(accessToken).matches()) {
            throw Problem.badInput(
                    "access_token", "access_token must be 1 to 2048 printable characters without spaces");
        }
        if (refreshToken == null || refreshToken.isBlank()) {
            throw Problem.badInput("refresh_token", "refresh_token is required");
        }
        if (!TOKEN.matcher(refreshToken).matches()) {
            throw Problem.badInput(
                    "refresh_token", "refresh_token must be 1 to 2048 printable characters without spaces");
        }
        if (expiresInSeconds <= 0 || expiresInSeconds > 86_400 * 365L) {
            throw Problem.badInput("expires_in", "expires_in must be a number of seconds from 1 to 31536000");
        }
        OffsetDateTime expiresAt =
                OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).plusSeconds(expiresInSeconds);
        return database.transaction(Caller.serviceRole(), tx -> {
            DSLContext dsl = tx.dsl();
            int userId = appUserId(dsl, identity);
            Keyring.Sealed access = keyring.seal(accessToken, context("spotify_access_token_encrypted", userId));
            Keyring.Sealed refresh = keyring.seal(refreshToken, context("spotify_refresh_token_encrypted", userId));
            if (!access.keyId().equals(refresh.keyId())) {
                throw new IllegalStateException("the active key changed while sealing");
            }
            dsl.update(USERS)
                    .set(USERS.SPOTIFY_ID, spotifyId)
                    .set(USERS.SPOTIFY_ACCESS_TOKEN_ENCRYPTED, access.bytes())
                    .set(USERS.SPOTIFY_REFRESH_TOKEN_ENCRYPTED, refresh.bytes())
                    .set(USERS.ENCRYPTION_KEY_ID, access.keyId())
                    .set(USERS.SPOTIFY_TOKEN_EXPIRES_AT, expiresAt)
                    .where(USERS.ID.eq(userId))
                    .execute();
            return new Status(true, spotifyId, expiresAt);
        });
    }

    Status status(Caller caller) throws SQLException {
        UUID identity = requireUser(caller);
        return database.transaction(
                Caller.serviceRole(),
                tx -> tx.dsl()
                        .select(
                                USERS.SPOTIFY_ACCESS_TOKEN_ENCRYPTED.isNotNull(),
                                USERS.SPOTIFY_ID,
                                USERS.SPOTIFY_TOKEN_EXPIRES_AT)
                        .from(USERS)
                        .where(USERS.AUTH_USER_ID.eq(identity))
                        .fetchOptional(Records.mapping(Status::new))
                        .orElseThrow(() -> Problem.notFound("no MoodScale user for this account")));
    }

    void disconnect(Caller caller) throws SQLException {
        UUID identity = requireUser(caller);
        database.transaction(
                Caller.serviceRole(),
                tx -> tx.dsl()
                        .update(USERS)
                        .setNull(USERS.SPOTIFY_ACCESS_TOKEN_ENCRYPTED)
                        .setNull(USERS.SPOTIFY_REFRESH_TOKEN_ENCRYPTED)
                        .setNull(USERS.ENCRYPTION_KEY_ID)
                        .setNull(USERS.SPOTIFY_TOKEN_EXPIRES_AT)
                        .where(USERS.AUTH_USER_ID.eq(identity))
                        .execute());
    }

    /** Opens a user's tokens for a server-side Spotify call; empty when the user has not connected. */
    public Optional<Tokens> tokensOf(UUID identity) throws SQLException {
        return database.transaction(
                Caller.serviceRole(),
                tx -> tx.dsl()
                        .select(
                                USERS.ID,
                                USERS.SPOTIFY_ACCESS_TOKEN_ENCRYPTED,
                                USERS.SPOTIFY_REFRESH_TOKEN_ENCRYPTED,
                                USERS.ENCRYPTION_KEY_ID,
                                USERS.SPOTIFY_TOKEN_EXPIRES_AT)
                        .from(USERS)
                        .where(USERS.AUTH_USER_ID.eq(identity).and(USERS.SPOTIFY_ACCESS_TOKEN_ENCRYPTED.isNotNull()))
                        .fetchOptional(Records.mapping((id, access, refresh, keyId, expires) -> new Tokens(
                                keyring.open(
                                        new Keyring.Sealed(keyId, access),
                                        context("spotify_access_token_encrypted", id)),
                                keyring.open(
                                        new Keyring.Sealed(keyId, refresh),
                                        context("spotify_refresh_token_encrypted", id)),
                                expires))));
    }

    private static int appUserId(DSLContext dsl, UUID identity) {
        return dsl.select(USERS.ID)
                .from(USERS)
                .where(USERS.AUTH_USER_ID.eq(identity))
                .fetchOptional(Records.mapping(id -> id))
                .orElseThrow(() -> Problem.notFound("no MoodScale user for this account"));
    }

    /** The AAD documented in docs/apps/moodscale.md: schema.table.column:row id. */
    private static String context(String column, int userId) {
        return "moodscale.users." + column + ":" + userId;
    }

    private static UUID requireUser(Caller caller) {
        return caller.userId().orElseThrow(Problem::signInRequired);
    }
}
