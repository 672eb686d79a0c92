package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.DatabaseTarget;
import dev.atelier.testing.TestServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 8: start-up failures were slow (a taken port reported after ~29 s, an unreachable
 * database after ~35 s of retries) and noisy (57-line stack traces). Each now ends the process
 * with exit code 1 and one line that names the cause, within the bound the operator waits for,
 * never showing a password.
 */
class StartupFailuresIT {

    @Test
    void aTakenPortIsReportedWithinTwoSecondsBeforeAnyDatabaseWork(@TempDir Path dataDir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String stderr = failsWithin(
                    Duration.ofSeconds(2),
                    Map.of(),
                    "serve",
                    "--data-dir",
                    dataDir.toString(),
                    "--port",
                    Integer.toString(port));
            assertThat(stderr).contains("port " + port + " on 127.0.0.1 is already in use");
            assertThat(dataDir.resolve("postgres")).doesNotExist();
        }
    }

    @Test
    void anUnreachableDatabaseIsNamedWithinTenSeconds(@TempDir Path dataDir) throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        String stderr = failsWithin(
                Duration.ofSeconds(10),
                Map.of("DATABASE_URL", "postgres://someone:hunter2secret@127.0.0.1:" + closedPort + "/app"),
                "serve",
                "--data-dir",
                dataDir.toString(),
                "--port",
                "0");
        assertThat(stderr)
                .contains("127.0.0.1:" + closedPort + "/app")
                .contains("connection refused")
                .doesNotContain("hunter2secret");
    }

    @Test
    void aWrongPasswordIsNamedWithinTenSeconds(@TempDir Path dataDir) throws Exception {
        DatabaseTarget db = TestServer.get().databaseTarget();
        String stderr = failsWithin(
                Duration.ofSeconds(10),
                Map.of("DATABASE_URL", "postgres://postgres:wrong-horse@" + db.host() + ":" + db.port() + "/postgres"),
                "serve",
                "--data-dir",
                dataDir.toString(),
                "--port",
                "0");
        assertThat(stderr)
                .contains(db.host() + ":" + db.port() + "/postgres")
                .contains("password authentication failed")
                .doesNotContain("wrong-horse");
    }

    @Test
    void anOwnerWithoutCreateroleIsToldWhatToGrant(@TempDir Path dataDir) throws Exception {
        DatabaseTarget db = TestServer.get().databaseTarget();
        try (Connection owner = TestServer.get().ownerDataSource().getConnection();
                Statement st = owner.createStatement()) {
            st.execute("drop database if exists limited_app");
            st.execute("drop role if exists limited_owner");
            st.execute("create role limited_owner login password 'limited-pw'");
            st.execute("create database limited_app owner limited_owner");
        }
        try {
            String stderr = failsWithin(
                    Duration.ofSeconds(10),
                    Map.of(
                            "DATABASE_URL",
                            "postgres://limited_owner:limited-pw@" + db.host() + ":" + db.port() + "/limited_app"),
                    "migrate",
                    "--data-dir",
                    dataDir.toString());
            assertThat(stderr)
                    .contains("limited_owner lacks CREATEROLE")
                    .contains("ALTER ROLE limited_owner CREATEROLE")
                    .doesNotContain("limited-pw");
        } finally {
            try (Connection owner = TestServer.get().ownerDataSource().getConnection();
                    Statement st = owner.createStatement()) {
                st.execute("drop database limited_app");
                st.execute("drop role limited_owner");
            }
        }
    }

    @Test
    void aMalformedSettingIsNamedWithTheFormItShouldHave(@TempDir Path dataDir) throws Exception {
        String stderr = failsWithin(
                Duration.ofSeconds(5), Map.of("ATELIER_PORT", "notaport"), "serve", "--data-dir", dataDir.toString());
        assertThat(stderr).contains("ATELIER_PORT must be a port number from 0 to 65535, not 'notaport'");
        assertThat(failsWithin(Duration.ofSeconds(5), Map.of("ATELIER_LOG_LEVEL", "loud"), "serve"))
                .contains("ATELIER_LOG_LEVEL must be one of error, warn, info, debug, trace, not 'loud'");
    }

    @Test
    void anUnknownOptionIsNamedAndVersionAnswers() throws Exception {
        assertThat(failsWithin(Duration.ofSeconds(5), Map.of(), "serve", "--verbose"))
                .contains("unknown option --verbose");
        try (ServerProcess version = ServerProcess.start("--version")) {
            assertThat(version.awaitExit(Duration.ofSeconds(10))).isZero();
            assertThat(version.stdout()).startsWith("atelier ");
        }
    }

    /** Runs the command, which must exit 1 within {@code bound} with a one-line reason and no stack trace. */
    private static String failsWithin(Duration bound, Map<String, String> env, String... args) throws Exception {
        long start = System.nanoTime();
        try (ServerProcess process = ServerProcess.start(env, args)) {
            int code = process.awaitExit(bound.plusSeconds(30));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String stderr = process.stderr();
            assertThat(code).as("exit code; stderr: " + stderr).isEqualTo(1);
            assertThat(took).as("time to fail").isLessThanOrEqualTo(bound);
            assertThat(stderr.lines().filter(l -> l.startsWith("atelier: ")).count())
                    .as(stderr)
                    .isEqualTo(1);
            assertThat(stderr).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
            return stderr;
        }
    }
}
