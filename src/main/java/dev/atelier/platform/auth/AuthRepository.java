package dev.atelier.platform.auth;

import static dev.atelier.jooq.auth.Tables.REFRESH_TOKENS;
import static dev.atelier.jooq.auth.Tables.SESSIONS;
import static dev.atelier.jooq.auth.Tables.USERS;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Records;
import org.jooq.SelectField;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;

/** Reads and writes the auth schema inside a transaction running as {@code atelier_auth}. */
final class AuthRepository {

    private static final SelectField<AuthUser> USER = DSL.row(
                    USERS.ID,
                    USERS.AUD,
                    USERS.ROLE,
                    USERS.EMAIL,
                    USERS.ENCRYPTED_PASSWORD,
                    USERS.EMAIL_CONFIRMED_AT,
                    USERS.LAST_SIGN_IN_AT,
                    USERS.RAW_APP_META_DATA.cast(String.class),
                    USERS.RAW_USER_META_DATA.cast(String.class),
                    USERS.BANNED_UNTIL,
                    USERS.CREATED_AT,
                    USERS.UPDATED_AT,
                    USERS.IS_ANONYMOUS)
            .mapping(AuthUser::new);

    private final DSLContext dsl;

    AuthRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    AuthUser insertUser(String email, String passwordHash, String userMetadataJson, OffsetDateTime now) {
        return dsl.insertInto(USERS)
                .set(USERS.EMAIL, email)
                .set(USERS.ENCRYPTED_PASSWORD, passwordHash)
                .set(USERS.EMAIL_CONFIRMED_AT, now)
                .set(USERS.LAST_SIGN_IN_AT, now)
                .set(USERS.RAW_APP_META_DATA, JSONB.valueOf("{\"provider\":\"email\",\"providers\":[\"email\"]}"))
                .set(USERS.RAW_USER_META_DATA, JSONB.valueOf(userMetadataJson))
                .returningResult(USER)
                .fetchOne(Records.mapping(u -> u));
    }

    /** An anonymous identity (GoTrue's signInAnonymously): no e-mail, no password. */
    AuthUser insertAnonymous(String userMetadataJson, OffsetDateTime now) {
        return dsl.insertInto(USERS)
                .set(USERS.IS_ANONYMOUS, true)
                .set(USERS.LAST_SIGN_IN_AT, now)
                .set(
                        USERS.RAW_APP_META_DATA,
                        JSONB.valueOf("{\"provider\":\"anonymous\",\"providers\":[\"anonymous\"]}"))
                .set(USERS.RAW_USER_META_DATA, JSONB.valueOf(userMetadataJson))
                .returningResult(USER)
                .fetchOne(Records.mapping(u -> u));
    }

    /**
     * An anonymous identity gets its e-mail (confirmed at once: this server's mailer
     * auto-confirms) and stops being anonymous; the hook on auth.users (V77) tells the apps.
     */
    AuthUser convertAnonymous(UUID id, String email, OffsetDateTime now) {
        return dsl.update(USERS)
                .set(USERS.EMAIL, email)
                .set(USERS.EMAIL_CONFIRMED_AT, now)
                .set(USERS.IS_ANONYMOUS, false)
                .set(USERS.UPDATED_AT, now)
                .set(USERS.RAW_APP_META_DATA, JSONB.valueOf("{\"provider\":\"email\",\"providers\":[\"email\"]}"))
                .where(USERS.ID.eq(id))
                .and(USERS.IS_ANONYMOUS.isTrue())
                .returningResult(USER)
                .fetchOne(Records.mapping(u -> u));
    }

    Optional<AuthUser> findByEmail(String email) {
        return dsl.select(USER)
                .from(USERS)
                .where(DSL.lower(USERS.EMAIL).eq(email.toLowerCase()))
                .fetchOptional(Records.mapping(u -> u));
    }

    Optional<AuthUser> findById(UUID id) {
        return dsl.select(USER).from(USERS).where(USERS.ID.eq(id)).fetchOptional(Records.mapping(u -> u));
    }

    AuthUser update(UUID id, @Nullable String passwordHash, @Nullable String userMetadataJson, OffsetDateTime now) {
        var update = dsl.update(USERS).set(USERS.UPDATED_AT, now);
        if (passwordHash != null) {
            update = update.set(USERS.ENCRYPTED_PASSWORD, passwordHash);
        }
        if (userMetadataJson != null) {
            // GoTrue merges the given keys into the existing metadata.
            update = update.set(
                    USERS.RAW_USER_META_DATA,
                    DSL.field(
                            "{0} || {1}",
                            USERS.RAW_USER_META_DATA.getDataType(),
                            USERS.RAW_USER_META_DATA,
                            DSL.val(JSONB.valueOf(userMetadataJson))));
        }
        return update.where(USERS.ID.eq(id)).returningResult(USER).fetchOne(Records.mapping(u -> u));
    }

    /**
     * The user, with their row locked until the transaction ends. Everything that creates or ends
     * sessions of a user takes this lock first, so the session cap cannot be raced past and two such
     * transactions never wait on each other's session rows in opposite orders.
     */
    Optional<AuthUser> lockUser(UUID id) {
        return dsl.select(USER)
                .from(USERS)
                .where(USERS.ID.eq(id))
                .forNoKeyUpdate()
                .fetchOptional(Records.mapping(u -> u));
    }

    void recordSignIn(UUID userId, OffsetDateTime now) {
        dsl.update(USERS)
                .set(USERS.LAST_SIGN_IN_AT, now)
                .where(USERS.ID.eq(userId))
                .execute();
    }

    UUID createSession(UUID userId) {
        return dsl.insertInto(SESSIONS)
                .set(SESSIONS.USER_ID, userId)
                .returning(SESSIONS.ID)
                .fetchOne(SESSIONS.ID);
    }

    void insertRefreshToken(String tokenHash, UUID userId, UUID sessionId, @Nullable String parentHash) {
        dsl.insertInto(REFRESH_TOKENS)
                .set(REFRESH_TOKENS.TOKEN_HASH, tokenHash)
                .set(REFRESH_TOKENS.USER_ID, userId)
                .set(REFRESH_TOKENS.SESSION_ID, sessionId)
                .set(REFRESH_TOKENS.PARENT_HASH, parentHash)
                .execute();
    }

    /** The token row, locked so that two concurrent refreshes with one token cannot both succeed. */
    Optional<StoredRefreshToken> lockRefreshToken(String tokenHash) {
        return dsl.select(REFRESH_TOKENS.USER_ID, REFRESH_TOKENS.SESSION_ID, REFRESH_TOKENS.REVOKED)
                .from(REFRESH_TOKENS)
                .where(REFRESH_TOKENS.TOKEN_HASH.eq(tokenHash))
                .forUpdate()
                .fetchOptional(Records.mapping(StoredRefreshToken::new));
    }

    void revokeRefreshToken(String tokenHash, OffsetDateTime now) {
        dsl.update(REFRESH_TOKENS)
                .set(REFRESH_TOKENS.REVOKED, true)
                .set(REFRESH_TOKENS.UPDATED_AT, now)
                .where(REFRESH_TOKENS.TOKEN_HASH.eq(tokenHash))
                .execute();
    }

    boolean sessionExists(UUID sessionId) {
        return dsl.fetchExists(SESSIONS, SESSIONS.ID.eq(sessionId));
    }

    /** True if the session is live; it then stays so (a sign-out waits) until this transaction ends. */
    boolean lockLiveSession(UUID sessionId) {
        return dsl.select(SESSIONS.ID)
                .from(SESSIONS)
                .where(SESSIONS.ID.eq(sessionId))
                .forShare()
                .fetchOptional()
                .isPresent();
    }

    /** Marks the session as used now: the session cap ends the least recently used ones first. */
    void touchSession(UUID sessionId, OffsetDateTime now) {
        dsl.update(SESSIONS)
                .set(SESSIONS.UPDATED_AT, now)
                .where(SESSIONS.ID.eq(sessionId))
                .execute();
    }

    /**
     * Ends the user's least recently used sessions beyond {@code keep}, never {@code newest}. The
     * caller holds {@link #lockUser}, so no session of this user appears meanwhile.
     */
    int trimSessions(UUID userId, UUID newest, int keep) {
        var kept = DSL.select(SESSIONS.ID)
                .from(SESSIONS)
                .where(SESSIONS.USER_ID.eq(userId))
                .and(SESSIONS.ID.ne(newest))
                .orderBy(SESSIONS.UPDATED_AT.desc(), SESSIONS.CREATED_AT.desc(), SESSIONS.ID.desc())
                .limit(keep - 1);
        return dsl.deleteFrom(SESSIONS)
                .where(SESSIONS.USER_ID.eq(userId))
                .and(SESSIONS.ID.ne(newest))
                .and(SESSIONS.ID.notIn(kept))
                .execute();
    }

    void deleteSession(UUID sessionId) {
        dsl.deleteFrom(SESSIONS).where(SESSIONS.ID.eq(sessionId)).execute();
    }

    void deleteSessionsOf(UUID userId, @Nullable UUID except) {
        dsl.deleteFrom(SESSIONS)
                .where(SESSIONS.USER_ID.eq(userId))
                .and(except == null ? DSL.noCondition() : SESSIONS.ID.ne(except))
                .execute();
    }

    /** An identity made by an administrator (GoTrue's POST /admin/users): confirmed or not, with or without a password. */
    AuthUser insertByAdmin(
            String email,
            @Nullable String passwordHash,
            boolean confirmed,
            String userMetadataJson,
            String appMetadataJson,
            @Nullable OffsetDateTime bannedUntil,
            OffsetDateTime now) {
        return dsl.insertInto(USERS)
                .set(USERS.EMAIL, email)
                .set(USERS.ENCRYPTED_PASSWORD, passwordHash)
                .set(USERS.EMAIL_CONFIRMED_AT, confirmed ? now : null)
                .set(
                        USERS.RAW_APP_META_DATA,
                        DSL.field(
                                "{0} || {1}",
                                USERS.RAW_APP_META_DATA.getDataType(),
                                DSL.val(JSONB.valueOf("{\"provider\":\"email\",\"providers\":[\"email\"]}")),
                                DSL.val(JSONB.valueOf(appMetadataJson))))
                .set(USERS.RAW_USER_META_DATA, JSONB.valueOf(userMetadataJson))
                .set(USERS.BANNED_UNTIL, bannedUntil)
                .returningResult(USER)
                .fetchOne(Records.mapping(u -> u));
    }

    /** One page of identities, oldest first (GoTrue's order), and how many there are in all. */
    java.util.List<AuthUser> page(int offset, int limit) {
        return dsl.select(USER)
                .from(USERS)
                .orderBy(USERS.CREATED_AT, USERS.ID)
                .offset(offset)
                .limit(limit)
                .fetch(Records.mapping(u -> u));
    }

    int count() {
        return dsl.fetchCount(USERS);
    }

    /**
     * An administrator's change: each non-null argument is applied; metadata objects are merged into
     * what is stored (GoTrue's admin update merges both). {@code ban} given: the new
     * {@code banned_until} (null: unbanned).
     */
    AuthUser updateByAdmin(
            UUID id,
            @Nullable String email,
            @Nullable String passwordHash,
            @Nullable String userMetadataJson,
            @Nullable String appMetadataJson,
            @Nullable Ban ban,
            OffsetDateTime now) {
        var update = dsl.update(USERS).set(USERS.UPDATED_AT, now);
        if (email != null) {
            update = update.set(USERS.EMAIL, email).set(USERS.EMAIL_CONFIRMED_AT, now);
        }
        if (passwordHash != null) {
            update = update.set(USERS.ENCRYPTED_PASSWORD, passwordHash);
        }
        if (userMetadataJson != null) {
            update = update.set(USERS.RAW_USER_META_DATA, merged(USERS.RAW_USER_META_DATA, userMetadataJson));
        }
        if (appMetadataJson != null) {
            update = update.set(USERS.RAW_APP_META_DATA, merged(USERS.RAW_APP_META_DATA, appMetadataJson));
        }
        if (ban != null) {
            update = update.set(USERS.BANNED_UNTIL, ban.until());
        }
        return update.where(USERS.ID.eq(id)).returningResult(USER).fetchOne(Records.mapping(u -> u));
    }

    private static org.jooq.Field<JSONB> merged(org.jooq.TableField<?, JSONB> column, String json) {
        return DSL.field(
                "coalesce({0}, '{}'::jsonb) || {1}", column.getDataType(), column, DSL.val(JSONB.valueOf(json)));
    }

    /**
     * Deletes the identity and everything of it in every app (platform.delete_user, V118); returns the
     * storage versions whose bytes are to be removed once this transaction has committed.
     */
    java.util.List<String> deleteEverywhere(UUID id) {
        return dsl.resultQuery("select version from platform.delete_user({0})", DSL.val(id))
                .fetch(r -> r.get(0, String.class));
    }

    record StoredRefreshToken(UUID userId, UUID sessionId, boolean revoked) {}

    /** A ban to set: until then, or lifted (null). */
    record Ban(@Nullable OffsetDateTime until) {}
}
