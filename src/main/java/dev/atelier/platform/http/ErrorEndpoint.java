package dev.atelier.platform.http;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * Where the container sends every error no surface answered itself (an unknown path, a method or
 * content type no endpoint takes, an exception that escaped): answered in the shape of the
 * surface the request was for, always JSON, whatever the client accepts. It replaces Spring
 * Boot's error controller, which answers "status 999" when asked directly and HTML to browsers.
 */
@Controller
class ErrorEndpoint implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ErrorEndpoint.class);

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status;
        String path;
        String message;
        if (code instanceof Integer dispatched) {
            status = dispatched;
            path = (String) request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
            message = (String) request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
            Throwable failure = (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            if (status >= 500) {
                if (failure != null) {
                    // The error dispatch runs after RequestLog has left: the request id is put back for this line.
                    Object id = request.getAttribute(RequestLog.ID_ATTRIBUTE);
                    try (MDC.MDCCloseable ignored =
                            MDC.putCloseable(RequestLog.MDC_KEY, id == null ? null : id.toString())) {
                        log.error("{} {} failed", request.getMethod(), path, failure);
                    }
                }
                // What failed inside is for the log, not for the client.
                message = Surface.title(status);
            }
        } else {
            // Asked for directly: there is no such endpoint, as for any other unknown path.
            status = 404;
            path = request.getRequestURI();
            message = null;
        }
        if (message == null || message.isBlank()) {
            message = status == 404 ? "No endpoint " + request.getMethod() + " " + path : Surface.title(status);
        }
        if (response.isCommitted()) {
            return;
        }
        Object id = request.getAttribute(RequestLog.ID_ATTRIBUTE);
        if (id != null && response.getHeader(RequestLog.HEADER) == null) {
            response.setHeader(RequestLog.HEADER, id.toString());
        }
        Surface surface = Surface.of(path);
        byte[] body = surface.body(status, message);
        response.setStatus(status);
        response.setContentType(surface.contentType());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
