package dev.atelier.platform.http;

import dev.atelier.platform.auth.InvalidTokenException;
import java.net.URI;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** RFC 9457 problems for every domain endpoint under {@code /api/v1}; never a 500 for a client's mistake. */
@RestControllerAdvice(
        basePackages = {
            "dev.atelier.apps",
            "dev.atelier.platform.jobs",
            "dev.atelier.platform.flags",
            "dev.atelier.platform.account",
            "dev.atelier.platform.cache",
            "dev.atelier.platform.monitoring"
        })
class ProblemHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(Problem.class)
    ResponseEntity<ProblemDetail> problem(Problem p) {
        ProblemDetail body = detail(HttpStatus.valueOf(p.status()), p.title(), p.getMessage());
        if (p.field() != null) {
            body.setProperty("field", p.field());
        }
        return respond(body);
    }

    @ExceptionHandler(InvalidTokenException.class)
    ResponseEntity<ProblemDetail> invalidToken(InvalidTokenException e) {
        return respond(detail(HttpStatus.UNAUTHORIZED, "Invalid token", e.getMessage()));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
        return respond(detail(
                HttpStatus.BAD_REQUEST, "Invalid request", "The request body is not valid JSON for this endpoint"));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e) {
        return respond(detail(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", "Send the body as application/json"));
    }

    @ExceptionHandler(SQLException.class)
    ResponseEntity<ProblemDetail> database(SQLException e) {
        boolean unavailable = e.getSQLState() != null && e.getSQLState().startsWith("08");
        log.error("domain request failed in the database", e);
        return respond(
                unavailable
                        ? detail(HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable", "The database is unavailable")
                        : detail(HttpStatus.INTERNAL_SERVER_ERROR, "Internal server error", "Internal server error"));
    }

    private static ProblemDetail detail(HttpStatus status, String title, @Nullable String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setTitle(title);
        return body;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail body) {
        body.setType(URI.create("about:blank"));
        return ResponseEntity.status(body.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(body);
    }
}
