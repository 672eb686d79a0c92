package dev.atelier;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a server or a migration run is pointed at, from the command line and the environment.
 *
 * @param dataDirectory where the embedded database, the JWT secret and the lock live
 * @param host          the address the HTTP server binds
 * @param port          the HTTP port
 * @param databaseUrl   an external PostgreSQL (postgres:// or jdbc:postgresql:), or null for the embedded one
 * @param jwtSecret     a fixed JWT secret, or null to use (and create) the one in the data directory
 * @param encryptionKeys keys for secrets at rest ("id:base64,..."), or null for the data directory's
 */
public record Settings(Path dataDirectory, String host, int port, String databaseUrl, String jwtSecret,
                       String encryptionKeys) {

    public static final int DEFAULT_PORT = 54321;
    public static final String DEFAULT_DATA_DIRECTORY = "atelier-data";

    static Settings fromEnvironment(Map<String, String> env) {
        return new Settings(Path.of(env.getOrDefault("ATELIER_DATA_DIR", DEFAULT_DATA_DIRECTORY)),
                env.getOrDefault("ATELIER_HOST", "127.0.0.1"),
                Integer.parseInt(env.getOrDefault("ATELIER_PORT", Integer.toString(DEFAULT_PORT))),
                blankToNull(env.get("DATABASE_URL")),
                blankToNull(env.get("ATELIER_JWT_SECRET")),
                blankToNull(env.get("ATELIER_ENCRYPTION_KEYS")));
    }

    Settings withDataDirectory(Path dir) {
        return new Settings(dir, host, port, databaseUrl, jwtSecret, encryptionKeys);
    }

    Settings withPort(int newPort) {
        return new Settings(dataDirectory, host, newPort, databaseUrl, jwtSecret, encryptionKeys);
    }

    Settings withHost(String newHost) {
        return new Settings(dataDirectory, newHost, port, databaseUrl, jwtSecret, encryptionKeys);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
