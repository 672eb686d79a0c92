package dev.atelier.platform.http;

import dev.atelier.platform.auth.InvalidTokenException;
import java.net.URI;
import java.sql.SQLException;
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
@RestControllerAdvice(basePackages = "dev.atelier.apps")
class ProblemHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(Problem.class)
    ResponseEntity<ProblemDetail> problem(Problem p) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(p.status()), p.getMessage());
        body.setTitle(p.title());
        if (p.field() != null) {
            body.setProperty("field", p.field());
        }
        return respond(body);
    }

    @ExceptionHandler(InvalidTokenException.class)
    ResponseEntity<ProblemDetail> invalidToken(InvalidTokenException e) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, e.getMessage());
        body.setTitle("Invalid token");
        return respond(body);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                "The request body is not valid JSON for this endpoint");
        body.setTitle("Invalid request");
        return respond(body);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "Send the body as application/json");
        body.setTitle("Unsupported media type");
        return respond(body);
    }

    @ExceptionHandler(SQLException.class)
    ResponseEntity<ProblemDetail> database(SQLException e) {
        boolean unavailable = e.getSQLState() != null && e.getSQLState().startsWith("08");
        log.error("domain request failed in the database", e);
        ProblemDetail body = ProblemDetail.forStatusAndDetail(
                unavailable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.INTERNAL_SERVER_ERROR,
                unavailable ? "The database is unavailable" : "Internal server error");
        return respond(body);
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail body) {
        body.setType(URI.create("about:blank"));
        return ResponseEntity.status(body.getStatus()).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }
}
