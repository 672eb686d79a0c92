package dev.atelier.platform.auth;

import java.time.OffsetDateTime;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** An identity as the auth endpoints read it from {@code auth.users}. */
record AuthUser(
        UUID id,
        String aud,
        String role,
        @Nullable String email,
        @Nullable String encryptedPassword,
        @Nullable OffsetDateTime emailConfirmedAt,
        @Nullable OffsetDateTime lastSignInAt,
        @Nullable String appMetadataJson,
        @Nullable String userMetadataJson,
        @Nullable OffsetDateTime bannedUntil,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt,
        boolean isAnonymous) {}
