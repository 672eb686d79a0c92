package dev.atelier.platform.db;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Who a transaction runs as: the database role it switches to and the JWT claims that policies
 * read through {@code auth.uid()}, {@code auth.role()} and {@code auth.jwt()}.
 *
 * @param role       one of the request roles, never the owner
 * @param subject    the user id ({@code sub} claim), or null for anon and service keys
 * @param claimsJson the verified claims as JSON, exactly as {@code auth.jwt()} should return them; empty for
 *                   just the role
 */
public record Caller(String role, @Nullable String subject, String claimsJson) {

    /** Roles a transaction may switch to; the pool's login role is a member of each and of nothing else. */
    public static final Set<String> ROLES = Set.of("anon", "authenticated", "service_role", "atelier_auth");

    public Caller {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("not a request role: " + role);
        }
        if (claimsJson == null || claimsJson.isEmpty()) {
            claimsJson = "{\"role\":\"" + role + "\"}";
        }
    }

    /** The signed-in user's id, or empty for anon and service keys. */
    public Optional<UUID> userId() {
        if (!"authenticated".equals(role) || subject == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(subject));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static Caller anon() {
        return new Caller("anon", null, "");
    }

    public static Caller serviceRole() {
        return new Caller("service_role", null, "");
    }

    /** The auth endpoints' own role: reads and writes the auth schema, nothing else. */
    public static Caller authAdmin() {
        return new Caller("atelier_auth", null, "");
    }
}
