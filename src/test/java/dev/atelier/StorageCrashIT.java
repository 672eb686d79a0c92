package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.testing.Poll;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the server while 20 uploads stream in: after the restart every object that exists
 * serves exactly the bytes that were sent for it (never a half file), every upload answered 200
 * before the kill is there, nothing is left staged, and the orphan sweep finds no mismatch.
 */
class StorageCrashIT {

    private static final int UPLOADS = 20;
    private static final int SIZE = 8 * 1024 * 1024;
    /** Uploads that stream straight through; the others stop halfway until the kill. */
    private static final int FREE = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    /** The same bytes for upload {@code i}, every time: seeded, generated as they are read. */
    private static InputStream bytesOf(int i) {
        return bytesOf(i, null);
    }

    /**
     * As {@link #bytesOf(int)}; with a {@code halfway} latch, the stream waits for it after half
     * the bytes, so the upload is surely under way when the server is killed.
     */
    private static InputStream bytesOf(int i, @Nullable CountDownLatch halfway) {
        Random random = new Random(i);
        return new InputStream() {
            private int left = SIZE;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                if (halfway != null && left <= SIZE / 2) {
                    try {
                        halfway.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return -1;
                    }
                }
                int n = Math.min(len, halfway != null && left > SIZE / 2 ? left - SIZE / 2 : left);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                System.arraycopy(chunk, 0, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Test
    void aKilledServerServesNoHalfFileAndTheSweepFindsNoMismatch() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        AtomicInteger answered = new AtomicInteger();
        boolean[] done = new boolean[UPLOADS];
        CountDownLatch killed = new CountDownLatch(1);
        String key;
        try (ServerProcess server = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            String url = server.awaitApiUrl(Duration.ofSeconds(60)) + "/storage/v1";
            key = ServerProcess.line(server.stdout(), "service_role key:");
            HttpResponse<String> bucket = http.send(
                    ServerProcess.authorized(url + "/bucket", key)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"crash\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bucket.statusCode()).as(bucket.body()).isEqualTo(200);

            List<CompletableFuture<Void>> uploads = IntStream.range(0, UPLOADS)
                    .mapToObj(i -> http.sendAsync(
                                    ServerProcess.authorized(url + "/object/crash/file-" + i + ".bin", key)
                                            .header("Content-Type", "application/octet-stream")
                                            .POST(HttpRequest.BodyPublishers.fromPublisher(
                                                    HttpRequest.BodyPublishers.ofInputStream(
                                                            () -> bytesOf(i, i < FREE ? null : killed)),
                                                    SIZE))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .thenAccept(r -> {
                                if (r.statusCode() == 200) {
                                    done[i] = true;
                                }
                                answered.incrementAndGet();
                            }))
                    .toList();
            Poll.until("the first uploads to finish", Duration.ofSeconds(20), () -> answered.get() >= FREE);
            server.kill9();
            killed.countDown();
            CompletableFuture.allOf(uploads.stream()
                            .map(f -> f.exceptionally(e -> null))
                            .toArray(CompletableFuture[]::new))
                    .get();
        }
        assertThat(IntStream.range(0, UPLOADS).filter(i -> !done[i]).count())
                .as("uploads still under way at the kill")
                .isPositive();

        try (ServerProcess again = ServerProcess.start("serve", "--data-dir", dataDir.toString(), "--port", "0")) {
            String url = again.awaitApiUrl(Duration.ofSeconds(60)) + "/storage/v1";
            int present = 0;
            for (int i = 0; i < UPLOADS; i++) {
                HttpResponse<InputStream> r = http.send(
                        ServerProcess.authorized(url + "/object/crash/file-" + i + ".bin", key)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = r.body()) {
                    if (r.statusCode() == 200) {
                        present++;
                        assertThat(sha256(body)).as("file %d is whole", i).isEqualTo(sha256(bytesOf(i)));
                    } else {
                        assertThat(done[i])
                                .as("file %d was acknowledged before the kill", i)
                                .isFalse();
                        body.readAllBytes();
                    }
                }
            }
            assertThat(present).isGreaterThanOrEqualTo(3);
            try (Stream<Path> staged = Files.list(dataDir.resolve("storage/staging"))) {
                assertThat(staged).as("nothing left staged").isEmpty();
            }
            HttpResponse<String> sweep = http.send(
                    ServerProcess.authorized(url + "/admin/sweep", key)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode report = JSON.readTree(sweep.body());
            assertThat(report.path("bytesWithoutRows")).as(sweep.body()).isEmpty();
            assertThat(report.path("rowsWithoutBytes")).as(sweep.body()).isEmpty();
            assertThat(report.path("objects").asInt()).isEqualTo(present);
            again.stop();
        }
    }
}
