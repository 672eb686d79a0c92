package dev.atelier.platform.http;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;

/**
 * What is left of a refused request's body, read and dropped before the answer, so a client still
 * sending it reads the answer instead of a connection reset (used by storage and the maintenance
 * filter).
 */
public final class UnreadBody {

    private UnreadBody() {}

    /**
     * Reads and drops the rest of the body, up to {@code limit} bytes. True when the body ended
     * within the limit; false when more was left (or reading failed), and the connection should
     * close after the answer.
     */
    public static boolean discard(HttpServletRequest req, long limit) {
        if (req.getContentLengthLong() == 0) {
            return true;
        }
        if (req.getContentLengthLong() > limit) {
            return false;
        }
        try {
            InputStream in = req.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long read = 0;
            int n;
            while (read <= limit && (n = in.read(buffer)) > 0) {
                read += n;
            }
            return read <= limit;
        } catch (IOException | IllegalStateException e) {
            return false; // the body was read as text, or the client went away
        }
    }
}
