package dev.atelier.platform.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The storage API over real HTTP on the disk backend: the row and the bytes of an upload arrive
 * together or not at all, policies decide as the caller, multipart bodies stream, limits hold,
 * and the orphan sweep sees what disagrees. (storage-js's own view is in test/js.)
 */
class StorageApiTest {

    private static final TestServer server = TestServer.get();
    private static final String BUCKET = "java-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void bucket() throws Exception {
        HttpResponse<String> r = send(
                "POST",
                "/bucket",
                server.serviceKey(),
                "application/json",
                "{\"name\":\"" + BUCKET
                        + "\",\"file_size_limit\":1000,\"allowed_mime_types\":[\"text/*\",\"image/png\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static HttpResponse<String> send(String method, String path, String token, String type, String body)
            throws IOException, InterruptedException {
        return sendBytes(method, path, token, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> sendBytes(String method, String path, String token, String type, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/storage/v1" + path))
                .header("apikey", server.anonKey())
                .header("Authorization", "Bearer " + token)
                .method(
                        method,
                        body.length == 0 && method.equals("GET")
                                ? BodyPublishers.noBody()
                                : BodyPublishers.ofByteArray(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return server.http().send(b.build(), BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return server.json().readTree(r.body());
    }

    private static long count(String sql, String arg) throws SQLException {
        try (Connection c = server.ownerPool().getConnection();
                PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, arg);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void uploadsRawAndMultipartBodiesAndServesThemBack() throws Exception {
        HttpResponse<String> raw =
                send("POST", "/object/" + BUCKET + "/a/raw.txt", server.serviceKey(), "text/plain", "raw body");
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        assertThat(json(raw).path("Key").asText()).isEqualTo(BUCKET + "/a/raw.txt");

        String boundary = "----atelier" + UUID.randomUUID();
        String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n120\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"\"; filename=\"blob\"\r\n"
                + "Content-Type: text/plain\r\n\r\nline one\r\n--not-the-boundary\r\nline two\r\n"
                + "--" + boundary + "--\r\n";
        HttpResponse<String> multi = send(
                "POST",
                "/object/" + BUCKET + "/a/form.txt",
                server.serviceKey(),
                "multipart/form-data; boundary=" + boundary,
                form);
        assertThat(multi.statusCode()).as(multi.body()).isEqualTo(200);

        HttpResponse<String> back = send("GET", "/object/" + BUCKET + "/a/form.txt", server.serviceKey(), null, "");
        assertThat(back.body()).isEqualTo("line one\r\n--not-the-boundary\r\nline two");
        assertThat(back.headers().firstValue("Cache-Control")).hasValue("max-age=120");
        assertThat(back.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    }

    @Test
    void refusesWhatTheBucketDoesNotAllowWithSupabasesErrorShapeAndKeepsNothing() throws Exception {
        Path storage = server.dataDirectory().resolve("storage");
        long filesBefore = filesUnder(storage.resolve("objects"));
        HttpResponse<String> big =
                send("POST", "/object/" + BUCKET + "/big.txt", server.serviceKey(), "text/plain", "x".repeat(1001));
        assertThat(big.statusCode()).isEqualTo(400);
        assertThat(json(big).path("statusCode").asText()).isEqualTo("413");
        HttpResponse<String> mime =
                send("POST", "/object/" + BUCKET + "/a.pdf", server.serviceKey(), "application/pdf", "%PDF");
        assertThat(json(mime).path("statusCode").asText()).isEqualTo("415");
        HttpResponse<String> noBucket =
                send("POST", "/object/no-such-bucket/a.txt", server.serviceKey(), "text/plain", "x");
        assertThat(json(noBucket).path("statusCode").asText()).isEqualTo("404");
        assertThat(json(noBucket).path("message").asText()).isEqualTo("Bucket not found");
        assertThat(count(
                        "select count(*) from storage.objects where bucket_id = ? and name in ('big.txt', 'a.pdf')",
                        BUCKET))
                .isZero();
        assertThat(filesUnder(storage.resolve("objects"))).isEqualTo(filesBefore);
        assertThat(filesUnder(storage.resolve("staging"))).isZero();
    }

    @Test
    void anUploadThePoliciesRefuseLeavesNeitherRowNorBytes() throws Exception {
        TestUser a = server.newUser();
        TestUser b = server.newUser();
        Path objects = server.dataDirectory().resolve("storage").resolve("objects");
        String mine = ".private/" + a.id() + "/doc.png";
        HttpResponse<String> ok =
                sendBytes("POST", "/object/art/" + mine, a.accessToken(), "image/png", new byte[] {1, 2, 3});
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        long files = filesUnder(objects);

        HttpResponse<String> denied = sendBytes(
                "POST", "/object/art/.private/" + a.id() + "/other.png", b.accessToken(), "image/png", new byte[] {9});
        assertThat(denied.statusCode()).isEqualTo(400);
        assertThat(json(denied).path("statusCode").asText()).isEqualTo("403");
        assertThat(json(denied).path("error").asText()).isEqualTo("Unauthorized");
        assertThat(filesUnder(objects)).isEqualTo(files);
        assertThat(count("select count(*) from storage.objects where name = ?", ".private/" + a.id() + "/other.png"))
                .isZero();

        HttpResponse<String> read = send("GET", "/object/art/" + mine, b.accessToken(), null, "");
        assertThat(json(read).path("statusCode").asText()).isEqualTo("404");
        HttpResponse<String> own = send("GET", "/object/authenticated/art/" + mine, a.accessToken(), null, "");
        assertThat(own.statusCode()).isEqualTo(200);
    }

    @Test
    void theSweepReportsBytesWithoutRowsAndRemovesThemOnlyWhenAsked() throws Exception {
        Sweep sweep = server.component(Sweep.class);
        String stray = UUID.randomUUID().toString();
        Path file = server.dataDirectory()
                .resolve("storage/objects")
                .resolve(stray.substring(0, 2))
                .resolve(stray);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "stray");
        Sweep.Report seen = sweep.run(false);
        assertThat(seen.bytesWithoutRows()).contains(stray);
        assertThat(Files.exists(file)).isTrue();
        Sweep.Report removed = sweep.run(true);
        assertThat(removed.bytesWithoutRows()).contains(stray);
        assertThat(Files.exists(file)).isFalse();
        assertThat(sweep.run(false).bytesWithoutRows()).doesNotContain(stray);
    }

    @Test
    void theSweepEndpointIsTheServiceRolesOnly() throws Exception {
        HttpResponse<String> anon = send("POST", "/admin/sweep", server.anonKey(), "application/json", "");
        assertThat(json(anon).path("statusCode").asText()).isEqualTo("403");
        HttpResponse<String> service = send("POST", "/admin/sweep", server.serviceKey(), "application/json", "");
        assertThat(service.statusCode()).as(service.body()).isEqualTo(200);
        assertThat(json(service).path("backend").asText()).startsWith("disk ");
    }
}
