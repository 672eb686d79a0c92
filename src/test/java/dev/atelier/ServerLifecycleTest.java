package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as an operator meets it: started as its own process on a data directory, stopped,
 * killed with SIGKILL, started again, and refused when a second one wants the same directory.
 */
class ServerLifecycleTest {

    private static final Duration START = Duration.ofSeconds(90);

    @Test
    void dataSurvivesAStopARestartAndAKill9(@TempDir Path dataDir) throws Exception {
        String email = "survivor-" + UUID.randomUUID() + "@example.test";
        String anonKey;
        try (ServerProcess first = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            String url = first.awaitApiUrl(START);
            anonKey = line(first.stdout(), "anon key:");
            assertThat(line(first.stdout(), "service_role key:")).isNotBlank();
            assertThat(ServerProcess.get(url + "/health").statusCode()).isEqualTo(200);
            assertThat(signUp(url, anonKey, email).statusCode()).isEqualTo(200);
            first.stop();
        }
        try (ServerProcess second = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            String url = second.awaitApiUrl(START);
            assertThat(line(second.stdout(), "anon key:")).as("keys are stable across restarts").isEqualTo(anonKey);
            assertThat(signIn(url, anonKey, email).statusCode()).isEqualTo(200);
            // Committed right before the SIGKILL: synchronous commit means it is on disk.
            assertThat(signUp(url, anonKey, "last-" + email).statusCode()).isEqualTo(200);
            second.kill9();
        }
        assertThat(Files.exists(dataDir.resolve("postgres/postmaster.pid")))
                .as("the killed JVM leaves its postmaster behind").isTrue();
        try (ServerProcess third = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            String url = third.awaitApiUrl(START);
            assertThat(signIn(url, anonKey, email).statusCode()).isEqualTo(200);
            assertThat(signIn(url, anonKey, "last-" + email).statusCode()).isEqualTo(200);
            third.stop();
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryFailsWithAClearMessage(@TempDir Path dataDir) throws Exception {
        try (ServerProcess first = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            first.awaitApiUrl(START);
            try (ServerProcess second = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
                assertThat(second.awaitExit(START)).isEqualTo(1);
                assertThat(second.stderr()).contains("is in use by another Atelier server");
            }
            first.stop();
        }
    }

    @Test
    void healthAnswers503WhenTheDatabaseIsGone(@TempDir Path dataDir) throws Exception {
        try (ServerProcess server = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            String url = server.awaitApiUrl(START);
            assertThat(ServerProcess.get(url + "/health").body()).contains("\"database\":\"up\"");
            long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).trim());
            new ProcessBuilder("kill", "-9", Long.toString(postmaster)).start().waitFor();
            // A backend can outlive its postmaster for a moment and answer one more query: poll.
            HttpResponse<String> health = ServerProcess.get(url + "/health");
            for (int i = 0; i < 60 && health.statusCode() == 200; i++) {
                Thread.sleep(500);
                health = ServerProcess.get(url + "/health");
            }
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
            assertThat(health.body()).contains("\"database\":\"down\"");
            server.kill9();
        }
    }

    @Test
    void migrateAppliesOnceAndThenReportsUpToDate(@TempDir Path dataDir) throws Exception {
        try (ServerProcess first = ServerProcess.start("migrate", "--data-dir", dataDir.toString())) {
            assertThat(first.awaitExit(START)).isZero();
            assertThat(first.stdout()).containsPattern("Applied \\d+ migration\\(s\\); schema version is now \\d+");
        }
        try (ServerProcess again = ServerProcess.start("migrate", "--data-dir", dataDir.toString())) {
            assertThat(again.awaitExit(START)).isZero();
            assertThat(again.stdout()).contains("Database is up to date");
        }
    }

    @Test
    void helpListsTheCommandsAndABadOptionIsAUsageError() throws Exception {
        try (ServerProcess help = ServerProcess.start("--help")) {
            assertThat(help.awaitExit(START)).isZero();
            assertThat(help.stdout()).contains("serve").contains("migrate").contains("--data-dir").contains("DATABASE_URL");
        }
        try (ServerProcess bad = ServerProcess.start("serve", "--port", "http")) {
            assertThat(bad.awaitExit(START)).isEqualTo(1);
            assertThat(bad.stderr()).contains("--port must be a port number from 0 to 65535, not 'http'");
        }
    }

    private static HttpResponse<String> signUp(String url, String anonKey, String email) throws Exception {
        return ServerProcess.postJson(url + "/auth/v1/signup", anonKey,
                "{\"email\":\"" + email + "\",\"password\":\"sturdy-password\"}");
    }

    private static HttpResponse<String> signIn(String url, String anonKey, String email) throws Exception {
        return ServerProcess.postJson(url + "/auth/v1/token?grant_type=password", anonKey,
                "{\"email\":\"" + email + "\",\"password\":\"sturdy-password\"}");
    }

    private static String line(String output, String label) {
        return output.lines().map(String::trim).filter(l -> l.startsWith(label))
                .map(l -> l.substring(label.length()).trim()).findFirst().orElse("");
    }
}
