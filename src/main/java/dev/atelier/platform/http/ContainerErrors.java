package dev.atelier.platform.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * Jetty's answer to a request it refuses before any servlet sees it (a URL or headers over the
 * limit, a malformed request line, no Host, an ambiguous path such as {@code %2F}): JSON in the
 * shape of the surface the path names, never Jetty's HTML page, with a request id and one request
 * log line, as every other request has.
 */
final class ContainerErrors extends ErrorHandler {

    /** Jetty's stand-in paths for a request line it could not parse. */
    private static final String UNPARSED = "/badMessage";

    private static final String UNPARSED_URI = "/badURI";

    ContainerErrors() {
        setShowStacks(false);
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // a body for every method (HEAD's is dropped by Jetty), not only GET, POST and HEAD
    }

    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        String path = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
        String method = UNPARSED.equals(path) ? "-" : request.getMethod();
        if (UNPARSED.equals(path) || UNPARSED_URI.equals(path)) {
            path = null;
        }
        int limit = request.getConnectionMetaData().getHttpConfiguration().getRequestHeaderSize();
        String text = switch (code) {
            case 414 ->
                "The request URL is too long: the request line and headers may take at most " + limit + " bytes";
            case 431 ->
                "The request headers are too large: the request line and headers may take at most " + limit + " bytes";
            default -> message == null ? Surface.title(code) : message;
        };
        String id = RequestLog.idFor(code == 431 ? null : request.getHeaders().get(RequestLog.HEADER));
        Surface surface = Surface.of(path);
        byte[] body = surface.body(code, text);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, surface.contentType());
        response.getHeaders().put(RequestLog.HEADER, id);
        RequestLog.logRejected(method, path, code, NanoTime.millisSince(request.getBeginNanoTime()), id);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
