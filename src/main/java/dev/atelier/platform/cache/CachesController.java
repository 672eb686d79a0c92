package dev.atelier.platform.cache;

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
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/admin/caches}: every cache of the answering server with its counts since it
 * started (hits, misses, hit rate, puts, evictions, invalidations) and its size (a PostgreSQL
 * cache's rows and bytes are the table's, for all servers), and the cache_config patterns in
 * force. For the service role and Rotation admins (they manage rotation.cache_config).
 */
@RestController
@RequestMapping(path = "/api/v1/admin/caches", produces = "application/json")
class CachesController {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Caches caches;
    private final Database database;

    CachesController(Caches caches, Database database) {
        this.caches = caches;
        this.database = database;
    }

    @GetMapping
    JsonNode list(Caller caller) throws SQLException {
        admitted(caller);
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("caches");
        for (CacheMetrics m : caches.all()) {
            ObjectNode c = list.addObject();
            c.put("name", m.name());
            c.put("kind", m.kind());
            c.put("hits", m.hits());
            c.put("misses", m.misses());
            c.put("hit_rate", m.hitRate());
            c.put("puts", m.puts());
            c.put("evictions", m.evictions());
            c.put("invalidations", m.invalidations());
            if (m instanceof LocalCache<?, ?> local) {
                local.cleanUp();
                c.put("entries", local.entries());
                c.put("bytes", local.bytes());
                c.put("max_bytes", local.maxBytes());
            } else if (m instanceof SharedCache shared) {
                long[] size = shared.size();
                c.put("table", shared.table());
                c.put("entries", size[0]);
                c.put("bytes", size[1]);
                Long max = shared.maxBytes();
                if (max == null) {
                    c.putNull("max_bytes");
                } else {
                    c.put("max_bytes", max);
                }
            }
        }
        ArrayNode rules = out.putArray("config");
        for (CacheRules.Rule r : caches.rules()) {
            ObjectNode o = rules.addObject();
            o.put("id", r.id());
            o.put("cache_key_pattern", r.pattern());
            o.put("ttl_seconds", r.ttl().toSeconds());
            if (r.maxBytes() == null) {
                o.putNull("max_bytes");
            } else {
                o.put("max_bytes", r.maxBytes());
            }
            o.put("cache_strategy", r.strategy().name().toLowerCase(java.util.Locale.ROOT));
            o.put("enabled", r.enabled());
        }
        return out;
    }

    private void admitted(Caller caller) throws SQLException {
        if (caller.role().equals("service_role")) {
            return;
        }
        if (caller.userId().isEmpty()) {
            throw Problem.signInRequired();
        }
        boolean admin = database.transaction(caller, true, tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement("select rotation.is_admin()");
                    ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        });
        if (!admin) {
            throw Problem.forbidden("only the service role and Rotation admins read the caches");
        }
    }
}
