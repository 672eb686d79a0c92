package dev.atelier.platform.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * The monitoring queries, each run read-only as the service role (which holds pg_read_all_stats,
 * V126) and answered as JSON rows. Sizes are bytes, times milliseconds, ratios 0 to 1.
 */
@Component
class Monitoring {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<Integer> WHOLE = Set.of(Types.SMALLINT, Types.INTEGER, Types.BIGINT);

    private final Database database;

    Monitoring(Database database) {
        this.database = database;
    }

    JsonNode database() throws SQLException {
        return read(c -> {
            ObjectNode out = JSON.createObjectNode();
            out.set("database", first(rows(c, """
                    select current_database() as name, pg_database_size(current_database()) as size_bytes,
                           current_setting('server_version') as server_version, pg_postmaster_start_time() as started_at,
                           (select count(*) from pg_stat_activity where datname = current_database()) as connections,
                           current_setting('max_connections')::int as max_connections,
                           d.xact_commit, d.xact_rollback, d.deadlocks, d.temp_bytes,
                           round(d.blks_hit::numeric / nullif(d.blks_hit + d.blks_read, 0), 4) as cache_hit_ratio
                    from pg_stat_database d where d.datname = current_database()""")));
            out.set("tables_cache_hit_ratio", first(rows(c, """
                    select round(sum(heap_blks_hit)::numeric / nullif(sum(heap_blks_hit + heap_blks_read), 0), 4) as heap,
                           round(sum(idx_blks_hit)::numeric / nullif(sum(idx_blks_hit + idx_blks_read), 0), 4) as indexes
                    from pg_statio_user_tables""")));
            return out;
        });
    }

    JsonNode tables(Optional<String> schema, int limit) throws SQLException {
        return read(c -> rows(c, """
                select t.schemaname as schema, t.relname as table, pg_total_relation_size(t.relid) as total_bytes,
                       pg_relation_size(t.relid) as table_bytes, pg_indexes_size(t.relid) as index_bytes,
                       t.n_live_tup as live_rows, t.n_dead_tup as dead_rows, t.seq_scan, t.idx_scan,
                       t.last_vacuum, t.last_autovacuum, t.last_analyze, t.last_autoanalyze,
                       round(io.heap_blks_hit::numeric / nullif(io.heap_blks_hit + io.heap_blks_read, 0), 4) as cache_hit_ratio
                from pg_stat_user_tables t join pg_statio_user_tables io using (relid)
                where ?::text is null or t.schemaname = ?::text
                order by pg_total_relation_size(t.relid) desc limit ?""", schema.orElse(null), schema.orElse(null), limit));
    }

    JsonNode connections() throws SQLException {
        return read(c -> rows(c, """
                select pid, usename as role, application_name, client_addr::text as client_address, state,
                       wait_event_type, wait_event, backend_start, xact_start, query_start,
                       round(extract(epoch from now() - query_start) * 1000) as running_ms,
                       left(query, 500) as query
                from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid()
                order by query_start nulls last"""));
    }

    /** Statements by mean time; empty when pg_stat_statements is not installed (see V126). */
    Optional<JsonNode> slowQueries(int limit, int minCalls) throws SQLException {
        return read(c -> {
            String schema = null;
            try (PreparedStatement s = c.prepareStatement(
                            "select extnamespace::regnamespace::text from pg_extension where extname = 'pg_stat_statements'");
                    ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    schema = rs.getString(1);
                }
            }
            if (schema == null) {
                return Optional.<JsonNode>empty();
            }
            try {
                return Optional.<JsonNode>of(rows(c, """
                        select queryid::text as query_id, left(query, 1000) as query, calls,
                               round(total_exec_time::numeric, 3) as total_ms, round(mean_exec_time::numeric, 3) as mean_ms,
                               round(max_exec_time::numeric, 3) as max_ms, rows,
                               shared_blks_hit, shared_blks_read
                        from %s.pg_stat_statements
                        where dbid = (select oid from pg_database where datname = current_database()) and calls >= ?
                        order by mean_exec_time desc limit ?""".formatted(schema), minCalls, limit));
            } catch (SQLException e) {
                if ("55000".equals(e.getSQLState())) { // installed, but not in shared_preload_libraries
                    return Optional.<JsonNode>empty();
                }
                throw e;
            }
        });
    }

    JsonNode indexes(boolean unusedOnly, int limit) throws SQLException {
        return read(c -> rows(c, """
                select s.schemaname as schema, s.relname as table, s.indexrelname as index, s.idx_scan as scans,
                       s.idx_tup_read as tuples_read, pg_relation_size(s.indexrelid) as size_bytes,
                       i.indisunique as unique, i.indisprimary as primary,
                       (s.idx_scan = 0 and not i.indisunique and not i.indisprimary) as unused
                from pg_stat_user_indexes s join pg_index i using (indexrelid)
                where not ? or (s.idx_scan = 0 and not i.indisunique and not i.indisprimary)
                order by s.idx_scan, pg_relation_size(s.indexrelid) desc limit ?""", unusedOnly, limit));
    }

    /**
     * The documents' analytics over the last {@code days}: daily active users (who signed in or
     * refreshed a session that day), popular content per app, and API performance per function
     * (the sampled request timings and InfiniteStories' provider calls, with their cost).
     */
    JsonNode usage(int days) throws SQLException {
        return read(c -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("days", days);
            out.set("daily_active_users", rows(c, """
                    select (created_at at time zone 'UTC')::date as day, count(distinct user_id) as users
                    from auth.refresh_tokens where created_at > now() - make_interval(days => ?)
                    group by 1 order by 1""", days));
            ObjectNode popular = JSON.createObjectNode();
            popular.set("infinitestories_stories", rows(c, """
                    select id::text, title, play_count from infinitestories.stories
                    where play_count > 0 order by play_count desc limit 10"""));
            popular.set("rotation_tracks", rows(c, """
                    select track_id, count(*) as plays from rotation.play_history
                    where action = 'play' and played_at > now() - make_interval(days => ?)
                    group by track_id order by plays desc limit 10""", days));
            popular.set("algorhythmic_prompts", rows(c, """
                    select left(art_prompt, 200) as prompt, sum(vote) as score, count(*) as votes from algorhythmic.art_votes
                    where created_at > now() - make_interval(days => ?)
                    group by art_prompt order by score desc limit 10""", days));
            popular.set("delula_recipes", rows(c, """
                    select r.id, r.name, u.usage_count, u.last_used_at from delula.recipe_usage u
                    join delula.recipes r on r.id = u.recipe_id
                    where u.usage_count > 0 order by u.usage_count desc limit 10"""));
            popular.set("moodscale_tracks", rows(c, """
                    select spotify_track_id, min(track_name) as track_name, min(artist_name) as artist_name,
                           count(*) as recommendations, count(distinct user_id) as users
                    from moodscale.recommendations where created_at > now() - make_interval(days => ?)
                    group by spotify_track_id order by recommendations desc limit 10""", days));
            out.set("popular", popular);
            out.set("api_performance", rows(c, """
                    select 'request' as source, operation || ' ' || endpoint as function, count(*) as calls,
                           round(avg(duration_ms), 1) as avg_ms,
                           percentile_cont(0.95) within group (order by duration_ms) as p95_ms,
                           round(avg((not success)::int), 4) as error_ratio, null::numeric as cost_usd
                    from rotation.performance_metrics
                    where metric_type = 'api_response_time' and measured_at > now() - make_interval(days => ?)
                    group by operation, endpoint
                    union all
                    select 'infinitestories.api_usage', function_name, count(*), round(avg(response_time_ms), 1),
                           percentile_cont(0.95) within group (order by response_time_ms),
                           round(avg((status <> 'success')::int), 4), sum(cost_estimate)
                    from infinitestories.api_usage where created_at > now() - make_interval(days => ?)
                    group by function_name
                    order by calls desc limit 100""", days, days));
            return out;
        });
    }

    private interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(Query<T> query) throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> query.run(tx.connection()));
    }

    private static JsonNode first(ArrayNode rows) {
        return rows.isEmpty() ? JSON.createObjectNode() : rows.get(0);
    }

    private static ArrayNode rows(Connection c, String sql, @Nullable Object... params) throws SQLException {
        ArrayNode out = JSON.createArrayNode();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    ObjectNode row = out.addObject();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String name = meta.getColumnLabel(i);
                        Object value = rs.getObject(i);
                        if (value == null) {
                            row.putNull(name);
                        } else if (value instanceof Number n && WHOLE.contains(meta.getColumnType(i))) {
                            row.put(name, n.longValue());
                        } else if (value instanceof Number n) {
                            row.put(name, n.doubleValue());
                        } else if (value instanceof Timestamp t) {
                            row.put(name, t.toInstant().toString());
                        } else if (value instanceof Boolean b) {
                            row.put(name, b);
                        } else {
                            row.put(name, value.toString());
                        }
                    }
                }
            }
        }
        return out;
    }
}
