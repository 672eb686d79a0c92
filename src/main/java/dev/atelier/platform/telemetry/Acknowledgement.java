package dev.atelier.platform.telemetry;

import dev.atelier.platform.http.Surface;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * How an ingestion endpoint answers: 200 once its rows are committed; 429 with Retry-After when
 * they were refused for lack of room; 503 when they could not be written (nothing of the batch
 * is stored, so sending it again loses and duplicates nothing); 504 when the database took too
 * long to say (the batch may still be written: a client that must not duplicate waits longer).
 */
public final class Acknowledgement {

    private static final long WAIT_SECONDS = 30;

    private Acknowledgement() {}

    /** Waits for {@code written}, then answers {@code body} (or the failure). */
    public static <T> ResponseEntity<?> whenWritten(CompletableFuture<Void> written, T body) {
        try {
            written.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return ResponseEntity.ok(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return problem(503, "the server is stopping; nothing of this batch was stored, send it again", null);
        } catch (ExecutionException e) {
            return problem(
                    503, "the events could not be written; nothing of this batch was stored, send it again", null);
        } catch (TimeoutException e) {
            return problem(504, "the database is slow to write this batch; it may still be stored", null);
        }
    }

    /** The 429 of a batch refused by back-pressure. */
    public static ResponseEntity<?> refused(BatchWriter.Overloaded refusal) {
        return problem(
                429,
                Objects.requireNonNullElse(refusal.getMessage(), "too many events are waiting"),
                Long.toString(refusal.retryAfter().toSeconds()));
    }

    private static ResponseEntity<?> problem(int status, String message, @Nullable String retryAfter) {
        ResponseEntity.BodyBuilder answer =
                ResponseEntity.status(status).contentType(MediaType.parseMediaType(Surface.PROBLEM.contentType()));
        if (retryAfter != null) {
            answer.header(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        return answer.body(Surface.PROBLEM.body(status, message));
    }
}
