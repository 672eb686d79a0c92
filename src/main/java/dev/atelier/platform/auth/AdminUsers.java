package dev.atelier.platform.auth;

import dev.atelier.platform.db.Caller;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * GoTrue's admin API over {@code auth.users} ({@code supabase.auth.admin.*}): create, list, get,
 * update and delete identities. The controller admits only the service role; the work runs as
 * {@code atelier_auth}, and a deletion through {@link UserAccounts}.
 */
@Service
class AdminUsers {

    static final int MAX_PER_PAGE = 1000;
    /** A Go duration, as GoTrue's ban_duration takes it: "24h", "1h30m", "90s", "1.5h". */
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private final AuthService auth;
    private final UserAccounts accounts;

    AdminUsers(AuthService auth, UserAccounts accounts) {
        this.auth = auth;
        this.accounts = accounts;
    }

    /** What a create or an update asks for; null fields are left as they are (or take defaults). */
    record Attributes(
            @Nullable String email,
            @Nullable String password,
            @Nullable Boolean emailConfirm,
            @Nullable Map<String, Object> userMetadata,
            @Nullable Map<String, Object> appMetadata,
            @Nullable String banDuration) {}

    record Page(List<Map<String, Object>> users, int total) {}

    Map<String, Object> create(Attributes request) throws SQLException {
        if (request.email() == null || request.email().isBlank()) {
            throw AuthError.badRequest("validation_failed", "Unable to validate email address: email is required");
        }
        String email = AuthService.requireEmail(request.email());
        String hash = request.password() == null ? null : auth.hashPassword(request.password());
        AuthRepository.Ban ban = ban(request.banDuration());
        String userMetadata = auth.toJson(request.userMetadata() == null ? Map.of() : request.userMetadata());
        String appMetadata = auth.toJson(request.appMetadata() == null ? Map.of() : request.appMetadata());
        return auth.inAuthTransaction(repo -> {
            if (repo.findByEmail(email).isPresent()) {
                throw emailExists();
            }
            return auth.userJson(repo.insertByAdmin(
                    email,
                    hash,
                    Boolean.TRUE.equals(request.emailConfirm()),
                    userMetadata,
                    appMetadata,
                    ban == null ? null : ban.until(),
                    auth.now()));
        });
    }

    Page list(int page, int perPage) throws SQLException {
        if (page < 1 || perPage < 1 || perPage > MAX_PER_PAGE) {
            throw AuthError.badRequest(
                    "validation_failed", "page must be at least 1 and per_page between 1 and " + MAX_PER_PAGE);
        }
        long offset = (long) (page - 1) * perPage;
        return auth.inAuthTransaction(repo -> {
            int total = repo.count();
            List<Map<String, Object>> users = new ArrayList<>();
            if (offset < total) {
                repo.page((int) offset, perPage).forEach(u -> users.add(auth.userJson(u)));
            }
            return new Page(users, total);
        });
    }

    Map<String, Object> get(UUID id) throws SQLException {
        return auth.inAuthTransaction(repo -> auth.userJson(repo.findById(id).orElseThrow(AdminUsers::notFound)));
    }

    /**
     * A new password ends the user's sessions (their refresh tokens stop working); a ban leaves them
     * but refuses sign-ins and refreshes until it ends, as GoTrue does.
     */
    Map<String, Object> update(UUID id, Attributes request) throws SQLException {
        String email = request.email() == null ? null : AuthService.requireEmail(request.email());
        String hash = request.password() == null ? null : auth.hashPassword(request.password());
        AuthRepository.Ban ban = ban(request.banDuration());
        String userMetadata = request.userMetadata() == null ? null : auth.toJson(request.userMetadata());
        String appMetadata = request.appMetadata() == null ? null : auth.toJson(request.appMetadata());
        return auth.inAuthTransaction(repo -> {
            AuthUser current = repo.lockUser(id).orElseThrow(AdminUsers::notFound);
            String newEmail = email != null && !email.equals(current.email()) ? email : null;
            if (newEmail != null && repo.findByEmail(newEmail).isPresent()) {
                throw emailExists();
            }
            AuthUser updated = repo.updateByAdmin(id, newEmail, hash, userMetadata, appMetadata, ban, auth.now());
            if (hash != null) {
                repo.deleteSessionsOf(id, null);
            }
            return auth.userJson(updated);
        });
    }

    /** GoTrue answers a deletion with the user as it was. */
    Map<String, Object> delete(UUID id) throws SQLException {
        Map<String, Object> user = get(id);
        if (!accounts.delete(id)) {
            throw notFound();
        }
        return user;
    }

    /** ban_duration: "none" lifts a ban, a Go duration sets one from now; absent, nothing changes. */
    private AuthRepository.@Nullable Ban ban(@Nullable String duration) {
        if (duration == null || duration.isEmpty()) {
            return null;
        }
        if (duration.equals("none")) {
            return new AuthRepository.Ban(null);
        }
        Duration parsed = goDuration(duration);
        if (parsed == null) {
            throw AuthError.badRequest(
                    "validation_failed",
                    "invalid format for ban duration: time: invalid duration \"" + duration + "\"");
        }
        return new AuthRepository.Ban(auth.now().plus(parsed));
    }

    static @Nullable Duration goDuration(String text) {
        if (text.length() > 64) {
            return null;
        }
        Matcher m = DURATION_PART.matcher(text);
        double nanos = 0;
        int at = 0;
        while (at < text.length() && m.find(at) && m.start() == at) {
            double value = Double.parseDouble(m.group(1));
            double unit = switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            nanos += value * unit;
            at = m.end();
        }
        if (at != text.length() || at == 0 || nanos > Long.MAX_VALUE / 2.0) {
            return null;
        }
        return Duration.ofNanos((long) nanos);
    }

    static AuthError notFound() {
        return new AuthError(404, "user_not_found", "User not found");
    }

    private static AuthError emailExists() {
        return new AuthError(422, "email_exists", "A user with this email address has already been registered");
    }

    /** The service role only: GoTrue's admin routes answer anyone else 403 not_admin. */
    static void requireServiceRole(Caller caller) {
        if (!"service_role".equals(caller.role())) {
            throw new AuthError(403, "not_admin", "User not allowed");
        }
    }
}
