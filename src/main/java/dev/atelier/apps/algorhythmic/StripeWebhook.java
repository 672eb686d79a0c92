package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/algorhythmic/stripe/webhook}: Stripe's subscription and invoice events. The
 * {@code Stripe-Signature} header ({@code t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">}, any
 * number of v1 for rolled secrets) is checked against the configured endpoint secret over the raw
 * body, within 5 minutes of the server's clock, before anything is read; the event is then applied
 * once by its id (algorhythmic.apply_stripe_event). Without a configured secret every event is
 * refused: an unauthenticated webhook would let anyone choose their tier.
 */
@RestController
class StripeWebhook {

    static final long TOLERANCE_SECONDS = 300;
    private static final Logger log = LoggerFactory.getLogger(StripeWebhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAYLOAD = 256 * 1024;

    private final Database database;
    private final Clock clock;
    private volatile String secret;

    StripeWebhook(
            Database database,
            Clock clock,
            @Value("${ATELIER_STRIPE_WEBHOOK_SECRET:${atelier.stripe.webhook-secret:}}") String secret) {
        this.database = database;
        this.clock = clock;
        this.secret = secret;
    }

    /** For tests: the endpoint secret ({@code whsec_...}) to verify with. */
    void useSecret(String secret) {
        this.secret = secret;
    }

    @PostMapping(path = "/api/v1/algorhythmic/stripe/webhook", produces = "application/json")
    Map<String, Object> receive(
            @RequestHeader(name = "Stripe-Signature", required = false) @Nullable String signature,
            @RequestBody(required = false) byte @Nullable [] payload)
            throws SQLException {
        if (payload == null || payload.length == 0 || payload.length > MAX_PAYLOAD) {
            throw Problem.badInput("body", "the body must be a Stripe event of at most " + MAX_PAYLOAD + " bytes");
        }
        verify(signature, payload, clock.instant());
        JsonNode event;
        try {
            event = JSON.readTree(payload);
        } catch (java.io.IOException e) {
            throw Problem.badInput("body", "the body is not JSON");
        }
        String id = event.path("id").asText("");
        String type = event.path("type").asText("");
        JsonNode object = event.path("data").path("object");
        if (id.isEmpty() || type.isEmpty() || !object.isObject()) {
            throw Problem.badInput("body", "a Stripe event has id, type and data.object");
        }
        String result = database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement call =
                    tx.connection().prepareStatement("select algorhythmic.apply_stripe_event(?, ?, ?::jsonb, ?)")) {
                call.setString(1, id);
                call.setString(2, type);
                call.setString(3, json(object));
                call.setObject(4, OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
                try (ResultSet row = call.executeQuery()) {
                    row.next();
                    return row.getString(1);
                }
            }
        });
        log.info("stripe event {} {}: {}", id, type, result);
        return Map.of("received", true, "result", result);
    }

    /** Refuses (400) a missing or wrong signature and one older or newer than the tolerance. */
    void verify(@Nullable String header, byte[] payload, Instant now) {
        String key = secret;
        if (key.isEmpty()) {
            throw Problem.badInput("Stripe-Signature", "no Stripe webhook secret is configured on this server");
        }
        if (header == null || header.length() > 4096) {
            throw Problem.badInput("Stripe-Signature", "the Stripe-Signature header is missing");
        }
        long timestamp = -1;
        List<String> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            if (name.equals("t")) {
                try {
                    timestamp = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    timestamp = -1;
                }
            } else if (name.equals("v1")) {
                signatures.add(value);
            }
        }
        if (timestamp < 0 || signatures.isEmpty()) {
            throw Problem.badInput("Stripe-Signature", "the Stripe-Signature header has no t= and v1=");
        }
        if (Math.abs(now.getEpochSecond() - timestamp) > TOLERANCE_SECONDS) {
            throw Problem.badInput("Stripe-Signature", "the signature's timestamp is outside the tolerance");
        }
        byte[] expected = sign(key, timestamp, payload);
        for (String candidate : signatures) {
            byte[] given;
            try {
                given = HexFormat.of().parseHex(candidate);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return;
            }
        }
        throw Problem.badInput("Stripe-Signature", "no signature matches the payload");
    }

    /** HMAC-SHA256 of {@code "<timestamp>.<payload>"} with the endpoint secret, as Stripe signs. */
    static byte[] sign(String secret, long timestamp, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(payload);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
