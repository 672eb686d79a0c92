package dev.atelier;

import dev.atelier.testing.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** {@code atelier} as a separate JVM, so tests can stop it, kill it with SIGKILL and start it again. */
final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final List<Thread> drains;

    private ServerProcess(Process process) {
        this.process = process;
        this.drains = List.of(drain(process.getInputStream(), stdout), drain(process.getErrorStream(), stderr));
    }

    static ServerProcess start(String... args) throws IOException {
        return start(java.util.Map.of(), args);
    }

    /** With these environment variables set (DATABASE_URL and ATELIER_* are otherwise removed). */
    static ServerProcess start(java.util.Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A server that lives for seconds: see atelier.test.jvm in the pom.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                Atelier.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("DATABASE_URL");
        builder.environment().keySet().removeIf(k -> k.startsWith("ATELIER_"));
        // No WAL archive unless a test asks: it would go beside the temporary data directory and outlive it.
        builder.environment().put("ATELIER_BACKUP_ENABLED", "false");
        // These tests' clients all speak from 127.0.0.1: never rate-limited (ADR 17), unless a test says so.
        builder.environment().put("ATELIER_RATELIMIT_EXEMPT", "127.0.0.1/32,::1/128");
        builder.environment().putAll(env);
        return new ServerProcess(builder.start());
    }

    /** Waits for the start-up banner and returns the API URL it printed. */
    String awaitApiUrl(Duration timeout) throws Exception {
        Poll.until("a start-up banner", timeout, () -> {
            if (stdout.stream().anyMatch(line -> line.contains("service_role key:"))) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(
                        "the server exited with " + process.exitValue() + ": " + String.join("\n", stderr));
            }
            return false;
        });
        return stdout.stream()
                .filter(l -> l.trim().startsWith("API URL:"))
                .map(l -> l.substring(l.indexOf("http")))
                .findFirst()
                .orElseThrow();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the process did not exit within " + timeout);
        }
        for (Thread drain : drains) {
            drain.join(TimeUnit.SECONDS.toMillis(10)); // the last lines it printed, up to end of stream
        }
        return process.exitValue();
    }

    /** SIGTERM: the orderly stop a supervisor sends. */
    void stop() throws InterruptedException {
        process.destroy();
        awaitExit(Duration.ofSeconds(60));
    }

    /** SIGKILL: no shutdown hooks run, the embedded postmaster is left behind. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String stdout() {
        return String.join("\n", stdout);
    }

    String stderr() {
        return String.join("\n", stderr);
    }

    /** What a process printed after {@code label} on the first line that starts with it ("service_role key:"). */
    static String line(String output, String label) {
        return output.lines()
                .filter(l -> l.trim().startsWith(label))
                .map(l -> l.substring(l.indexOf(label) + label.length()).trim())
                .findFirst()
                .orElseThrow();
    }

    /** A request to {@code url} with {@code key} as apikey and bearer token, timing out after 30 s. */
    static HttpRequest.Builder authorized(String url, String key) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("apikey", key)
                .header("Authorization", "Bearer " + key);
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> postJson(String url, String apikey, String json)
            throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Content-Type", "application/json")
                                .header("apikey", apikey)
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static Thread drain(java.io.InputStream in, List<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
