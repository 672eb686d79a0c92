package dev.atelier.apps.algorhythmic;

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
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Algorhythmic's RAI telemetry: a client sends its events in batches for one session
 * ({@code rai_sessions}), the events go to {@code telemetry_events} through the platform's batch
 * writer (COPY, group-committed), and the session's counters move in the same transaction:
 * an event whose type starts with {@code interaction} counts one interaction, a
 * {@code frames_displayed} event adds its {@code event_data.count} to the frames, and a
 * {@code session_end} event ends the session.
 *
 * <p>The session is found or opened as the caller (so RLS decides whose it is) and remembered for
 * ten minutes; the events are then copied as the service role, because COPY cannot run under
 * row-level security. Every value was checked here first, so one request cannot fail another's
 * batch.
 */
@Component
class Telemetry {

    static final int MAX_EVENTS = 1000;
    private static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

    record Event(
            String sessionId,
            String userId,
            String type,
            String data,
            @Nullable String audio,
            @Nullable String visual,
            Instant at,
            long frames) {

        boolean interaction() {
            return type.startsWith("interaction");
        }

        boolean ends() {
            return type.equals("session_end");
        }
    }

    record Accepted(String sessionId, CompletableFuture<Void> written, int events) {}

    private final Database database;
    private final Clock clock;
    private final BatchWriter<Event> writer;
    /** (user, session id or "client:" + client session id) → a session of that user's. */
    private final Cache<String, String> sessions = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(10))
            .build();

    Telemetry(Database database, Clock clock, Ingestion ingestion) {
        this.database = database;
        this.clock = clock;
        this.writer = ingestion.writer("algorhythmic.telemetry_events", new Sink());
    }

    /** Checks a batch, finds or opens its session, and queues its events. */
    Accepted accept(Caller caller, String userId, @Nullable JsonNode request) throws SQLException {
        JsonNode body = JsonBody.object(request);
        JsonNode events = EventFields.events(body, MAX_EVENTS);
        String sessionKey = sessionKey(body);
        List<Event> parsed = new ArrayList<>(events.size());
        Instant now = clock.instant();
        String sessionId = session(caller, userId, body, sessionKey);
        boolean ends = false;
        for (int i = 0; i < events.size(); i++) {
            Event event = event(EventFields.event(events, i), "events[" + i + "]", sessionId, userId, now);
            ends |= event.ends();
            parsed.add(event);
        }
        if (ends) { // the next batch under this client session id opens a new session
            sessions.invalidate(userId + "/" + sessionKey);
        }
        return new Accepted(sessionId, writer.submit(parsed), parsed.size());
    }

    BatchWriter<Event> writer() {
        return writer;
    }

    private static String sessionKey(JsonNode body) {
        String id = JsonBody.text(body, "session_id");
        if (id != null) {
            if (id.isEmpty() || id.length() > 64) {
                throw Problem.badInput("session_id", "session_id must be 1 to 64 characters");
            }
            return id;
        }
        JsonNode session = body.get("session");
        if (session == null || !session.isObject()) {
            throw Problem.badInput("session", "name the session: session_id, or session.client_session_id");
        }
        return "client:" + EventFields.requiredText(session, "client_session_id", "session", 200);
    }

    private String session(Caller caller, String userId, JsonNode body, String key) throws SQLException {
        String cacheKey = userId + "/" + key;
        String known = sessions.getIfPresent(cacheKey);
        if (known != null) {
            return known;
        }
        Optional<String> found = database.transaction(caller, tx -> {
            var c = tx.connection();
            if (!key.startsWith("client:")) {
                try (PreparedStatement own =
                        c.prepareStatement("select id from algorhythmic.rai_sessions where id = ? and user_id = ?")) {
                    own.setString(1, key);
                    own.setString(2, userId);
                    try (ResultSet rs = own.executeQuery()) {
                        return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                    }
                }
            }
            JsonNode session = body.get("session");
            String client = key.substring("client:".length());
            // Two first batches of one client session at once must open one session, not two.
            try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtextextended(?, 0))")) {
                lock.setString(1, "algorhythmic.rai_sessions/" + userId + "/" + client);
                lock.execute();
            }
            try (PreparedStatement open = c.prepareStatement("""
                    select id from algorhythmic.rai_sessions
                    where user_id = ? and client_session_id = ? and ended_at is null
                    order by started_at desc limit 1""")) {
                open.setString(1, userId);
                open.setString(2, client);
                try (ResultSet rs = open.executeQuery()) {
                    if (rs.next()) {
                        return Optional.of(rs.getString(1));
                    }
                }
            }
            try (PreparedStatement insert = c.prepareStatement("""
                    insert into algorhythmic.rai_sessions (user_id, client_session_id, platform, screen_size)
                    values (?, ?, ?, ?) returning id""")) {
                insert.setString(1, userId);
                insert.setString(2, client);
                insert.setString(3, EventFields.text(session, "platform", "session", 100));
                insert.setString(4, EventFields.text(session, "screen_size", "session", 100));
                try (ResultSet rs = insert.executeQuery()) {
                    rs.next();
                    return Optional.of(rs.getString(1));
                }
            }
        });
        String id = found.orElseThrow(() -> Problem.notFound("no telemetry session of yours has this session_id"));
        sessions.put(cacheKey, id);
        return id;
    }

    private static Event event(JsonNode node, String at, String sessionId, String userId, Instant now) {
        String type = JsonBody.text(node, "event_type");
        if (type == null || !EVENT_TYPE.matcher(type).matches()) {
            throw Problem.badInput(at + ".event_type", "event_type must be 1 to 100 letters, digits or _ . : -");
        }
        String data = EventFields.json(node, "event_data", at);
        if (data == null) {
            throw Problem.badInput(at + ".event_data", "event_data is required (any JSON value)");
        }
        long frames = 0;
        if (type.equals("frames_displayed")) {
            JsonNode count = node.path("event_data").get("count");
            if (count == null || !count.canConvertToInt() || count.asInt() < 0 || count.asInt() > 1_000_000) {
                throw Problem.badInput(at + ".event_data.count", "a frames_displayed event counts 0 to 1000000 frames");
            }
            frames = count.asInt();
        }
        return new Event(
                sessionId,
                userId,
                type,
                data,
                EventFields.json(node, "audio_features", at),
                EventFields.json(node, "visual_state", at),
                EventFields.timestamp(node, at, now),
                frames);
    }

    /** The events into telemetry_events, then each session's counters in the same transaction. */
    private static final class Sink implements BatchWriter.Sink<Event> {

        @Override
        public String copyStatement() {
            return "copy algorhythmic.telemetry_events"
                    + " (session_id, user_id, event_type, event_data, audio_features, visual_state, \"timestamp\")"
                    + " from stdin";
        }

        @Override
        public void write(Event e, CopyRows out) {
            out.text(e.sessionId())
                    .text(e.userId())
                    .text(e.type())
                    .text(e.data())
                    .text(e.audio())
                    .text(e.visual())
                    .timestamp(e.at())
                    .endRow();
        }

        @Override
        public void afterCopy(Database.Transaction tx, List<Event> events) throws SQLException {
            Map<String, long[]> totals = new LinkedHashMap<>(); // session → interactions, frames, ended epoch ms
            for (Event e : events) {
                long[] t = totals.computeIfAbsent(e.sessionId(), s -> new long[] {0, 0, Long.MIN_VALUE});
                t[0] += e.interaction() ? 1 : 0;
                t[1] += e.frames();
                if (e.ends()) {
                    t[2] = Math.max(t[2], e.at().toEpochMilli());
                }
            }
            int n = totals.size();
            String[] ids = new String[n];
            Long[] interactions = new Long[n];
            Long[] frames = new Long[n];
            @Nullable Timestamp[] ended = new Timestamp[n];
            int i = 0;
            for (Map.Entry<String, long[]> session : totals.entrySet()) {
                long[] t = session.getValue();
                ids[i] = session.getKey();
                interactions[i] = t[0];
                frames[i] = t[1];
                ended[i] = t[2] == Long.MIN_VALUE ? null : new Timestamp(t[2]);
                i++;
            }
            var c = tx.connection();
            try (PreparedStatement update = c.prepareStatement("""
                    update algorhythmic.rai_sessions r set
                        total_interactions = least(r.total_interactions + d.interactions, 2147483647),
                        total_frames_displayed = least(r.total_frames_displayed + d.frames, 2147483647),
                        ended_at = coalesce(r.ended_at, greatest(d.ended_at, r.started_at))
                    from unnest(?::varchar[], ?::bigint[], ?::bigint[], ?::timestamptz[])
                        as d(id, interactions, frames, ended_at)
                    where r.id = d.id""")) {
                Array a = c.createArrayOf("varchar", ids);
                update.setArray(1, a);
                update.setArray(2, c.createArrayOf("bigint", interactions));
                update.setArray(3, c.createArrayOf("bigint", frames));
                update.setArray(4, c.createArrayOf("timestamptz", ended));
                update.executeUpdate();
            }
        }
    }
}
