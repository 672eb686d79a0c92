package dev.atelier.platform.db;

import org.jspecify.annotations.Nullable;

/**
 * Where the database is and how the owner reaches it. The owner runs migrations only; requests
 * go through the {@code atelier_authenticator} login role on the same server.
 */
public record DatabaseTarget(
        String host,
        int port,
        String database,
        String ownerUser,
        @Nullable String ownerPassword,
        String extraParameters) {

    /** Parses {@code DATABASE_URL} in either the libpq form (postgres://) or the JDBC form. */
    public static DatabaseTarget fromUrl(String url) {
        return DatabaseUrl.parse(url);
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database
                + (extraParameters == null || extraParameters.isEmpty() ? "" : "?" + extraParameters);
    }
}
