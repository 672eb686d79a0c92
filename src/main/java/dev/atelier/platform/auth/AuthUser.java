package dev.atelier.platform.auth;

import java.time.OffsetDateTime;
import java.util.UUID;

/** An identity as the auth endpoints read it from {@code auth.users}. */
record AuthUser(UUID id, String aud, String role, String email, String encryptedPassword,
                OffsetDateTime emailConfirmedAt, OffsetDateTime lastSignInAt, String appMetadataJson,
                String userMetadataJson, OffsetDateTime bannedUntil, OffsetDateTime createdAt,
                OffsetDateTime updatedAt) {
}
