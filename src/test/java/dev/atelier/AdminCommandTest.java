package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code atelier admin ...}, run in-process against the test server's database (as DATABASE_URL, with
 * its JWT secret): create a user, list users, make a user an admin of each app, reset a password.
 */
class AdminCommandTest {

    private static final TestServer server = TestServer.get();

    @TempDir
    static Path dataDir;

    private record Run(int status, String out, String err) {}

    @Test
    void createsAUserWhoSignsInAndIsListed() throws Exception {
        String email = "cli-" + UUID.randomUUID() + "@example.test";
        Run created = admin("create-user", email, "--password", "a long cli password");
        assertThat(created.status()).as(created.err()).isZero();
        assertThat(created.out()).startsWith("created ").contains(email).doesNotContain("password:");
        assertThat(signIn(email, "a long cli password")).isEqualTo(200);

        Run generated = admin("create-user", "cli-" + UUID.randomUUID() + "@example.test");
        assertThat(generated.status()).isZero();
        String password = generated
                .out()
                .lines()
                .filter(l -> l.startsWith("password: "))
                .findFirst()
                .orElseThrow()
                .substring("password: ".length());
        assertThat(password).hasSizeGreaterThanOrEqualTo(20);

        Run again = admin("create-user", email, "--password", "a long cli password");
        assertThat(again.status()).isEqualTo(1);
        assertThat(again.err()).contains("already exists");
        assertThat(admin("create-user", "cli-" + UUID.randomUUID() + "@example.test", "--password", "short")
                        .err())
                .contains("at least 6");

        Run list = admin("list-users", "--per-page", "1000");
        assertThat(list.status()).isZero();
        assertThat(list.out()).contains(email).containsPattern("total: \\d+");
    }

    @Test
    void makesAUserTheAdminOfEachAppInItsOwnColumn() throws Exception {
        TestServer.TestUser user = server.newUser();
        for (String app : List.of("algorhythmic", "rotation", "moodscale", "delula")) {
            Run made = admin("make-admin", user.email(), "--app", app);
            assertThat(made.status()).as(made.err()).isZero();
            assertThat(isAdmin(app, user)).as(app + ".is_admin()").isTrue();
        }
        for (String app : List.of("rotation", "delula")) {
            assertThat(admin("make-admin", user.id().toString(), "--app", app, "--revoke")
                            .status())
                    .isZero();
            assertThat(isAdmin(app, user))
                    .as(app + ".is_admin() after --revoke")
                    .isFalse();
        }
        assertThat(isAdmin("moodscale", user))
                .as("revoking one app's leaves the others'")
                .isTrue();
        Run stories = admin("make-admin", user.email(), "--app", "infinitestories");
        assertThat(stories.status()).isEqualTo(1);
        assertThat(stories.err()).contains("no admin role");
        assertThat(admin("make-admin", user.email(), "--app", "nosuchapp").err())
                .contains("unknown app");
        assertThat(admin("make-admin", "nobody@example.test", "--app", "delula").err())
                .contains("no user");
        assertThat(admin("make-admin", user.email()).err()).contains("--app");
    }

    @Test
    void resetsAPasswordAndEndsTheSessions() throws Exception {
        TestServer.TestUser user = server.newUser();
        Run reset = admin("reset-password", user.email(), "--password", "the operator's choice");
        assertThat(reset.status()).as(reset.err()).isZero();
        assertThat(signIn(user.email(), TestServer.MINTED_PASSWORD)).isEqualTo(400);
        assertThat(signIn(user.email(), "the operator's choice")).isEqualTo(200);
        Rest.Response refresh = Rest.anon()
                .post(
                        "/auth/v1/token?grant_type=refresh_token",
                        Rest.json(Map.of("refresh_token", user.refreshToken())));
        assertThat(refresh.status()).as("the old sessions ended").isEqualTo(400);
    }

    @Test
    void anUnknownSubcommandIsAUsageError() throws Exception {
        Run run = admin("frobnicate");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("create-user").contains("make-admin");
    }

    private static boolean isAdmin(String app, TestServer.TestUser user) throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            return "t"
                    .equals(OwnerSql.callAs(
                            owner,
                            "authenticated",
                            OwnerSql.claims(user.id(), "authenticated"),
                            "select " + app + ".is_admin()"));
        }
    }

    private static int signIn(String email, String password) {
        return Rest.anon()
                .post("/auth/v1/token?grant_type=password", Rest.json(Map.of("email", email, "password", password)))
                .status();
    }

    private static Run admin(String... args) {
        DatabaseTarget target = server.databaseTarget();
        String url = "postgres://" + enc(target.ownerUser())
                + (target.ownerPassword() == null ? "" : ":" + enc(target.ownerPassword())) + "@" + target.host() + ":"
                + target.port() + "/" + target.database();
        Map<String, String> env = Map.of(
                "DATABASE_URL",
                url,
                "ATELIER_JWT_SECRET",
                server.jwtSecret(),
                "ATELIER_DATA_DIR",
                dataDir.toString(),
                "ATELIER_LOG_LEVEL",
                "warn");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = AdminCommand.run(
                List.of(args),
                options -> Settings.fromEnvironment(env),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
