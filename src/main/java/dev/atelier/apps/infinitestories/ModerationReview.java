package dev.atelier.apps.infinitestories;

import static dev.atelier.apps.infinitestories.StoryRequests.JSON;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * The moderator's side of {@code content_flags}: the unreviewed flags, oldest first, and their
 * review. The document names no moderator role and gives {@code content_flags} to the service role
 * only, so the moderator is the service role (an operator's tool or back office); users are
 * refused (403), anon too (401). Runs as the caller: the table's grants and policies decide.
 */
@Service
class ModerationReview {

    static final List<String> ACTIONS = List.of("filtered", "rejected", "modified", "approved");

    private final Database database;

    ModerationReview(Database database) {
        this.database = database;
    }

    static void requireModerator(Caller caller) {
        if ("service_role".equals(caller.role())) {
            return;
        }
        if ("anon".equals(caller.role())) {
            throw Problem.unauthorized("moderation needs the service role's key");
        }
        throw Problem.forbidden("only a moderator (the service role) reviews content flags");
    }

    ArrayNode list(Caller caller, boolean reviewed, int limit) throws SQLException {
        requireModerator(caller);
        return database.transaction(caller, true, tx -> {
            ArrayNode out = JSON.createArrayNode();
            try (PreparedStatement s = tx.connection().prepareStatement("""
                            select f.id, f.content_type, f.content_id, f.flag_type, f.severity, f.action_taken,
                                   f.original_content, f.modified_content, f.ai_confidence, f.created_at::text,
                                   f.reviewed_at::text, f.reviewed_by,
                                   coalesce(s.user_id, u.user_id) as user_id
                            from infinitestories.content_flags f
                            left join infinitestories.stories s on s.id = f.content_id
                            left join lateral (select a.user_id from infinitestories.api_usage a
                                               where a.request_id = 'moderation:' || f.content_id || ':1') u on true
                            where (f.reviewed_at is not null) = ?
                            order by f.created_at, f.id
                            limit ?""")) {
                s.setBoolean(1, reviewed);
                s.setInt(2, limit);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode row = out.addObject();
                        row.put("id", rs.getString(1));
                        row.put("content_type", rs.getString(2));
                        row.put("content_id", rs.getString(3));
                        row.put("flag_type", rs.getString(4));
                        row.put("severity", rs.getString(5));
                        row.put("action_taken", rs.getString(6));
                        row.put("original_content", rs.getString(7));
                        row.put("modified_content", rs.getString(8));
                        row.put("ai_confidence", rs.getBigDecimal(9));
                        row.put("created_at", rs.getString(10));
                        row.put("reviewed_at", rs.getString(11));
                        row.put("reviewed_by", rs.getString(12));
                        row.put("user_id", rs.getString(13));
                    }
                }
            }
            return out;
        });
    }

    ObjectNode review(Caller caller, UUID flagId, @Nullable String action, @Nullable UUID reviewer)
            throws SQLException {
        requireModerator(caller);
        if (action != null && !ACTIONS.contains(action)) {
            throw Problem.badInput("action_taken", "action_taken must be one of " + String.join(", ", ACTIONS));
        }
        return database.transaction(caller, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("""
                            update infinitestories.content_flags
                            set reviewed_at = now(), reviewed_by = ?, action_taken = coalesce(?, action_taken)
                            where id = ? and reviewed_at is null
                            returning id, action_taken, reviewed_at::text, reviewed_by""")) {
                s.setObject(1, reviewer);
                s.setString(2, action);
                s.setObject(3, flagId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        String exists = null;
                        try (PreparedStatement e = tx.connection()
                                .prepareStatement("select id::text from infinitestories.content_flags where id = ?")) {
                            e.setObject(1, flagId);
                            try (ResultSet r = e.executeQuery()) {
                                exists = r.next() ? r.getString(1) : null;
                            }
                        }
                        if (exists == null) {
                            throw Problem.notFound("no content flag " + flagId);
                        }
                        throw Problem.conflict("content flag " + flagId + " was already reviewed");
                    }
                    ObjectNode out = JSON.createObjectNode();
                    out.put("id", rs.getString(1));
                    out.put("action_taken", rs.getString(2));
                    out.put("reviewed_at", rs.getString(3));
                    out.put("reviewed_by", rs.getString(4));
                    return out;
                }
            } catch (SQLException e) {
                if ("23503".equals(e.getSQLState())) {
                    throw Problem.badInput("reviewer_id", "reviewer_id must be an existing user's id");
                }
                throw e;
            }
        });
    }
}
