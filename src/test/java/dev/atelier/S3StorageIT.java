package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.testing.Poll;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The storage API's core scenarios with the S3 backend, against Adobe's S3Mock run as its own
 * process: uploads (raw and multipart), downloads with Range and ETag, list, move, copy, remove,
 * signed URLs, a policy's refusal that leaves no key in S3, and the orphan sweep over S3 keys.
 */
class S3StorageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String S3_BUCKET = "atelier-files";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private String api;
    private String key;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> send(String method, String path, String token, String type, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path))
                .timeout(Duration.ofSeconds(30))
                .header("apikey", key)
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return http.send(b.build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String type, String body) throws Exception {
        return send(method, path, key, type, body == null ? null : body.getBytes());
    }

    private static List<String> keys(S3Client s3) {
        return s3.listObjectsV2Paginator(b -> b.bucket(S3_BUCKET)).contents().stream()
                .map(S3Object::key)
                .toList();
    }

    @Test
    void theCoreScenariosWorkOnS3() throws Exception {
        Path jar = Path.of(System.getProperty("s3mock.jar", "target/s3mock.jar"));
        assertThat(jar).as("S3Mock's jar (copied by the pom before the ITs)").exists();
        int s3Port = freePort();
        Path s3Root = Files.createDirectories(dir.resolve("s3mock"));
        Process s3mock = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-jar",
                        jar.toString(),
                        "--com.adobe.testing.s3mock.httpPort=" + s3Port,
                        "--server.port=0",
                        "--com.adobe.testing.s3mock.store.root=" + s3Root,
                        "--spring.main.banner-mode=off")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("s3mock.log").toFile())
                .start();
        String endpoint = "http://127.0.0.1:" + s3Port;
        Map<String, String> env = Map.of(
                "ATELIER_STORAGE_BACKEND", "s3",
                "ATELIER_STORAGE_S3_BUCKET", S3_BUCKET,
                "ATELIER_STORAGE_S3_ENDPOINT", endpoint,
                "ATELIER_STORAGE_S3_FORCE_PATH_STYLE", "true",
                "ATELIER_STORAGE_S3_ACCESS_KEY_ID", "test",
                "ATELIER_STORAGE_S3_SECRET_ACCESS_KEY", "test");
        // Both start at once: each takes seconds.
        try (ServerProcess server = ServerProcess.start(
                        env, "serve", "--data-dir", dir.resolve("atelier").toString(), "--port", "0");
                S3Client s3 = S3Client.builder()
                        .httpClient(UrlConnectionHttpClient.create())
                        .region(Region.US_EAST_1)
                        .endpointOverride(URI.create(endpoint))
                        .forcePathStyle(true)
                        .credentialsProvider(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                        .build()) {
            Poll.until("S3Mock to answer", Duration.ofSeconds(90), () -> {
                if (!s3mock.isAlive()) {
                    throw new AssertionError("S3Mock exited: " + Files.readString(dir.resolve("s3mock.log")));
                }
                try {
                    s3.listBuckets();
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            });
            s3.createBucket(b -> b.bucket(S3_BUCKET));
            api = server.awaitApiUrl(Duration.ofSeconds(90)) + "/storage/v1";
            key = ServerProcess.line(server.stdout(), "service_role key:");
            String anon = ServerProcess.line(server.stdout(), "anon key:");

            assertThat(send("POST", "/bucket", "application/json", "{\"name\":\"docs\"}")
                            .statusCode())
                    .isEqualTo(200);
            HttpResponse<String> up = send("POST", "/object/docs/a/one.txt", "text/plain", "0123456789");
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
            assertThat(keys(s3))
                    .as(send("POST", "/admin/sweep", null, null).body())
                    .hasSize(1);
            String boundary = "b" + UUID.randomUUID();
            String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n60\r\n--"
                    + boundary + "\r\nContent-Disposition: form-data; name=\"\"; filename=\"x\"\r\n"
                    + "Content-Type: text/plain\r\n\r\nfrom a form\r\n--" + boundary + "--\r\n";
            assertThat(send("POST", "/object/docs/a/two.txt", "multipart/form-data; boundary=" + boundary, form)
                            .statusCode())
                    .isEqualTo(200);

            HttpResponse<String> down = send("GET", "/object/docs/a/two.txt", null, null);
            assertThat(down.body()).isEqualTo("from a form");
            assertThat(down.headers().firstValue("Cache-Control")).hasValue("max-age=60");
            HttpResponse<String> part = http.send(
                    HttpRequest.newBuilder(URI.create(api + "/object/docs/a/one.txt"))
                            .header("Authorization", "Bearer " + key)
                            .header("Range", "bytes=3-6")
                            .build(),
                    BodyHandlers.ofString());
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.body()).isEqualTo("3456");
            String etag = part.headers().firstValue("ETag").orElseThrow();
            HttpResponse<String> unchanged = http.send(
                    HttpRequest.newBuilder(URI.create(api + "/object/docs/a/one.txt"))
                            .header("Authorization", "Bearer " + key)
                            .header("If-None-Match", etag)
                            .build(),
                    BodyHandlers.ofString());
            assertThat(unchanged.statusCode()).isEqualTo(304);

            JsonNode listed = JSON.readTree(send("POST", "/object/list/docs", "application/json", "{\"prefix\":\"a\"}")
                    .body());
            assertThat(listed).hasSize(2);
            assertThat(send(
                                    "POST",
                                    "/object/move",
                                    "application/json",
                                    "{\"bucketId\":\"docs\",\"sourceKey\":\"a/one.txt\",\"destinationKey\":\"b/one.txt\"}")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(send(
                                    "POST",
                                    "/object/copy",
                                    "application/json",
                                    "{\"bucketId\":\"docs\",\"sourceKey\":\"b/one.txt\",\"destinationKey\":\"c/one.txt\"}")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(send("GET", "/object/docs/c/one.txt", null, null).body()).isEqualTo("0123456789");
            assertThat(keys(s3)).hasSize(3);
            HttpResponse<String> upsert =
                    send("POST", "/object/docs/c/one.txt", key, "text/plain", "replaced".getBytes());
            assertThat(upsert.statusCode()).as("no x-upsert").isEqualTo(400);
            HttpResponse<String> replaced = http.send(
                    HttpRequest.newBuilder(URI.create(api + "/object/docs/c/one.txt"))
                            .header("Authorization", "Bearer " + key)
                            .header("x-upsert", "true")
                            .header("Content-Type", "text/plain")
                            .POST(BodyPublishers.ofString("replaced"))
                            .build(),
                    BodyHandlers.ofString());
            assertThat(replaced.statusCode()).isEqualTo(200);
            assertThat(keys(s3)).as("the replaced version's bytes are gone").hasSize(3);

            JsonNode signed =
                    JSON.readTree(send("POST", "/object/sign/docs/c/one.txt", "application/json", "{\"expiresIn\":60}")
                            .body());
            HttpResponse<String> viaSigned = http.send(
                    HttpRequest.newBuilder(
                                    URI.create(api + signed.path("signedURL").asText()))
                            .build(),
                    BodyHandlers.ofString());
            assertThat(viaSigned.body()).isEqualTo("replaced");

            // A policy's refusal (anon may not write to art/) leaves no key behind.
            HttpResponse<String> refused =
                    send("POST", "/object/art/public/x.png", anon, "image/png", new byte[] {1, 2});
            assertThat(JSON.readTree(refused.body()).path("statusCode").asText())
                    .isEqualTo("403");
            assertThat(keys(s3)).hasSize(3);

            HttpResponse<String> removed =
                    send("DELETE", "/object/docs", "application/json", "{\"prefixes\":[\"a/two.txt\",\"b/one.txt\"]}");
            assertThat(JSON.readTree(removed.body())).hasSize(2);
            assertThat(keys(s3)).hasSize(1);

            JsonNode clean =
                    JSON.readTree(send("POST", "/admin/sweep", null, null).body());
            assertThat(clean.path("backend").asText()).startsWith("s3 ");
            assertThat(clean.path("bytesWithoutRows")).isEmpty();
            assertThat(clean.path("rowsWithoutBytes")).isEmpty();
            String stray = UUID.randomUUID().toString();
            s3.putObject(b -> b.bucket(S3_BUCKET).key("objects/" + stray), RequestBody.fromString("stray"));
            JsonNode found = JSON.readTree(
                    send("POST", "/admin/sweep?remove=true", null, null).body());
            assertThat(found.path("bytesWithoutRows").get(0).asText()).isEqualTo(stray);
            assertThat(found.path("removed").asInt()).isEqualTo(1);
            assertThat(keys(s3)).hasSize(1);
            server.stop();
        } finally {
            s3mock.destroy();
            s3mock.waitFor();
        }
    }
}
