package dev.atelier.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.atelier.Server;
import dev.atelier.Settings;
import dev.atelier.platform.auth.JwtKeys;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.DatabaseTarget;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * One real Atelier per test JVM: embedded PostgreSQL in a fresh temporary data directory and the
 * whole HTTP application on a free port. Tests talk to it over HTTP exactly as clients do, and
 * may look underneath through {@link #ownerDataSource()}.
 */
public final class TestServer {

    /** The password every minted user has, as {@link #newUser} users had when they were signed up. */
    public static final String MINTED_PASSWORD = "correct horse battery";
    /** AuthService's default access-token lifetime (atelier.auth.jwt-expiry-seconds). */
    private static final long ACCESS_TOKEN_SECONDS = 3600;
    /** What sign-up stores as app metadata for an e-mail identity. */
    private static final String APP_METADATA = "{\"provider\":\"email\",\"providers\":[\"email\"]}";

    private static TestServer instance;
    private static final java.util.concurrent.atomic.AtomicInteger SCRATCH_DATABASES =
            new java.util.concurrent.atomic.AtomicInteger();

    private final SecureRandom random = new SecureRandom();
    private HikariDataSource ownerPool;
    /** The login role's connection that {@link #mintUser} reuses (held under this object's lock). */
    private Connection minter;

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
                // The ledger's periodic work (cycle roll, hold expiry, daily refresh) runs when a
                // test calls it, at the time the test gives, not by the wall clock in between.
                System.setProperty(
                        "atelier.ledger.period-ms", "3153600000000"); // a century: no period starts during a test run
                // Generation flows: short provider deadlines and retry waits, small images.
                System.setProperty("atelier.algorhythmic.generation.timeout-ms", "700");
                System.setProperty("atelier.algorhythmic.generation.backoff-ms", "50");
                System.setProperty("atelier.algorhythmic.generation.size", "256");
                // InfiniteStories draws its illustrations and avatars at 256 px instead of 1024 in
                // tests: the same code path, a sixteenth of the pixels to render and encode.
                System.setProperty("atelier.infinitestories.image-size", "256");
                // Delula's generation retries wait 50 ms, not a second (ADR 13).
                System.setProperty("atelier.delula.generation.backoff-ms", "50");
                // No WAL archiving for the shared server: the backup tests start clusters of their own.
                System.setProperty("atelier.backup.enabled", "false");
                // The data API's aggregate functions (off by default, as in PostgREST): the tests use them.
                System.setProperty("atelier.rest.aggregates-enabled", "true");
                // Rate limits (ADR 17): the suite's own requests come from 127.0.0.1 and are never
                // limited; a test of limits sends X-Forwarded-For through 127.0.0.1 as a trusted proxy
                // and is limited by the real rules under the address it names.
                System.setProperty("atelier.http.trusted-proxies", "127.0.0.1/32,::1/128");
                System.setProperty("atelier.ratelimit.exempt", "127.0.0.1/32,::1/128");
                // Telemetry: room for 5,000 waiting events per writer, so a back-pressure test
                // fills it with five batches; every tenth request sampled into performance_metrics.
                System.setProperty("atelier.telemetry.capacity-rows", "5000");
                System.setProperty("atelier.telemetry.performance-sample-rate", "0.1");
                // The data API lets a request choose its transaction's end (Prefer: tx=rollback|commit):
                // PreferencesTest's dry runs. Without the header every request still commits.
                System.setProperty("atelier.rest.tx-end", "commit-allow-override");
                // Execution plans (Accept: application/vnd.pgrst.plan, PostgREST's db-plan-enabled) are
                // off by default; the suite enables them to test them (PlansTest).
                System.setProperty("atelier.rest.plan-enabled", "true");
                TestSchema.expose();
                // The data API's pre-request function (ADR 27): the fixture's, which does nothing
                // unless a request's X-Pre-Request header asks it to.
                System.setProperty("atelier.rest.pre-request", TestSchema.PRE_REQUEST);
                Server server = Server.start(new Settings(
                        dataDirectory, "127.0.0.1", 0, System.getenv("ATELIER_TEST_DATABASE_URL"), null, null));
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
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer("atelier")
                .claim("role", role)
                .issueTime(Date.from(expires.minusSeconds(3600)))
                .expirationTime(Date.from(expires));
        if (subject != null) {
            claims.subject(subject.toString());
        }
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .type(JOSEObjectType.JWT)
                            .build(),
                    claims.build());
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

    /**
     * A new, empty database in the test server's cluster, owned by its owner: for tests that must
     * migrate a database of their own (an upgrade, code generation) without the cost of a cluster of
     * their own (initdb and a postmaster). Roles are the cluster's, shared with the test database.
     */
    public DatabaseTarget scratchDatabase(String prefix) {
        DatabaseTarget target = server.databaseTarget();
        String name = prefix + "_" + SCRATCH_DATABASES.incrementAndGet() + "_"
                + ProcessHandle.current().pid();
        try (Connection owner = ownerDataSource().getConnection();
                Statement statement = owner.createStatement()) {
            statement.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the scratch database " + name, e);
        }
        return new DatabaseTarget(
                target.host(),
                target.port(),
                name,
                target.ownerUser(),
                target.ownerPassword(),
                target.extraParameters());
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

    /**
     * Owner connections kept open between tests: a new PostgreSQL login costs ~20 ms (a backend
     * process, SCRAM), a pooled one nothing. Closing a borrowed connection returns it; Hikari rolls
     * back what was left open and resets auto-commit, read-only and isolation. For connections that
     * must be new (a session's own settings, a login of its own), use {@link #ownerDataSource()}.
     */
    public synchronized DataSource ownerPool() {
        if (ownerPool == null) {
            DatabaseTarget target = server.databaseTarget();
            HikariConfig config = new HikariConfig();
            config.setPoolName("test-owner");
            config.setJdbcUrl(target.jdbcUrl());
            config.setUsername(target.ownerUser());
            if (target.ownerPassword() != null) {
                config.setPassword(target.ownerPassword());
            }
            config.setMaximumPoolSize(8);
            config.setMinimumIdle(1);
            config.addDataSourceProperty("ApplicationName", "atelier-tests");
            ownerPool = new HikariDataSource(config);
        }
        return ownerPool;
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
        return new TestUser(
                UUID.fromString(session.path("user").path("id").asText()),
                email,
                session.path("access_token").asText(),
                session.path("refresh_token").asText());
    }

    /** A user signed up through /auth/v1/signup with a unique e-mail: for tests of sign-up and sessions. */
    public TestUser signedUpUser() {
        return signUp("user-" + UUID.randomUUID() + "@example.test", MINTED_PASSWORD);
    }

    /**
     * A user with a unique e-mail, for tests that just need somebody: minted by {@link #mintUser},
     * not signed up, so no bcrypt runs. Tests of sign-up itself use {@link #signUp}.
     */
    public TestUser newUser() {
        return mintUser("user-" + UUID.randomUUID() + "@example.test");
    }

    /**
     * A user as sign-up would leave them, without sign-up's bcrypt: the {@code auth.users} row is
     * inserted by the same role and statement shape as {@code AuthService.signUp} (so every app's
     * provisioning trigger on {@code auth.users} runs), then a session and a refresh token, and an
     * access token with the claims {@code AuthService} signs. The stored password hash is one bcrypt
     * of {@link #MINTED_PASSWORD} made once per JVM, so the user can also sign in with it.
     */
    public synchronized TestUser mintUser(String email) {
        String normalized = email.trim().toLowerCase();
        String refreshToken = randomToken();
        try {
            if (minter == null || !minter.isValid(5)) {
                minter = loginRoleDataSource().getConnection();
                minter.setAutoCommit(false);
            }
            Connection connection = minter;
            try {
                try (PreparedStatement begin =
                        connection.prepareStatement("select set_config('role', 'atelier_auth', true),"
                                + " set_config('request.jwt.claims', ?, true),"
                                + " set_config('request.jwt.claim.sub', '', true),"
                                + " set_config('request.jwt.claim.role', 'atelier_auth', true)")) {
                    begin.setString(1, Caller.authAdmin().claimsJson());
                    begin.execute();
                }
                UUID id;
                String aud;
                String role;
                try (PreparedStatement insert = connection.prepareStatement("""
                        insert into auth.users (email, encrypted_password, email_confirmed_at, last_sign_in_at,
                                                raw_app_meta_data, raw_user_meta_data)
                        values (?, ?, now(), now(), ?::jsonb, '{}'::jsonb)
                        returning id, aud, role""")) {
                    insert.setString(1, normalized);
                    insert.setString(2, MintedPassword.HASH);
                    insert.setString(3, APP_METADATA);
                    try (ResultSet row = insert.executeQuery()) {
                        row.next();
                        id = row.getObject(1, UUID.class);
                        aud = row.getString(2);
                        role = row.getString(3);
                    }
                }
                UUID sessionId;
                try (PreparedStatement session =
                        connection.prepareStatement("insert into auth.sessions (user_id) values (?) returning id")) {
                    session.setObject(1, id);
                    try (ResultSet row = session.executeQuery()) {
                        row.next();
                        sessionId = row.getObject(1, UUID.class);
                    }
                }
                try (PreparedStatement token = connection.prepareStatement(
                        "insert into auth.refresh_tokens (token_hash, user_id, session_id) values (?, ?, ?)")) {
                    token.setString(1, sha256(refreshToken));
                    token.setObject(2, id);
                    token.setObject(3, sessionId);
                    token.executeUpdate();
                }
                connection.commit();
                return new TestUser(id, normalized, accessToken(id, aud, role, normalized, sessionId), refreshToken);
            } catch (SQLException | RuntimeException e) {
                minter = null;
                connection.close(); // a connection whose state is unknown is not used again
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot mint user " + email + ": " + e.getMessage(), e);
        }
    }

    /** The access token {@code AuthService} issues for a new session: the same claims, signed with this server's secret. */
    private String accessToken(UUID id, String aud, String role, String email, UUID sessionId) {
        Instant issued = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("atelier")
                .subject(id.toString())
                .audience(aud)
                .issueTime(Date.from(issued))
                .expirationTime(Date.from(issued.plusSeconds(ACCESS_TOKEN_SECONDS)))
                .claim("role", role)
                .claim("email", email)
                .claim("phone", "")
                .claim("app_metadata", Map.of("provider", "email", "providers", List.of("email")))
                .claim("user_metadata", Map.of())
                .claim("aal", "aal1")
                .claim("amr", List.of(Map.of("method", "password", "timestamp", issued.getEpochSecond())))
                .claim("session_id", sessionId.toString())
                .claim("is_anonymous", false)
                .build();
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                            .type(JOSEObjectType.JWT)
                            .build(),
                    claims);
            jwt.sign(new MACSigner(jwtSecret().getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The one bcrypt of {@link #MINTED_PASSWORD}, made the first time a user is minted. */
    private static final class MintedPassword {
        static final String HASH = new BCryptPasswordEncoder(10).encode(MINTED_PASSWORD);
    }

    private JsonNode postJson(String path, Object body, int expectedStatus) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl() + path))
                            .header("Content-Type", "application/json")
                            .header("apikey", anonKey())
                            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expectedStatus) {
                throw new AssertionError(
                        "POST " + path + " answered " + response.statusCode() + ": " + response.body());
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
    public record TestUser(UUID id, String email, String accessToken, String refreshToken) {}
}
