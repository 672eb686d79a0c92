package dev.atelier.platform.auth;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.storage.ServerFiles;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.exception.DataAccessException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * A user's account as a whole: their GoTrue user object, and deleting it with everything of theirs
 * in every app and in storage (docs/adr/0020-user-administration.md).
 */
@Service
public class UserAccounts {

    private static final String DEADLOCK = "40P01";

    private final Database database;
    private final AuthService auth;
    private final ServerFiles files;

    UserAccounts(Database database, AuthService auth, ServerFiles files) {
        this.database = database;
        this.auth = auth;
        this.files = files;
    }

    /** The user as GET /auth/v1/user returns them, or empty when there is no such user. */
    public Optional<Map<String, Object>> user(UUID id) throws SQLException {
        return auth.inAuthTransaction(repo -> repo.findById(id).map(auth::userJson));
    }

    /**
     * Deletes the identity and, in the same transaction, every row of theirs in every app (append-only
     * ledgers keep their rows without the user) and their storage objects' rows; their bytes are
     * removed once that has committed. False when there was no such user.
     */
    public boolean delete(UUID id) throws SQLException {
        Optional<List<String>> versions = deleteRows(id, 1);
        versions.ifPresent(files::discardBytes);
        return versions.isPresent();
    }

    /**
     * The deletion's transaction. It locks app rows and then their jobs, while a job engine that is
     * starting one of the user's jobs holds the job and then updates its row: PostgreSQL breaks
     * that deadlock by aborting one side, and when it is this one, nothing was done and it runs
     * again (at most three times).
     */
    private Optional<List<String>> deleteRows(UUID id, int attempt) throws SQLException {
        try {
            return database.transaction(Caller.authAdmin(), tx -> {
                AuthRepository repo = new AuthRepository(tx.dsl());
                return repo.lockUser(id).isEmpty() ? Optional.empty() : Optional.of(repo.deleteEverywhere(id));
            });
        } catch (SQLException | DataAccessException e) {
            String state = e instanceof SQLException sql ? sql.getSQLState() : ((DataAccessException) e).sqlState();
            if (DEADLOCK.equals(state) && attempt < 3) {
                return deleteRows(id, attempt + 1);
            }
            throw e;
        }
    }

    /**
     * Re-authentication before a user deletes their own account: their current password, when they
     * have one. A user without a password (an anonymous one) has only their access token to show.
     */
    public boolean reauthenticates(UUID id, @Nullable String password) throws SQLException {
        Optional<AuthUser> user = auth.inAuthTransaction(repo -> repo.findById(id));
        String stored = user.map(AuthUser::encryptedPassword).orElse(null);
        if (user.isEmpty() || stored == null) {
            return user.isPresent();
        }
        return password != null && auth.passwordMatches(password, stored);
    }
}
