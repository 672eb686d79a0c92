package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Segments in {@code platform.flag_segments}, written as the service role: the caller (an admin
 * endpoint) decides who may. A write notifies every server's flag cache.
 */
@Component
public final class FlagSegments {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Database database;

    FlagSegments(Database database) {
        this.database = database;
    }

    public ArrayNode list() throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> {
            ArrayNode out = JSON.createArrayNode();
            try (PreparedStatement s = tx.connection()
                            .prepareStatement(
                                    "select id, name, description, constraints::text from platform.flag_segments order by id");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    /** Creates ({@code id} null) or replaces a segment; null when the id does not exist. */
    public @Nullable ObjectNode save(
            @Nullable Integer id, String name, @Nullable String description, JsonNode constraints) throws SQLException {
        if (name.isBlank() || name.length() > 200) {
            throw Problem.badInput("name", "a segment needs a name of 1 to 200 characters");
        }
        if (description != null && description.length() > 2000) {
            throw Problem.badInput("description", "at most 2000 characters");
        }
        FlagValidation.constraints(constraints, "constraints");
        try {
            return database.transaction(Caller.serviceRole(), tx -> {
                        java.util.Optional<ObjectNode> saved;
                        String sql = id == null
                                ? "insert into platform.flag_segments (name, description, constraints) values (?, ?, ?::jsonb)"
                                        + " returning id, name, description, constraints::text"
                                : "update platform.flag_segments set name = ?, description = ?, constraints = ?::jsonb"
                                        + " where id = ? returning id, name, description, constraints::text";
                        try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                            s.setString(1, name);
                            s.setString(2, description);
                            s.setString(3, constraints.toString());
                            if (id != null) {
                                s.setInt(4, id);
                            }
                            try (ResultSet rs = s.executeQuery()) {
                                saved = rs.next() ? java.util.Optional.of(row(rs)) : java.util.Optional.empty();
                            }
                        }
                        return saved;
                    })
                    .orElse(null);
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                throw Problem.badInput("name", "a segment named " + name + " exists already");
            }
            throw e;
        }
    }

    public boolean delete(int id) throws SQLException {
        return database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement s =
                    tx.connection().prepareStatement("delete from platform.flag_segments where id = ?")) {
                s.setInt(1, id);
                return s.executeUpdate() == 1;
            }
        });
    }

    private static ObjectNode row(ResultSet rs) throws SQLException {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", rs.getInt(1));
        n.put("name", rs.getString(2));
        n.put("description", rs.getString(3));
        try {
            n.set("constraints", JSON.readTree(rs.getString(4)));
        } catch (IOException e) {
            throw new SQLException("stored constraints do not parse", e);
        }
        return n;
    }
}
