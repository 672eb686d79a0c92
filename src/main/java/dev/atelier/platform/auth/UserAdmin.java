package dev.atelier.platform.auth;

import java.sql.Connection;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jspecify.annotations.Nullable;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The operator's user administration ({@code atelier admin ...}), on the owner's connection: create
 * a user, list users, reset a password, make a user an app's admin. The HTTP admin API is GoTrue's
 * ({@code /auth/v1/admin/users}); this is what an operator needs before any service key is at hand.
 */
public final class UserAdmin {

    /**
     * How each app marks its admins: the table, the column that names the identity, and the column
     * its {@code is_admin()} reads with the value for admin and for a plain user. InfiniteStories'
     * document defines no admin.
     */
    private record AppAdmin(String table, String identity, String role, String admin, String plain) {}

    private static final Map<String, AppAdmin> APPS = Map.of(
            "algorhythmic", new AppAdmin("algorhythmic.users", "id::uuid", "role", "'admin'", "'user'"),
            "rotation",
                    new AppAdmin(
                            "rotation.users",
                            "auth_user_id",
                            "role",
                            "'admin'::rotation.user_role",
                            "'general_user'::rotation.user_role"),
            "moodscale", new AppAdmin("moodscale.users", "auth_user_id", "role", "'admin'", "'user'"),
            "delula", new AppAdmin("delula.users", "id::uuid", "access_role", "3", "1"));

    /** Every app this command knows, for its usage line. */
    public static final List<String> APP_NAMES =
            List.of("algorhythmic", "infinitestories", "rotation", "moodscale", "delula");

    private static final BCryptPasswordEncoder PASSWORDS = new BCryptPasswordEncoder(10);

    /** One line of {@code atelier admin list-users}. */
    public record Listed(
            UUID id,
            @Nullable String email,
            OffsetDateTime createdAt,
            @Nullable OffsetDateTime lastSignInAt,
            @Nullable OffsetDateTime bannedUntil,
            boolean anonymous) {}

    private final DSLContext dsl;
    private final AuthRepository repo;

    private UserAdmin(Connection owner) {
        this.dsl = DSL.using(owner, SQLDialect.POSTGRES);
        this.repo = new AuthRepository(dsl);
    }

    /** On an owner's connection in auto-commit: each operation is one statement or commits by itself. */
    public static UserAdmin on(Connection owner) {
        return new UserAdmin(owner);
    }

    /** A confirmed user with this password; the apps provision it as at sign-up. */
    public UUID createUser(String email, String password) {
        String normalized;
        try {
            normalized = AuthService.requireEmail(email);
        } catch (AuthError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        String hash = hash(password);
        return dsl.transactionResult(tx -> {
            AuthRepository inTx = new AuthRepository(tx.dsl());
            if (inTx.findByEmail(normalized).isPresent()) {
                throw new IllegalArgumentException("a user with e-mail " + normalized + " already exists");
            }
            return inTx.insertByAdmin(normalized, hash, true, "{}", "{}", null, now())
                    .id();
        });
    }

    public List<Listed> list(int page, int perPage) {
        if (page < 1 || perPage < 1 || perPage > AdminUsers.MAX_PER_PAGE) {
            throw new IllegalArgumentException(
                    "--page must be at least 1 and --per-page between 1 and " + AdminUsers.MAX_PER_PAGE);
        }
        return repo.page((page - 1) * perPage, perPage).stream()
                .map(u -> new Listed(
                        u.id(), u.email(), u.createdAt(), u.lastSignInAt(), u.bannedUntil(), u.isAnonymous()))
                .toList();
    }

    public int count() {
        return repo.count();
    }

    /** Sets the password and ends every session of the user (their refresh tokens stop working). */
    public UUID resetPassword(String user, String password) {
        String hash = hash(password);
        return dsl.transactionResult(tx -> {
            AuthRepository inTx = new AuthRepository(tx.dsl());
            UUID id = find(inTx, user);
            inTx.updateByAdmin(id, null, hash, null, null, null, now());
            inTx.deleteSessionsOf(id, null);
            return id;
        });
    }

    /**
     * Makes the user an admin of {@code app} (or, with {@code admin} false, a plain user again), in
     * the column that app's {@code is_admin()} reads.
     */
    public UUID makeAdmin(String app, String user, boolean admin) {
        String name = app.toLowerCase(Locale.ROOT);
        AppAdmin target = appAdmin(name);
        UUID id = find(repo, user);
        // Revoking changes only an admin back to a plain user (a Rotation store manager stays one).
        int changed = dsl.execute(
                "update " + target.table() + " set " + target.role() + " = " + (admin ? target.admin() : target.plain())
                        + " where " + target.identity() + " = ?"
                        + (admin ? "" : " and " + target.role() + " = " + target.admin()),
                id);
        if (changed == 0 && admin) {
            throw new IllegalArgumentException(
                    "the user has no " + name + " account (see platform.provisioning_failures)");
        }
        return id;
    }

    /** Checks an app's name for make-admin before any database work. */
    public static void requireAdminApp(String app) {
        appAdmin(app.toLowerCase(Locale.ROOT));
    }

    private static AppAdmin appAdmin(String name) {
        if (name.equals("infinitestories")) {
            throw new IllegalArgumentException("infinitestories has no admin role (its document defines none);"
                    + " operate it with the service role key");
        }
        AppAdmin target = APPS.get(name);
        if (target == null) {
            throw new IllegalArgumentException("unknown app '" + name + "': one of " + String.join(", ", APP_NAMES));
        }
        return target;
    }

    private static UUID find(AuthRepository repo, String user) {
        Optional<AuthUser> found;
        try {
            found = repo.findById(UUID.fromString(user));
        } catch (IllegalArgumentException notAnId) {
            found = repo.findByEmail(user.trim());
        }
        return found.map(AuthUser::id).orElseThrow(() -> new IllegalArgumentException("no user " + user));
    }

    private static String hash(String password) {
        try {
            AuthService.requirePassword(password);
        } catch (AuthError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return PASSWORDS.encode(password);
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
