package dev.atelier.apps.algorhythmic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.http.Problem;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/algorhythmic/artworks/next?session_id=…&limit=…}: the next artworks for a
 * signed-in user's display session, best first (quality, then newest), from the pool the caller
 * may see (the public library and their own artwork: the query runs as the caller), never one
 * served to the same user, session and endpoint within the hour ({@link RecentlyServed}). When
 * everything has been served within the hour the list is empty.
 */
@RestController
class ArtworkFeed {

    static final String ENDPOINT = "artworks/next";
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_LIMIT = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final RecentlyServed recentlyServed;

    ArtworkFeed(Database database, RecentlyServed recentlyServed) {
        this.database = database;
        this.recentlyServed = recentlyServed;
    }

    @GetMapping(path = "/api/v1/algorhythmic/artworks/next", produces = "application/json")
    JsonNode next(
            Caller caller,
            @RequestParam(name = "session_id", required = false) @Nullable String sessionId,
            @RequestParam(name = "limit", required = false) @Nullable String limitText)
            throws SQLException {
        String userId = caller.userId().orElseThrow(Problem::signInRequired).toString();
        if (sessionId == null || !SESSION.matcher(sessionId).matches()) {
            throw Problem.badInput("session_id", "session_id is required: 1 to 64 letters, digits, - or _");
        }
        int limit = limit(limitText);
        String key = RecentlyServed.key(userId, sessionId, ENDPOINT);
        List<String> excluded = recentlyServed.recent(key);
        Map<String, ObjectNode> rows = new HashMap<>();
        List<String> order = new ArrayList<>();
        database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("""
                    select id, image_url, prompt, styles, quality_score, orientation, width, height, is_library
                    from algorhythmic.art_sessions
                    where pool_status = 'active' and id <> all (?::varchar[])
                    order by quality_score desc nulls last, created_at desc nulls last, id
                    limit ?""")) {
                s.setArray(1, tx.connection().createArrayOf("varchar", excluded.toArray()));
                s.setInt(2, limit);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        ObjectNode a = JSON.createObjectNode();
                        String id = rs.getString(1);
                        a.put("id", id);
                        a.put("image_url", rs.getString(2));
                        a.put("prompt", rs.getString(3));
                        ArrayNode styles = a.putArray("styles");
                        java.sql.Array arr = rs.getArray(4);
                        if (arr != null) {
                            for (Object o : (Object[]) arr.getArray()) {
                                styles.add(String.valueOf(o));
                            }
                        }
                        a.put("quality_score", rs.getInt(5));
                        a.put("orientation", rs.getString(6));
                        int w = rs.getInt(7);
                        if (rs.wasNull()) {
                            a.putNull("width");
                        } else {
                            a.put("width", w);
                        }
                        int h = rs.getInt(8);
                        if (rs.wasNull()) {
                            a.putNull("height");
                        } else {
                            a.put("height", h);
                        }
                        a.put("is_library", rs.getBoolean(9));
                        rows.put(id, a);
                        order.add(id);
                    }
                }
            }
            return Boolean.TRUE;
        });
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("artworks");
        for (String id : recentlyServed.claim(key, order, limit)) {
            ObjectNode a = rows.get(id);
            if (a != null) {
                list.add(a);
            }
        }
        return out;
    }

    private static int limit(@Nullable String text) {
        if (text == null) {
            return 1;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badInput("limit", "limit is a whole number from 1 to " + MAX_LIMIT);
    }
}
