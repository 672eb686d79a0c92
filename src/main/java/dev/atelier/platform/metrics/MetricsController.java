package dev.atelier.platform.metrics;

import dev.atelier.platform.http.ClientAddress;
import dev.atelier.platform.http.Surface;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /metrics}: Prometheus' text format. With {@code atelier.metrics.key} set, a scraper
 * sends it as {@code Authorization: Bearer <key>} from anywhere; without one, only loopback
 * clients are served (a Prometheus on the same host, or a sidecar).
 */
@RestController
class MetricsController {

    private final PrometheusMeterRegistry registry;
    private final PlatformGauges gauges;
    private final ClientAddress clients;
    private final @Nullable String key;

    MetricsController(
            PrometheusMeterRegistry registry,
            PlatformGauges gauges,
            ClientAddress clients,
            @Value("${ATELIER_METRICS_KEY:${atelier.metrics.key:}}") String key) {
        this.registry = registry;
        this.gauges = gauges;
        this.clients = clients;
        this.key = key.isBlank() ? null : key;
    }

    @GetMapping(path = "/metrics")
    ResponseEntity<?> scrape(HttpServletRequest request) {
        boolean forwarded =
                request.getHeader(ClientAddress.FORWARDED_FOR) != null || request.getHeader("Forwarded") != null;
        Refusal refusal = refusal(key, request.getHeader(HttpHeaders.AUTHORIZATION), clients.of(request), forwarded);
        if (refusal != null) {
            return ResponseEntity.status(refusal.status())
                    .contentType(MediaType.parseMediaType(Surface.PROBLEM.contentType()))
                    .body(Surface.PROBLEM.body(refusal.status(), refusal.message()));
        }
        gauges.refresh();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("text/plain; version=0.0.4; charset=utf-8"))
                .body(registry.scrape());
    }

    record Refusal(int status, String message) {}

    /**
     * Why a scrape is refused, or null when it is allowed. Without a key, a loopback client that
     * came through a proxy (forwarding headers) is not trusted as local: a reverse proxy on the
     * same host would otherwise make every outside client look like one.
     */
    static @Nullable Refusal refusal(
            @Nullable String key, @Nullable String authorization, String remoteAddress, boolean forwarded) {
        if (key != null) {
            String expected = "Bearer " + key;
            if (authorization != null
                    && MessageDigest.isEqual(
                            authorization.getBytes(StandardCharsets.UTF_8),
                            expected.getBytes(StandardCharsets.UTF_8))) {
                return null;
            }
            return new Refusal(401, "send the metrics key as Authorization: Bearer <key>");
        }
        if (loopback(remoteAddress) && !forwarded) {
            return null;
        }
        return new Refusal(403, "metrics are served to loopback clients only unless atelier.metrics.key is set");
    }

    private static boolean loopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
