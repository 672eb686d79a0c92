package dev.atelier.platform.telemetry;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Rows in PostgreSQL's COPY text format, built in one growing buffer: columns separated by a tab,
 * rows ended by a newline, {@code \N} for NULL, and backslash, tab, newline and carriage return
 * escaped. Callers must not pass text holding U+0000, which no PostgreSQL text can store (the
 * ingestion endpoints refuse it up front, so one bad event never fails a whole batch).
 */
public final class CopyRows {

    private byte[] buffer = new byte[64 * 1024];
    private int length;
    private boolean rowStarted;

    CopyRows() {}

    /** A text column (NULL when {@code value} is null). */
    public CopyRows text(@Nullable String value) {
        separate();
        if (value == null) {
            append((byte) '\\');
            append((byte) 'N');
            return this;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> escape((byte) '\\');
                case '\t' -> escape((byte) 't');
                case '\n' -> escape((byte) 'n');
                case '\r' -> escape((byte) 'r');
                default -> {
                    if (c < 0x80) {
                        append((byte) c);
                    } else {
                        int end = i + 1;
                        while (end < value.length() && value.charAt(end) >= 0x80) {
                            end++;
                        }
                        byte[] utf8 = value.substring(i, end).getBytes(StandardCharsets.UTF_8);
                        ensure(utf8.length);
                        System.arraycopy(utf8, 0, buffer, length, utf8.length);
                        length += utf8.length;
                        i = end - 1;
                    }
                }
            }
        }
        return this;
    }

    /** A number column (NULL when {@code value} is null). */
    public CopyRows number(@Nullable Long value) {
        return value == null ? text(null) : text(Long.toString(value));
    }

    /** A timestamptz column, written in ISO 8601 with its zone (NULL when {@code value} is null). */
    public CopyRows timestamp(@Nullable Instant value) {
        return value == null ? text(null) : text(value.toString());
    }

    /** Ends the current row. */
    public void endRow() {
        append((byte) '\n');
        rowStarted = false;
    }

    int length() {
        return length;
    }

    byte[] bytes() {
        return buffer;
    }

    void clear() {
        length = 0;
        rowStarted = false;
    }

    private void separate() {
        if (rowStarted) {
            append((byte) '\t');
        }
        rowStarted = true;
    }

    private void escape(byte code) {
        append((byte) '\\');
        append(code);
    }

    private void append(byte b) {
        ensure(1);
        buffer[length++] = b;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }
}
