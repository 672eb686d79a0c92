package dev.atelier;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a server or a migration run is pointed at, from the command line and the environment.
 *
 * @param dataDirectory where the embedded database, the JWT secret and the lock live
 * @param host          the address the HTTP server binds
 * @param port          the HTTP port
 * @param databaseUrl   an external PostgreSQL (postgres:// or jdbc:postgresql:), or null for the embedded one
 * @param jwtSecret     a fixed JWT secret, or null to use (and create) the one in the data directory
 * @param encryptionKeys keys for secrets at rest ("id:base64,..."), or null for the data directory's
 * @param logLevel      the level of Atelier's own log (error, warn, info, debug, trace)
 */
public record Settings(
        Path dataDirectory,
        String host,
        int port,
        @Nullable String databaseUrl,
        @Nullable String jwtSecret,
        @Nullable String encryptionKeys,
        String logLevel) {

    public static final int DEFAULT_PORT = 54321;
    public static final String DEFAULT_DATA_DIRECTORY = "atelier-data";
    static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

    public Settings(
            Path dataDirectory,
            String host,
            int port,
            @Nullable String databaseUrl,
            @Nullable String jwtSecret,
            @Nullable String encryptionKeys) {
        this(dataDirectory, host, port, databaseUrl, jwtSecret, encryptionKeys, "info");
    }

    /** The environment's settings; a malformed value is named with the form it should have. */
    static Settings fromEnvironment(Map<String, String> env) {
        return new Settings(
                Path.of(env.getOrDefault("ATELIER_DATA_DIR", DEFAULT_DATA_DIRECTORY)),
                env.getOrDefault("ATELIER_HOST", "127.0.0.1"),
                port("ATELIER_PORT", env.getOrDefault("ATELIER_PORT", Integer.toString(DEFAULT_PORT))),
                blankToNull(env.get("DATABASE_URL")),
                blankToNull(env.get("ATELIER_JWT_SECRET")),
                blankToNull(env.get("ATELIER_ENCRYPTION_KEYS")),
                logLevel("ATELIER_LOG_LEVEL", env.getOrDefault("ATELIER_LOG_LEVEL", "info")));
    }

    Settings withDataDirectory(Path dir) {
        return new Settings(dir, host, port, databaseUrl, jwtSecret, encryptionKeys, logLevel);
    }

    Settings withPort(int newPort) {
        return new Settings(dataDirectory, host, newPort, databaseUrl, jwtSecret, encryptionKeys, logLevel);
    }

    Settings withHost(String newHost) {
        return new Settings(dataDirectory, newHost, port, databaseUrl, jwtSecret, encryptionKeys, logLevel);
    }

    Settings withLogLevel(String level) {
        return new Settings(dataDirectory, host, port, databaseUrl, jwtSecret, encryptionKeys, level);
    }

    static int port(String name, String value) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a port number from 0 to 65535, not '" + value + "'");
    }

    static String logLevel(String name, String value) {
        String level = value.trim().toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw new IllegalArgumentException(
                    name + " must be one of " + String.join(", ", LOG_LEVELS) + ", not '" + value + "'");
        }
        return level;
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
