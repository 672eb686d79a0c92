package dev.atelier.platform.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Parses {@code DATABASE_URL} in either the libpq form (postgres://) or the JDBC form. */
final class DatabaseUrl {

    private DatabaseUrl() {}

    public static DatabaseTarget parse(String url) {
        String trimmed = url.trim();
        String uriText;
        if (trimmed.startsWith("jdbc:postgresql:")) {
            uriText = "postgresql:" + trimmed.substring("jdbc:postgresql:".length());
        } else if (trimmed.startsWith("postgres://") || trimmed.startsWith("postgresql://")) {
            uriText = trimmed;
        } else {
            throw new IllegalArgumentException(
                    "DATABASE_URL must start with postgres://, postgresql:// or jdbc:postgresql:");
        }
        URI uri;
        try {
            uri = new URI(uriText);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("DATABASE_URL is not a valid URL: " + e.getMessage());
        }
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        String database = path.isEmpty() ? "postgres" : decode(path);
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        List<String> extra = new ArrayList<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                String key = decode(kv[0]);
                String value = kv.length > 1 ? decode(kv[1]) : "";
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    case "sslmode" -> extra.add("sslmode=" + value);
                    default -> extra.add(pair);
                }
            }
        }
        if (user == null) {
            user = System.getProperty("user.name");
        }
        return new DatabaseTarget(host, port, database, user, password, String.join("&", extra));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
