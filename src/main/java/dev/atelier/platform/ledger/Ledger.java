package dev.atelier.platform.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import io.micrometer.core.instrument.Metrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * The credit ledger engine, as the server uses it. Every operation is one call of
 * {@code platform.ledger_execute} in one transaction as service_role: the database locks the user's
 * balance row, checks, appends the app's own ledger row with its balance_after and writes the
 * balance, and keeps the idempotency key with the first response. Callers (the apps' endpoints)
 * decide beforehand who may act on which user.
 */
@Service
public class Ledger {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final Clock clock;

    Ledger(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * What an operation came to: {@code status} is the HTTP status it means (200, 402 short, 404 no
     * such hold or spend, 409 key reused for another request or hold not open) and {@code body} the
     * engine's response, the same for every retry with the key.
     */
    public record Outcome(int status, JsonNode body) {
        public boolean ok() {
            return status == 200;
        }

        /** True when the key had been used for a different request. */
        public boolean reusedKey() {
            return body.path("reused_key").asBoolean(false);
        }
    }

    /** A hold still open. */
    public record Hold(String id, int amount, String description, Instant expiresAt, Instant createdAt) {}

    /** One difference the reconcile found. */
    public record Drift(String app, String userId, String entryId, String problem) {
        @Override
        public String toString() {
            return app + " user " + userId + (entryId.isEmpty() ? "" : " entry " + entryId) + ": " + problem;
        }
    }

    /** A new request of one operation: {@code spend}, {@code refund}, {@code grant}, {@code adjust}, {@code hold}, {@code capture}, {@code release}. */
    public static ObjectNode request(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    /** Runs one operation for one user of an app under an idempotency key, at the clock's time. */
    public Outcome execute(String app, String userId, String key, ObjectNode request) throws SQLException {
        return execute(app, userId, key, request, clock.instant());
    }

    /** As {@link #execute(String, String, String, ObjectNode)}, at a given time (holds' expiry). */
    public Outcome execute(String app, String userId, String key, ObjectNode request, Instant now) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> execute(tx, app, userId, key, request, now));
    }

    /**
     * As {@link #execute(String, String, String, ObjectNode, Instant)}, inside a service-role
     * transaction the caller holds (a job's completing transaction, a give-up hook), so the
     * operation commits exactly with the rest of that transaction.
     */
    public static Outcome execute(
            Database.Transaction tx, String app, String userId, String key, ObjectNode request, Instant now)
            throws SQLException {
        try (PreparedStatement call =
                tx.connection().prepareStatement("select platform.ledger_execute(?, ?, ?, ?::jsonb, ?)")) {
            call.setString(1, app);
            call.setString(2, userId);
            call.setString(3, key);
            call.setString(4, request.toString());
            call.setObject(5, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
            try (ResultSet row = call.executeQuery()) {
                row.next();
                JsonNode body = parse(row.getString(1));
                int status = body.path("status").asInt(500);
                // The op is the client's word until the engine accepted it: refused ones count as "-".
                Metrics.counter(
                                "atelier.ledger.operations",
                                "app",
                                app,
                                "op",
                                status < 400 ? request.path("op").asText("-") : "-",
                                "status",
                                Integer.toString(status))
                        .increment();
                return new Outcome(status, body);
            }
        }
    }

    /** The user's open holds, newest first (at most 100). */
    public List<Hold> holds(String app, String userId) throws SQLException {
        Instant now = clock.instant();
        return database.transaction(Caller.serviceRole(), true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select id::text, amount, coalesce(description, ''), expires_at, created_at
                    from platform.ledger_holds
                    where app = ? and user_id = ? and status = 'held' and expires_at > ?
                    order by created_at desc limit 100""")) {
                query.setString(1, app);
                query.setString(2, userId);
                query.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                List<Hold> holds = new ArrayList<>();
                try (ResultSet row = query.executeQuery()) {
                    while (row.next()) {
                        holds.add(new Hold(
                                row.getString(1),
                                row.getInt(2),
                                row.getString(3),
                                instant(row.getTimestamp(4)),
                                instant(row.getTimestamp(5))));
                    }
                }
                return holds;
            }
        });
    }

    /** Marks every hold past its expiry; safe to run any number of times, from several servers. */
    public int expireHolds() throws SQLException {
        return expireHolds(clock.instant());
    }

    public int expireHolds(Instant now) throws SQLException {
        int total = 0;
        int batch;
        do {
            batch = database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement call =
                        tx.connection().prepareStatement("select platform.ledger_expire_holds(?, 1000)")) {
                    call.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                    try (ResultSet row = call.executeQuery()) {
                        row.next();
                        return row.getInt(1);
                    }
                }
            });
            total += batch;
        } while (batch == 1000);
        return total;
    }

    /** Every balance of every bound app against its ledger; empty when all add up. */
    public List<Drift> reconcile() throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> reconcile(tx.connection()));
    }

    /** The reconcile on any connection allowed to run it (the CLI's owner connection). */
    public static List<Drift> reconcile(Connection connection) throws SQLException {
        List<Drift> drifts = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                        "select app, user_id, coalesce(entry_id, ''), problem from platform.ledger_reconcile()"
                                + " order by app, user_id, entry_id nulls last");
                ResultSet row = query.executeQuery()) {
            while (row.next()) {
                drifts.add(new Drift(row.getString(1), row.getString(2), row.getString(3), row.getString(4)));
            }
        }
        return drifts;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp.toInstant();
    }

    private static JsonNode parse(String json) throws SQLException {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SQLException("the ledger answered with something that is not JSON", e);
        }
    }
}
