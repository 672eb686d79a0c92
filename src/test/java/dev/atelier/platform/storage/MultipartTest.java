package dev.atelier.platform.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming multipart reader on bodies whose delimiters straddle its buffer and arrive a few bytes at a time. */
class MultipartTest {

    private static final String BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

    /** Hands out at most 7 bytes per read, as a slow network would. */
    private static InputStream trickle(byte[] body) {
        return new FilterInputStream(new ByteArrayInputStream(body)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 7));
            }
        };
    }

    private static byte[] form(byte[] file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"cacheControl\"\r\n\r\n3600\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"\"; filename=\"blob\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(file);
        out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void readsFieldsAndAFileLargerThanItsBufferExactly() throws IOException {
        byte[] file = new byte[3 * 256 * 1024 + 123];
        new Random(7).nextBytes(file);
        // bytes that look like the start of a delimiter inside the file
        byte[] almost = ("\r\n--" + BOUNDARY.substring(0, 20)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(almost, 0, file, 256 * 1024 - 10, almost.length);
        Multipart form = new Multipart(trickle(form(file)), BOUNDARY);
        Multipart.Part field = form.next();
        assertThat(field.name()).isEqualTo("cacheControl");
        assertThat(new String(field.body().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("3600");
        Multipart.Part part = form.next();
        assertThat(part.filename()).isEqualTo("blob");
        assertThat(part.contentType()).isEqualTo("image/png");
        assertThat(part.body().readAllBytes()).isEqualTo(file);
        assertThat(form.next()).isNull();
    }

    @Test
    void findsTheBoundaryOfAContentType() {
        assertThat(Multipart.boundary("multipart/form-data; boundary=" + BOUNDARY))
                .isEqualTo(BOUNDARY);
        assertThat(Multipart.boundary("multipart/form-data; boundary=\"quoted\""))
                .isEqualTo("quoted");
        assertThat(Multipart.boundary("text/plain")).isNull();
    }

    @Test
    void refusesABodyWithoutItsClosingBoundary() throws IOException {
        byte[] body = ("--" + BOUNDARY
                        + "\r\nContent-Disposition: form-data; name=\"\"; filename=\"x\"\r\n\r\nunfinished")
                .getBytes(StandardCharsets.UTF_8);
        Multipart form = new Multipart(new ByteArrayInputStream(body), BOUNDARY);
        Multipart.Part part = form.next();
        assertThatThrownBy(() -> part.body().readAllBytes()).isInstanceOf(StorageError.class);
    }

    @Test
    void parsesOneByteRange() {
        assertThat(Objects.range("bytes=2-5", 10)).containsExactly(2, 5);
        assertThat(Objects.range("bytes=7-", 10)).containsExactly(7, 9);
        assertThat(Objects.range("bytes=-3", 10)).containsExactly(7, 9);
        assertThat(Objects.range("bytes=4-100", 10)).containsExactly(4, 9);
        assertThat(Objects.range("bytes=10-", 10)).isNull();
        assertThat(Objects.range("bytes=0-1,4-5", 10)).isEmpty();
    }

    @Test
    void matchesMimeWildcards() {
        Objects.Rules images = new Objects.Rules("b", false, null, java.util.List.of("image/*", "text/plain"));
        Objects.checkMime(images, "image/png");
        Objects.checkMime(images, "text/plain;charset=UTF-8");
        assertThatThrownBy(() -> Objects.checkMime(images, "application/pdf"))
                .isInstanceOf(StorageError.class)
                .hasMessageContaining("application/pdf");
    }
}
