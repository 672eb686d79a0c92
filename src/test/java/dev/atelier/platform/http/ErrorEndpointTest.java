package dev.atelier.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * What the error endpoint answers for failures that are hard to cause over HTTP on purpose: an
 * exception escaping a controller is a 500 in the surface's shape that tells nothing of the
 * exception, and a 503 stays a 503.
 */
class ErrorEndpointTest {

    private final ErrorEndpoint endpoint = new ErrorEndpoint();
    private final ObjectMapper json = new ObjectMapper();

    private MockHttpServletResponse dispatch(String path, int status, String message, Throwable failure)
            throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, status);
        request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, path);
        request.setAttribute(RequestDispatcher.ERROR_MESSAGE, message);
        request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, failure);
        request.setAttribute(RequestLog.ID_ATTRIBUTE, "req-1");
        MockHttpServletResponse response = new MockHttpServletResponse();
        endpoint.error(request, response);
        return response;
    }

    @Test
    void anEscapedExceptionIsA500ProblemThatRevealsNothingOfIt() throws Exception {
        MockHttpServletResponse r = dispatch(
                "/api/v1/rotation/discogs-connection",
                500,
                "java.lang.IllegalStateException: secret internals",
                new IllegalStateException("secret internals"));
        assertThat(r.getStatus()).isEqualTo(500);
        assertThat(r.getContentType()).startsWith("application/problem+json");
        JsonNode body = json.readTree(r.getContentAsString());
        assertThat(body.get("status").asInt()).isEqualTo(500);
        assertThat(body.get("detail").asText()).isEqualTo("Internal Server Error");
        assertThat(r.getContentAsString()).doesNotContain("secret").doesNotContain("IllegalState");
        assertThat(r.getHeader(RequestLog.HEADER)).isEqualTo("req-1");
    }

    @Test
    void anEscapedExceptionUnderAuthIsA500InGoTruesShape() throws Exception {
        MockHttpServletResponse r = dispatch("/auth/v1/token", 500, null, new RuntimeException("boom"));
        JsonNode body = json.readTree(r.getContentAsString());
        assertThat(body.get("code").asInt()).isEqualTo(500);
        assertThat(body.get("error_code").asText()).isEqualTo("unexpected_failure");
        assertThat(body.get("msg").asText()).isEqualTo("Internal Server Error");
    }

    @Test
    void anEscapedExceptionUnderRestIsA500InPostgrestsShape() throws Exception {
        MockHttpServletResponse r = dispatch("/rest/v1/heroes", 500, null, new RuntimeException("boom"));
        JsonNode body = json.readTree(r.getContentAsString());
        assertThat(body.get("code").asText()).isEqualTo("PGRSTX500");
        assertThat(body.get("message").asText()).isEqualTo("Internal Server Error");
        assertThat(body.has("details") && body.has("hint")).isTrue();
    }

    @Test
    void aClientErrorKeepsItsMessage() throws Exception {
        MockHttpServletResponse r = dispatch("/api/v1/x", 400, "Required parameter 'id' is not present.", null);
        assertThat(r.getStatus()).isEqualTo(400);
        assertThat(json.readTree(r.getContentAsString()).get("detail").asText())
                .isEqualTo("Required parameter 'id' is not present.");
    }

    @Test
    void unavailableStaysUnavailable() throws Exception {
        MockHttpServletResponse r = dispatch("/health", 503, null, null);
        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(json.readTree(r.getContentAsString()).get("title").asText()).isEqualTo("Service Unavailable");
    }
}
