package dev.atelier.platform.http;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Caps request bodies under {@code /api/v1} before any controller parses them: a declared length
 * over the cap is refused unread, and a chunked body is read to at most cap + 1 bytes, so no
 * client can make the server hold more than the cap. Over the cap is a 413 problem. The body
 * read here is handed on from memory; domain endpoints take JSON, never form parameters.
 */
final class BodyLimit implements Filter {

    static final String BASE = "/api/v1";

    private final int defaultMaxBytes;
    private final Map<String, Integer> allowances;

    BodyLimit(int maxBytes, List<BodyAllowance> allowances) {
        this.defaultMaxBytes = maxBytes;
        this.allowances =
                allowances.stream().collect(Collectors.toUnmodifiableMap(BodyAllowance::path, BodyAllowance::maxBytes));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        String path = req.getRequestURI().substring(req.getContextPath().length());
        boolean mayHaveBody = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
        if (!mayHaveBody || !(path.equals(BASE) || path.startsWith(BASE + "/"))) {
            chain.doFilter(request, response);
            return;
        }
        int maxBytes = allowances.getOrDefault(path, defaultMaxBytes);
        if (req.getContentLengthLong() > maxBytes) {
            tooLarge((HttpServletResponse) response, maxBytes);
            return;
        }
        byte[] body;
        try (InputStream in = req.getInputStream()) {
            body = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            // The client stopped sending (idle timeout) or sent less than it declared: its mistake.
            refuse((HttpServletResponse) response, 400, "Could not read the request body");
            return;
        }
        if (body.length > maxBytes) {
            tooLarge((HttpServletResponse) response, maxBytes);
            return;
        }
        chain.doFilter(new ReadBody(req, body), response);
    }

    private static void tooLarge(HttpServletResponse res, int maxBytes) throws IOException {
        refuse(res, 413, "The request body is larger than " + maxBytes + " bytes");
    }

    private static void refuse(HttpServletResponse res, int status, String message) throws IOException {
        byte[] problem = Surface.PROBLEM.body(status, message);
        res.setStatus(status);
        res.setContentType(Surface.PROBLEM.contentType());
        res.setContentLength(problem.length);
        // The rest of the body stays unread: the connection is not worth keeping for it.
        res.setHeader("Connection", "close");
        res.getOutputStream().write(problem);
    }

    /** The request with its (capped) body already in memory. */
    private static final class ReadBody extends HttpServletRequestWrapper {

        private final byte[] body;

        ReadBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            Charset charset = StandardCharsets.UTF_8;
            try {
                if (getCharacterEncoding() != null) {
                    charset = Charset.forName(getCharacterEncoding());
                }
            } catch (IllegalArgumentException unknownCharset) {
                // JSON is UTF-8 whatever the header claims.
            }
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
