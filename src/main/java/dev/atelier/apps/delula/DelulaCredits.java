package dev.atelier.apps.delula;

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
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;

/**
 * Delula's credits: the balance a user sees, their history, and the daily refresh. Spending,
 * holds and grants go through the platform's ledger; generations are charged and refunded by
 * the ledger table's own trigger (delula.apply_credit_transaction, which runs through the engine).
 */
@Service
public class DelulaCredits {

    static final String APP = "delula";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final Ledger ledger;
    private final Clock clock;
    private final int registeredAllowance;
    private final int guestAllowance;

    DelulaCredits(
            Database database,
            Ledger ledger,
            Clock clock,
            @Value("${ATELIER_DELULA_DAILY_CREDITS:${atelier.delula.daily-credits:10}}") int registeredAllowance,
            @Value(
                            "${ATELIER_DELULA_GUEST_DAILY_CREDITS:${atelier.delula.guest-daily-credits:${ATELIER_DELULA_DAILY_CREDITS:${atelier.delula.daily-credits:10}}}}")
                    int guestAllowance) {
        this.database = database;
        this.ledger = ledger;
        this.clock = clock;
        this.registeredAllowance = registeredAllowance;
        this.guestAllowance = guestAllowance;
    }

    ObjectNode balance(Caller caller, String userId) throws SQLException {
        ObjectNode out = database.transaction(caller, true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select credits, timezone, last_credit_refresh, account_type from delula.users where id = ?""")) {
                query.setString(1, userId);
                try (ResultSet row = query.executeQuery()) {
                    if (!row.next()) {
                        throw Problem.notFound("no Delula user for this account");
                    }
                    return JSON.createObjectNode()
                            .put("balance", row.getInt(1))
                            .put("timezone", row.getString(2))
                            .put(
                                    "last_credit_refresh",
                                    row.getObject(3, OffsetDateTime.class)
                                            .toInstant()
                                            .toString())
                            .put("daily_allowance", row.getInt(4) == 2 ? guestAllowance : registeredAllowance);
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

    ObjectNode history(Caller caller, String userId, int limit, @Nullable String before) throws SQLException {
        Integer beforeId = null;
        if (before != null) {
            try {
                beforeId = Integer.valueOf(before);
            } catch (NumberFormatException e) {
                throw Problem.badInput("before", "before must be the id of a history entry");
            }
        }
        Integer cursor = beforeId;
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("""
                    select id, type, amount, balance_after, description, generation_id, metadata::text, created_at
                    from delula.credit_transactions
                    where user_id = ? and (?::integer is null or id < ?::integer)
                    order by id desc
                    limit ?""")) {
                query.setString(1, userId);
                if (cursor == null) {
                    query.setNull(2, Types.INTEGER);
                    query.setNull(3, Types.INTEGER);
                } else {
                    query.setInt(2, cursor);
                    query.setInt(3, cursor);
                }
                query.setInt(4, limit + 1);
                ObjectNode out = JSON.createObjectNode();
                ArrayNode entries = out.putArray("entries");
                String last = null;
                int fetched = 0;
                try (ResultSet row = query.executeQuery()) {
                    while (row.next() && ++fetched <= limit) {
                        ObjectNode entry = entries.addObject()
                                .put("id", row.getInt(1))
                                .put("type", row.getString(2))
                                .put("amount", row.getInt(3))
                                .put("balance_after", row.getInt(4))
                                .put("description", row.getString(5));
                        int generation = row.getInt(6);
                        if (row.wasNull()) {
                            entry.putNull("generation_id");
                        } else {
                            entry.put("generation_id", generation);
                        }
                        try {
                            entry.set("metadata", JSON.readTree(row.getString(7)));
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            throw new SQLException(e);
                        }
                        entry.put(
                                "created_at",
                                row.getObject(8, OffsetDateTime.class)
                                        .toInstant()
                                        .toString());
                        last = String.valueOf(row.getInt(1));
                    }
                }
                out.put("next_before", fetched > limit ? last : null);
                return out;
            }
        });
    }

    /** Tops every user up to the daily allowance once per calendar day in their zone; safe from several servers. */
    public int refreshDelulaDaily() throws SQLException {
        return refreshDelulaDaily(clock.instant());
    }

    public int refreshDelulaDaily(Instant now) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement call =
                    tx.connection().prepareStatement("select delula.refresh_daily_credits(?, ?, ?, 2147483647)")) {
                call.setInt(1, registeredAllowance);
                call.setInt(2, guestAllowance);
                call.setObject(3, OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
                try (ResultSet row = call.executeQuery()) {
                    row.next();
                    return row.getInt(1);
                }
            }
        });
    }

    boolean mayGrant(Caller caller) throws SQLException {
        if (caller.role().equals("service_role")) {
            return true;
        }
        if (caller.userId().isEmpty()) {
            return false;
        }
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement query = tx.connection().prepareStatement("select delula.is_admin()");
                    ResultSet row = query.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        });
    }
}
