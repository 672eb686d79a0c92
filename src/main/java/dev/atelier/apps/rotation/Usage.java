package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.JsonBody;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.telemetry.BatchWriter;
import dev.atelier.platform.telemetry.CopyRows;
import dev.atelier.platform.telemetry.EventFields;
import dev.atelier.platform.telemetry.Ingestion;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Rotation's usage analytics ({@code usage_metrics}): page views, plays, searches, clicks, sent
 * in batches by signed-in users and anonymous visitors alike, written by the platform's batch
 * writer (COPY, group-committed). The user is the caller's Rotation user, never one the client
 * names; the address and user agent are the request's.
 */
@Component
class Usage {

    static final int MAX_EVENTS = 500;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,50}");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");

    record Event(
            @Nullable Integer userId,
            @Nullable String sessionId,
            String type,
            String name,
            @Nullable String entityType,
            @Nullable Long entityId,
            String properties,
            @Nullable String userAgent,
            @Nullable String ip,
            @Nullable String country,
            @Nullable String city,
            @Nullable String deviceType,
            @Nullable String fingerprint,
            @Nullable String browser,
            @Nullable String referrer,
            @Nullable String page,
            Instant at) {}

    private final Database database;
    private final Clock clock;
    private final BatchWriter<Event> writer;
    /** Auth user → Rotation user (absent: none yet). A user's Rotation id never changes. */
    private final Cache<UUID, Optional<Integer>> users = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .build();

    Usage(Database database, Clock clock, Ingestion ingestion) {
        this.database = database;
        this.clock = clock;
        this.writer = ingestion.writer("rotation.usage_metrics", new Sink());
    }

    /** Checks a batch and queues it; the future completes when it is committed. */
    CompletableFuture<Void> accept(
            Caller caller, @Nullable JsonNode request, @Nullable String userAgent, @Nullable String ip)
            throws SQLException {
        JsonNode body = JsonBody.object(request);
        JsonNode events = EventFields.events(body, MAX_EVENTS);
        Integer userId = rotationUser(caller);
        String agent = userAgent == null ? null : truncate(userAgent.replace('\0', ' '), 512);
        Instant now = clock.instant();
        List<Event> parsed = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            String at = "events[" + i + "]";
            JsonNode e = EventFields.event(events, i);
            String type = EventFields.requiredText(e, "event_type", at, 50);
            if (!NAME.matcher(type).matches()) {
                throw Problem.badInput(
                        at + ".event_type", "event_type must be letters, digits or _ . : - (e.g. page_view)");
            }
            String country = EventFields.text(e, "country_code", at, 2);
            if (country != null && !COUNTRY.matcher(country).matches()) {
                throw Problem.badInput(at + ".country_code", "country_code must be two capital letters (ISO 3166-1)");
            }
            JsonNode entity = e.get("entity_id");
            if (entity != null && !entity.isNull() && !entity.canConvertToInt()) {
                throw Problem.badInput(at + ".entity_id", "entity_id must be an integer");
            }
            String properties = EventFields.json(e, "properties", at);
            if (properties != null && !e.get("properties").isObject()) {
                throw Problem.badInput(at + ".properties", "properties must be a JSON object");
            }
            parsed.add(new Event(
                    userId,
                    EventFields.text(e, "session_id", at, 200),
                    type,
                    EventFields.requiredText(e, "event_name", at, 200),
                    EventFields.text(e, "entity_type", at, 50),
                    entity == null || entity.isNull() ? null : entity.asLong(),
                    properties == null ? "{}" : properties,
                    agent,
                    ip,
                    country,
                    EventFields.text(e, "city", at, 100),
                    EventFields.text(e, "device_type", at, 50),
                    EventFields.text(e, "device_fingerprint", at, 200),
                    EventFields.text(e, "browser", at, 100),
                    EventFields.text(e, "referrer_url", at, 2048),
                    EventFields.text(e, "page_url", at, 2048),
                    EventFields.timestamp(e, at, now)));
        }
        return writer.submit(parsed);
    }

    private @Nullable Integer rotationUser(Caller caller) throws SQLException {
        Optional<UUID> auth = caller.userId();
        if (auth.isEmpty()) {
            return null;
        }
        Optional<Integer> known = users.getIfPresent(auth.get());
        if (known == null) {
            known = database.transaction(caller, true, tx -> {
                try (PreparedStatement s = tx.connection().prepareStatement("select rotation.current_user_id()");
                        ResultSet rs = s.executeQuery()) {
                    rs.next();
                    int id = rs.getInt(1);
                    return rs.wasNull() ? Optional.<Integer>empty() : Optional.of(id);
                }
            });
            if (known.isPresent()) { // a user without a Rotation row yet may get one: ask again next time
                users.put(auth.get(), known);
            }
        }
        return known.orElse(null);
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static final class Sink implements BatchWriter.Sink<Event> {

        @Override
        public String copyStatement() {
            return "copy rotation.usage_metrics (user_id, session_id, event_type, event_name, entity_type, entity_id,"
                    + " properties, user_agent, ip_address, country_code, city, device_type, device_fingerprint,"
                    + " browser, referrer_url, page_url, \"timestamp\") from stdin";
        }

        @Override
        public void write(Event e, CopyRows out) {
            out.number(e.userId() == null ? null : e.userId().longValue())
                    .text(e.sessionId())
                    .text(e.type())
                    .text(e.name())
                    .text(e.entityType())
                    .number(e.entityId())
                    .text(e.properties())
                    .text(e.userAgent())
                    .text(e.ip())
                    .text(e.country())
                    .text(e.city())
                    .text(e.deviceType())
                    .text(e.fingerprint())
                    .text(e.browser())
                    .text(e.referrer())
                    .text(e.page())
                    .timestamp(e.at())
                    .endRow();
        }
    }
}
