package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import dev.atelier.platform.ledger.Ledger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Algorhythmic's credits: the balance, tier and cycle a user sees, their history, the periodic
 * cycle roll and tier changes. Spending, holds and grants go through the platform's ledger.
 */
@Service
public class AlgorhythmicCredits {

    static final String APP = "algorhythmic";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final Ledger ledger;
    private final Clock clock;

    AlgorhythmicCredits(Database database, Ledger ledger, Clock clock) {
        this.database = database;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** Balance, what is on hold, tier, quota, rollover credits and the cycle, read as the caller (RLS). */
    ObjectNode balance(Caller caller, String userId) throws SQLException {
        ObjectNode out = database.transaction(caller, true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select coalesce(c.balance, 0), coalesce(c.rollover_balance, 0), coalesce(c.base_quota, 0),
                           c.billing_cycle_start, c.billing_cycle_end, coalesce(c.timezone, 'UTC'),
                           coalesce(u.subscription_tier, 'free')
                    from algorhythmic.user_credits c join algorhythmic.users u on u.id = c.user_id
                    where c.user_id = ?""")) {
                query.setString(1, userId);
                try (ResultSet row = query.executeQuery()) {
                    if (!row.next()) {
                        throw Problem.notFound("no Algorhythmic credit account for this user");
                    }
                    return JSON.createObjectNode()
                            .put("balance", row.getInt(1))
                            .put("rollover_balance", row.getInt(2))
                            .put("quota", row.getInt(3))
                            .put("cycle_start", iso(row.getObject(4, OffsetDateTime.class)))
                            .put("cycle_end", iso(row.getObject(5, OffsetDateTime.class)))
                            .put("timezone", row.getString(6))
                            .put("tier", row.getString(7));
                }
            }
        });
        int held = 0;
        ArrayNode holds = out.putArray("holds");
        for (Ledger.Hold hold : ledger.holds(APP, userId)) {
            held += hold.amount();
            holds.addObject()
                    .put("id", hold.id())
                    .put("amount", hold.amount())
                    .put("description", hold.description())
                    .put("expires_at", hold.expiresAt().toString());
        }
        out.put("held", held).put("available", out.path("balance").asInt() - held);
        return out;
    }

    /** The user's ledger, newest first, {@code limit} rows before the entry {@code before} (keyset). */
    ObjectNode history(Caller caller, String userId, int limit, @Nullable String before) throws SQLException {
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select l.id, l.event_type, l.amount, l.balance_after, l.description, l.metadata, l.created_at
                    from algorhythmic.credit_ledger l
                    where l.user_id = ?
                      and (?::text is null or (l.created_at, l.id) < (select b.created_at, b.id
                                                                     from algorhythmic.credit_ledger b
                                                                     where b.id = ? and b.user_id = l.user_id))
                    order by l.created_at desc, l.id desc
                    limit ?""")) {
                query.setString(1, userId);
                query.setString(2, before);
                query.setString(3, before);
                query.setInt(4, limit + 1);
                ObjectNode out = JSON.createObjectNode();
                ArrayNode entries = out.putArray("entries");
                String last = null;
                try (ResultSet row = query.executeQuery()) {
                    int fetched = 0;
                    while (row.next() && ++fetched <= limit) {
                        ObjectNode entry = entries.addObject()
                                .put("id", row.getString(1))
                                .put("event_type", row.getString(2))
                                .put("amount", row.getInt(3))
                                .put("balance_after", row.getInt(4))
                                .put("description", row.getString(5));
                        entry.set("metadata", metadata(row.getString(6)));
                        entry.put("created_at", iso(row.getObject(7, OffsetDateTime.class)));
                        last = row.getString(1);
                    }
                    out.put("next_before", fetched > limit ? last : null);
                }
                return out;
            }
        });
    }

    /** Rolls every due billing cycle (catching up missed ones); safe from several servers at once. */
    public int rollDueCycles() throws SQLException {
        return rollDueCycles(clock.instant());
    }

    public int rollDueCycles(Instant now) throws SQLException {
        int total = 0;
        int batch;
        do {
            batch = database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement call =
                        tx.connection().prepareStatement("select algorhythmic.roll_due_credit_cycles(?, 200)")) {
                    call.setObject(1, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                    try (ResultSet row = call.executeQuery()) {
                        row.next();
                        return row.getInt(1);
                    }
                }
            });
            total += batch;
        } while (batch > 0);
        return total;
    }

    /** Rolls one user's due cycles at {@code now}, one by one; returns how many. */
    public int rollCycle(String userId, Instant now) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement call =
                    tx.connection().prepareStatement("select algorhythmic.roll_credit_cycle(?, ?)")) {
                call.setString(1, userId);
                call.setObject(2, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                try (ResultSet row = call.executeQuery()) {
                    row.next();
                    return row.getInt(1);
                }
            }
        });
    }

    /** A tier change (Stripe, operators): an upgrade grants the difference now, a downgrade waits for the next cycle. */
    public int changeTier(String userId, String tier, Instant now) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement call =
                    tx.connection().prepareStatement("select algorhythmic.change_subscription_tier(?, ?, ?)")) {
                call.setString(1, userId);
                call.setString(2, tier);
                call.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                try (ResultSet row = call.executeQuery()) {
                    row.next();
                    return row.getInt(1);
                }
            }
        });
    }

    /** The user's time zone for cycle ends (an IANA name); the next cycle follows it. */
    void setTimezone(String userId, @Nullable String zone) throws SQLException {
        if (zone == null || zone.isBlank() || zone.length() > 64) {
            throw Problem.badInput("timezone", "timezone is required: an IANA time zone name such as Europe/Berlin");
        }
        try {
            database.transaction(Caller.serviceRole(), tx -> {
                try (PreparedStatement call =
                        tx.connection().prepareStatement("select algorhythmic.set_credit_timezone(?, ?)")) {
                    call.setString(1, userId);
                    call.setString(2, zone);
                    return call.execute();
                }
            });
        } catch (SQLException e) {
            if ("22023".equals(e.getSQLState())) {
                throw Problem.badInput("timezone", "unknown time zone " + zone);
            }
            throw e;
        }
    }

    /** True when the caller is the service role or an Algorhythmic admin. */
    boolean mayGrant(Caller caller) throws SQLException {
        if (caller.role().equals("service_role")) {
            return true;
        }
        if (caller.userId().isEmpty()) {
            return false;
        }
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("select algorhythmic.is_admin()");
                    ResultSet row = query.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        });
    }

    private static @Nullable String iso(@Nullable OffsetDateTime time) {
        return time == null ? null : time.toInstant().toString();
    }

    private static JsonNode metadata(@Nullable String text) {
        if (text == null) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }
}
