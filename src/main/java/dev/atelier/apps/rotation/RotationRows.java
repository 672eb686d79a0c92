package dev.atelier.apps.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What Rotation's admin endpoints share: who the caller is in Rotation (its app user and whether
 * it is an admin or the service role), and rows of a query as JSON objects.
 */
final class RotationRows {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RotationRows() {}

    /** Who the caller is in Rotation: its app user id (or none) and whether it may act for anyone. */
    record Who(@Nullable Integer userId, boolean admin) {}

    static Who who(Database database, Caller caller) throws SQLException {
        if (caller.role().equals("service_role")) {
            return new Who(null, true);
        }
        if (caller.userId().isEmpty()) {
            return new Who(null, false);
        }
        return database.transaction(caller, true, tx -> {
            try (PreparedStatement s =
                            tx.connection().prepareStatement("select rotation.current_user_id(), rotation.is_admin()");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                int id = rs.getInt(1);
                return new Who(rs.wasNull() ? null : id, rs.getBoolean(2));
            }
        });
    }

    /** The caller when it is a Rotation admin or the service role; else 401 (anon) or 403. */
    static Who admin(Database database, Caller caller, String what) throws SQLException {
        Who w = who(database, caller);
        if (!w.admin()) {
            if (caller.role().equals("anon")) {
                throw Problem.signInRequired();
            }
            throw Problem.forbidden("only Rotation admins and the service role " + what);
        }
        return w;
    }

    /** The rows of a read-only query as the caller, once it is shown to be an admin or the service role. */
    static ArrayNode adminRead(Database database, Caller caller, String what, String sql, List<?> params)
            throws SQLException {
        admin(database, caller, what);
        return database.transaction(caller, true, tx -> rows(tx.connection(), sql, params));
    }

    /** Refuses a body member that is not one of {@code fields}, naming it. */
    static void onlyFields(JsonNode body, java.util.Set<String> fields) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) {
                throw Problem.badInput(f, "unknown field " + f + "; the fields are " + new java.util.TreeSet<>(fields));
            }
        }
    }

    /**
     * The rows of a query, one JSON object each (jsonb as JSON, arrays as arrays). Parameters:
     * {@code Integer[]} as integer[], {@code String[]} as text[], JSON as its text, else as is.
     */
    static ArrayNode rows(Connection c, String sql, List<?> params) throws SQLException {
        ArrayNode out = JSON.createArrayNode();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Integer[] ids) {
                    s.setArray(i + 1, c.createArrayOf("integer", ids));
                } else if (p instanceof String[] texts) {
                    s.setArray(i + 1, c.createArrayOf("text", texts));
                } else if (p instanceof JsonNode j) {
                    s.setString(i + 1, j.toString());
                } else {
                    s.setObject(i + 1, p);
                }
            }
            try (ResultSet rs = s.executeQuery()) {
                var meta = rs.getMetaData();
                while (rs.next()) {
                    ObjectNode row = out.addObject();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String name = meta.getColumnName(i);
                        Object value = rs.getObject(i);
                        if (value == null) {
                            row.putNull(name);
                        } else if (value instanceof java.sql.Array a) {
                            ArrayNode arr = row.putArray(name);
                            for (Object o : (Object[]) a.getArray()) {
                                if (o instanceof Integer n) {
                                    arr.add(n);
                                } else {
                                    arr.add(String.valueOf(o));
                                }
                            }
                        } else if (meta.getColumnTypeName(i).equals("jsonb")) {
                            try {
                                row.set(name, JSON.readTree(rs.getString(i)));
                            } catch (java.io.IOException ex) {
                                throw new SQLException(ex);
                            }
                        } else if (value instanceof Boolean b) {
                            row.put(name, b);
                        } else if (value instanceof Integer n) {
                            row.put(name, n);
                        } else {
                            row.put(name, rs.getString(i));
                        }
                    }
                }
            }
        }
        return out;
    }
}
