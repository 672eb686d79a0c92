package dev.atelier.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.Server;
import dev.atelier.Settings;
import dev.atelier.platform.auth.JwtKeys;
import dev.atelier.platform.db.DatabaseTarget;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real Atelier per test JVM: embedded PostgreSQL in a fresh temporary data directory and the
 * whole HTTP application on a free port. Tests talk to it over HTTP exactly as clients do, and
 * may look underneath through {@link #ownerDataSource()}.
 */
public final class TestServer {

    private static TestServer instance;

    private final Server server;
    private final Path dataDirectory;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private TestServer(Server server, Path dataDirectory) {
        this.server = server;
        this.dataDirectory = dataDirectory;
    }

    public static synchronized TestServer get() {
        if (instance == null) {
            try {
                Path dataDirectory = Files.createTempDirectory("atelier-test-");
                TestSchema.expose();
                Server server = Server.start(new Settings(dataDirectory, "127.0.0.1", 0,
                        System.getenv("ATELIER_TEST_DATABASE_URL"), null, null));
                instance = new TestServer(server, dataDirectory);
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-server-shutdown"));
                TestSchema.migrate(instance);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return instance;
    }

    public String baseUrl() {
        return server.apiUrl();
    }

    public String anonKey() {
        return server.anonKey();
    }

    public String serviceKey() {
        return server.serviceRoleKey();
    }

    /** A token signed with this server's secret: for expired tokens or claims sign-in does not give. */
    public String token(String role, UUID subject, Instant expires) {
        return tokenSignedWith(jwtSecret(), role, subject, expires);
    }

    /** A well-formed HS256 token signed with any secret, e.g. one the server does not know. */
    public static String tokenSignedWith(String secret, String role, UUID subject, Instant expires) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer("atelier").claim("role", role)
                .issueTime(Date.from(expires.minusSeconds(3600))).expirationTime(Date.from(expires));
        if (subject != null) {
            claims.subject(subject.toString());
        }
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server's JWT secret, for tests that sign their own tokens (expired, odd claims). */
    public String jwtSecret() {
        try {
            return Files.readString(dataDirectory.resolve("jwt-secret")).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the test server's JWT secret", e);
        }
    }

    /** The server's data directory (keys, the embedded cluster, its password file). */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Where the database is, and how its owner logs in. */
    public DatabaseTarget databaseTarget() {
        return server.databaseTarget();
    }

    /** A component of the running application (a service facade), to check server-side effects. */
    public <T> T component(Class<T> type) {
        return server.component(type);
    }

    public HttpClient http() {
        return http;
    }

    public ObjectMapper json() {
        return json;
    }

    /** The database as its owner: to check what really is in the tables, bypassing RLS. */
    public DataSource ownerDataSource() {
        DatabaseTarget target = server.databaseTarget();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(target.jdbcUrl());
        ds.setUser(target.ownerUser());
        if (target.ownerPassword() != null) {
            ds.setPassword(target.ownerPassword());
        }
        return ds;
    }

    /** A real login as the request pool's role, to prove what it can and cannot do with raw SQL. */
    public DataSource loginRoleDataSource() {
        PGSimpleDataSource ds = (PGSimpleDataSource) ownerDataSource();
        ds.setUser(server.loginRole());
        ds.setPassword(JwtKeys.load(null, dataDirectory).databasePassword());
        return ds;
    }

    /** Signs a new user up through /auth/v1/signup and returns who they are. */
    public TestUser signUp(String email, String password) {
        JsonNode session = postJson("/auth/v1/signup", Map.of("email", email, "password", password), 200);
        return new TestUser(UUID.fromString(session.path("user").path("id").asText()), email,
                session.path("access_token").asText(), session.path("refresh_token").asText());
    }

    /** A user with a unique e-mail, for tests that just need somebody. */
    public TestUser newUser() {
        return signUp("user-" + UUID.randomUUID() + "@example.test", "correct horse battery");
    }

    private JsonNode postJson(String path, Object body, int expectedStatus) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .header("Content-Type", "application/json")
                    .header("apikey", anonKey())
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expectedStatus) {
                throw new AssertionError("POST " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A signed-up user: id, e-mail and the tokens of their first session. */
    public record TestUser(UUID id, String email, String accessToken, String refreshToken) {
    }
}
