package dev.atelier.platform.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A streaming reader of multipart/form-data (RFC 7578), as storage-js sends a Blob: fields and
 * one file part. Each part is an InputStream read straight from the request, so a part of any
 * size passes through one fixed buffer; headers are capped.
 */
final class Multipart {

    private static final int BUFFER = 256 * 1024;
    private static final int MAX_HEADERS = 16 * 1024;
    private static final Pattern NAME = Pattern.compile("(?i)(?:^|;)\\s*name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("(?i)(?:^|;)\\s*filename=\"([^\"]*)\"");

    record Part(
            String name,
            @Nullable String filename,
            @Nullable String contentType,
            InputStream body) {}

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int lim;
    private boolean eof;
    private boolean finished;
    private PartStream current;

    Multipart(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // The body starts with the delimiter minus its CRLF: put the CRLF in front so that every
        // delimiter, the first included, is found the same way. The preamble is part zero.
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
        current = new PartStream();
    }

    /** The boundary of a multipart/form-data content type, or null when it is not one. */
    static @Nullable String boundary(@Nullable String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        Matcher m = Pattern.compile("(?i)boundary=(\"?)([^\";]{1,70})\\1").matcher(contentType);
        return m.find() ? m.group(2) : null;
    }

    /** The next part, after the previous one was read to its end (or skipped); null after the last. */
    @Nullable
    Part next() throws IOException {
        if (finished) {
            return null;
        }
        current.drain();
        if (!fill(2)) {
            throw StorageError.invalid("malformed multipart body");
        }
        if (buf[pos] == '-' && buf[pos + 1] == '-') {
            finished = true;
            return null;
        }
        String headers = readHeaders();
        String name = "";
        String filename = null;
        String contentType = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (key.equals("content-disposition")) {
                Matcher n = NAME.matcher(value);
                if (n.find()) {
                    name = n.group(1);
                }
                Matcher f = FILENAME.matcher(value);
                if (f.find()) {
                    filename = f.group(1);
                }
            } else if (key.equals("content-type")) {
                contentType = value;
            }
        }
        current = new PartStream();
        return new Part(name, filename, contentType, current);
    }

    /** Reads past the CRLF ending the delimiter line, up to and including the blank line after the headers. */
    private String readHeaders() throws IOException {
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (true) {
            int at = indexOf(end, pos, lim);
            if (at >= 0) {
                String headers = new String(buf, pos, at - pos, StandardCharsets.UTF_8);
                pos = at + end.length;
                return headers;
            }
            if (lim - pos > MAX_HEADERS) {
                throw StorageError.invalid("multipart part headers too large");
            }
            if (!fill(lim - pos + 1)) {
                throw StorageError.invalid("malformed multipart body");
            }
        }
    }

    /** Ensures at least {@code n} unread bytes in the buffer; false at the end of the input. */
    private boolean fill(int n) throws IOException {
        if (lim - pos >= n) {
            return true;
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        while (lim - pos < n && !eof) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
            } else {
                lim += r;
            }
        }
        return lim - pos >= n;
    }

    private int indexOf(byte[] needle, int from, int to) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            if (buf[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** One part's body: the bytes up to the next delimiter, which it consumes. */
    private final class PartStream extends InputStream {
        private boolean done;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            while (true) {
                fill(delimiter.length);
                int at = indexOf(delimiter, pos, lim);
                int available;
                if (at >= 0) {
                    available = at - pos;
                    if (available == 0) {
                        pos = at + delimiter.length;
                        done = true;
                        return -1;
                    }
                } else {
                    available = lim - pos - (delimiter.length - 1);
                    if (available <= 0) {
                        if (eof) {
                            throw StorageError.invalid("malformed multipart body: no closing boundary");
                        }
                        fill(lim - pos + 1);
                        continue;
                    }
                }
                int n = Math.min(len, available);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
        }

        void drain() throws IOException {
            byte[] skip = new byte[8192];
            while (read(skip, 0, skip.length) >= 0) {
                // discard
            }
        }
    }
}
