package dev.atelier.apps.rotation;

import static dev.atelier.jooq.rotation.Tables.DISCOGS_TOKENS;
import static dev.atelier.jooq.rotation.Tables.USERS;

import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Records;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * A user's Discogs account link. OAuth 1.0a gives a token and a secret (a personal access token has
 * no secret); both are sealed with the platform keyring, bound to their column and owner, before
 * they reach rotation.discogs_tokens. Users may see and delete their link through the data API but
 * never read the sealed columns.
 */
@Service
public class DiscogsConnection {

    /**
     * A Discogs username: letters, digits, '.', '_' and '-' (what Discogs accepts at sign-up and
     * puts in profile URLs), at most 64 characters here. It is stored under a UNIQUE index, whose
     * entries PostgreSQL caps at about 2.7 kB: a long one used to end in a 500.
     */
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * OAuth 1.0a tokens and secrets and personal access tokens are 40 characters today; anything
     * printable without spaces, up to 256, leaves room for a longer format and keeps a token from
     * smuggling a line break into the Authorization header it is sent in.
     */
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7E]{1,256}");

    private final Database database;
    private final Keyring keyring;

    DiscogsConnection(Database database, Keyring keyring) {
        this.database = database;
        this.keyring = keyring;
    }

    /** What a client may know about its link. */
    public record Status(
            boolean connected,
            @Nullable String username,
            @Nullable String tokenType) {}

    /** The opened credentials, for the server's own Discogs calls. */
    public record Credentials(
            String username, String accessToken, @Nullable String accessSecret) {}

    Status connect(
            Caller caller, @Nullable String username, @Nullable String accessToken, @Nullable String accessSecret)
            throws SQLException {
        UUID identity = caller.userId().orElseThrow(Problem::signInRequired);
        if (username == null || username.isBlank()) {
            throw Problem.badInput("username", "username (the Discogs account name) is required");
        }
        if (!USERNAME.matcher(username).matches()) {
            throw Problem.badInput("username", "username must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (accessToken == null || accessToken.isBlank()) {
            throw Problem.badInput("access_token", "access_token is required");
        }
        if (!TOKEN.matcher(accessToken).matches()) {
            throw Problem.badInput("access_token", "access_token must be 1 to 256 printable characters without spaces");
        }
        String tokenType = accessSecret == null || accessSecret.isBlank() ? "personal" : "oauth";
        if (tokenType.equals("oauth") && !TOKEN.matcher(accessSecret).matches()) {
            throw Problem.badInput(
                    "access_secret", "access_secret must be 1 to 256 printable characters without spaces");
        }
        try {
            return link(identity, username, accessToken, accessSecret, tokenType);
        } catch (DataAccessException e) {
            // Two users linking the same Discogs account at once: the check below saw neither, the
            // UNIQUE index on username stops the second. Same answer as when the check sees it.
            if ("23505".equals(e.sqlState())) {
                throw Problem.conflict("the Discogs account " + username + " is linked to another Rotation user");
            }
            throw e;
        }
    }

    private Status link(
            UUID identity, String username, String accessToken, @Nullable String accessSecret, String tokenType)
            throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            DSLContext dsl = tx.dsl();
            int userId = appUserId(dsl, identity);
            boolean takenByOther = dsl.fetchExists(
                    DISCOGS_TOKENS, DISCOGS_TOKENS.USERNAME.eq(username).and(DISCOGS_TOKENS.USER_ID.ne(userId)));
            if (takenByOther) {
                throw Problem.conflict("the Discogs account " + username + " is linked to another Rotation user");
            }
            Keyring.Sealed token = keyring.seal(accessToken, context("access_token_encrypted", userId));
            Keyring.Sealed secret = accessSecret != null && tokenType.equals("oauth")
                    ? keyring.seal(accessSecret, context("access_secret_encrypted", userId))
                    : null;
            // One link per user: a new one replaces the old.
            dsl.deleteFrom(DISCOGS_TOKENS)
                    .where(DISCOGS_TOKENS.USER_ID.eq(userId))
                    .execute();
            dsl.insertInto(DISCOGS_TOKENS)
                    .set(DISCOGS_TOKENS.USER_ID, userId)
                    .set(DISCOGS_TOKENS.USERNAME, username)
                    .set(DISCOGS_TOKENS.ACCESS_TOKEN_ENCRYPTED, token.bytes())
                    .set(DISCOGS_TOKENS.ACCESS_SECRET_ENCRYPTED, secret == null ? null : secret.bytes())
                    .set(DISCOGS_TOKENS.ENCRYPTION_KEY_ID, token.keyId())
                    .set(DISCOGS_TOKENS.TOKEN_TYPE, tokenType)
                    .execute();
            return new Status(true, username, tokenType);
        });
    }

    Status status(Caller caller) throws SQLException {
        UUID identity = caller.userId().orElseThrow(Problem::signInRequired);
        return database.transaction(
                Caller.serviceRole(),
                tx -> tx.dsl()
                        .select(DISCOGS_TOKENS.USERNAME, DISCOGS_TOKENS.TOKEN_TYPE)
                        .from(DISCOGS_TOKENS)
                        .join(USERS)
                        .on(USERS.ID.eq(DISCOGS_TOKENS.USER_ID))
                        .where(USERS.AUTH_USER_ID.eq(identity))
                        .fetchOptional(Records.mapping((username, type) -> new Status(true, username, type)))
                        .orElse(new Status(false, null, null)));
    }

    /** Forgets the caller's link, if any: idempotent, and nobody else's link is touched. */
    void disconnect(Caller caller) throws SQLException {
        UUID identity = caller.userId().orElseThrow(Problem::signInRequired);
        database.transaction(
                Caller.serviceRole(),
                tx -> tx.dsl()
                        .deleteFrom(DISCOGS_TOKENS)
                        .where(DISCOGS_TOKENS.USER_ID.in(
                                tx.dsl().select(USERS.ID).from(USERS).where(USERS.AUTH_USER_ID.eq(identity))))
                        .execute());
    }

    /** Opens a user's credentials for a server-side Discogs call and records the use. */
    public Optional<Credentials> credentialsOf(UUID identity) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            DSLContext dsl = tx.dsl();
            Optional<Credentials> credentials = dsl.select(
                            DISCOGS_TOKENS.USER_ID,
                            DISCOGS_TOKENS.USERNAME,
                            DISCOGS_TOKENS.ACCESS_TOKEN_ENCRYPTED,
                            DISCOGS_TOKENS.ACCESS_SECRET_ENCRYPTED,
                            DISCOGS_TOKENS.ENCRYPTION_KEY_ID)
                    .from(DISCOGS_TOKENS)
                    .join(USERS)
                    .on(USERS.ID.eq(DISCOGS_TOKENS.USER_ID))
                    .where(USERS.AUTH_USER_ID.eq(identity))
                    .fetchOptional(Records.mapping((userId, username, token, secret, keyId) -> new Credentials(
                            username,
                            keyring.open(new Keyring.Sealed(keyId, token), context("access_token_encrypted", userId)),
                            secret == null
                                    ? null
                                    : keyring.open(
                                            new Keyring.Sealed(keyId, secret),
                                            context("access_secret_encrypted", userId)))));
            credentials.ifPresent(c -> dsl.update(DISCOGS_TOKENS)
                    .set(DISCOGS_TOKENS.LAST_USED_AT, OffsetDateTime.now())
                    .where(DISCOGS_TOKENS.USERNAME.eq(c.username()))
                    .execute());
            return credentials;
        });
    }

    private static int appUserId(DSLContext dsl, UUID identity) {
        return dsl.select(USERS.ID)
                .from(USERS)
                .where(USERS.AUTH_USER_ID.eq(identity))
                .fetchOptional(Records.mapping(id -> id))
                .orElseThrow(() -> Problem.notFound("no Rotation user for this account"));
    }

    /** The AAD documented in docs/apps/rotation.md: rotation.discogs_tokens.column:user id. */
    private static String context(String column, int userId) {
        return "rotation.discogs_tokens." + column + ":" + userId;
    }
}
