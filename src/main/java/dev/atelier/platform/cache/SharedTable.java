package dev.atelier.platform.cache;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of one PostgreSQL cache table, in one of the two shapes the documents give:
 * InfiniteStories' {@code cache_entries} (key, value, expires_at, access_count, last_accessed_at,
 * size_bytes) and Rotation's {@code metadata_cache} (entity_type, entity_id, cache_key, data,
 * expires_at, refresh_count, last_refreshed_at). Table names come from code, never from a request.
 */
sealed interface SharedTable {

    Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*");

    String table();

    Optional<String> read(Connection c, String key) throws SQLException;

    void write(Connection c, String key, String json, Duration ttl) throws SQLException;

    boolean delete(Connection c, String key) throws SQLException;

    /** Records reads: per key, how many and the latest; a table without read columns ignores them. */
    void accessed(Connection c, Map<String, Access> reads) throws SQLException;

    /** Deletes expired rows; returns how many. */
    int expire(Connection c) throws SQLException;

    /** Deletes rows, least worth keeping first by the strategy, until the live rows fit in maxBytes. */
    int trim(Connection c, long maxBytes, CacheRules.Strategy strategy) throws SQLException;

    /** Live rows and their bytes. */
    long[] size(Connection c) throws SQLException;

    record Access(long count, Instant last) {}

    private static int count(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int deleteExpired(Connection c, String table) throws SQLException {
        return count(
                c, "with d as (delete from " + table + " where expires_at < now() returning 1) select count(*) from d");
    }

    /**
     * Deletes the rows beyond {@code maxBytes}, adding up sizes in the order of {@code keep} (the
     * rows most worth keeping first): one windowed DELETE. The identifiers are this file's own.
     */
    private static int trimTo(Connection c, String table, String id, String size, String keep, long maxBytes)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("delete from " + table + " where " + id + " in (select " + id
                + " from (select " + id + ", sum(" + size + ") over (order by " + keep + ", " + id
                + " rows unbounded preceding) as running from " + table + ") r where r.running > ?)")) {
            s.setLong(1, maxBytes);
            return s.executeUpdate();
        }
    }

    static String checked(String table) {
        if (!TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("not a schema-qualified table name: " + table);
        }
        return table;
    }

    /** {@code key text PRIMARY KEY, value jsonb, expires_at, access_count, last_accessed_at, size_bytes}. */
    record KeyValue(String table, @Nullable String cleanupFunction) implements SharedTable {

        public KeyValue {
            checked(table);
            if (cleanupFunction != null) {
                checked(cleanupFunction);
            }
        }

        @Override
        public Optional<String> read(Connection c, String key) throws SQLException {
            try (PreparedStatement s =
                    c.prepareStatement("select value::text from " + table + " where key = ? and expires_at > now()")) {
                s.setString(1, key);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        }

        @Override
        public void write(Connection c, String key, String json, Duration ttl) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("insert into " + table
                    + " (key, value, expires_at, size_bytes) values (?, ?::jsonb, now() + ? * interval '1 millisecond', ?)"
                    + " on conflict (key) do update set value = excluded.value, expires_at = excluded.expires_at,"
                    + " size_bytes = excluded.size_bytes, created_at = now(), last_accessed_at = now()")) {
                s.setString(1, key);
                s.setString(2, json);
                s.setLong(3, ttl.toMillis());
                s.setInt(4, Math.max(1, json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
                s.executeUpdate();
            }
        }

        @Override
        public boolean delete(Connection c, String key) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("delete from " + table + " where key = ?")) {
                s.setString(1, key);
                return s.executeUpdate() > 0;
            }
        }

        @Override
        public void accessed(Connection c, Map<String, Access> reads) throws SQLException {
            if (reads.isEmpty()) {
                return;
            }
            List<String> keys = List.copyOf(reads.keySet());
            Long[] counts = new Long[keys.size()];
            String[] lasts = new String[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                Access a = reads.get(keys.get(i));
                counts[i] = a == null ? 0 : a.count();
                lasts[i] = (a == null ? Instant.EPOCH : a.last()).toString();
            }
            try (PreparedStatement s = c.prepareStatement(
                    "update " + table + " t"
                            + " set access_count = least(2147483647, t.access_count + r.n),"
                            + " last_accessed_at = greatest(t.last_accessed_at, r.at)"
                            + " from unnest(?::text[], ?::bigint[], (?::text[])::timestamptz[]) as r(key, n, at) where t.key = r.key")) {
                s.setArray(1, c.createArrayOf("text", keys.toArray()));
                s.setArray(2, c.createArrayOf("bigint", counts));
                s.setArray(3, c.createArrayOf("text", lasts));
                s.executeUpdate();
            }
        }

        @Override
        public int expire(Connection c) throws SQLException {
            return cleanupFunction != null ? count(c, "select " + cleanupFunction + "()") : deleteExpired(c, table);
        }

        @Override
        public int trim(Connection c, long maxBytes, CacheRules.Strategy strategy) throws SQLException {
            String keep = switch (strategy) {
                case LRU -> "last_accessed_at desc nulls last";
                case LFU -> "access_count desc nulls last, last_accessed_at desc nulls last";
                case TTL -> "expires_at desc";
            };
            return trimTo(c, table, "key", "coalesce(size_bytes, 1)", keep, maxBytes);
        }

        @Override
        public long[] size(Connection c) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("select count(*), coalesce(sum(size_bytes), 0) from " + table
                            + " where expires_at > now()");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /**
     * {@code entity_type, entity_id, cache_key} unique, {@code data jsonb, expires_at,
     * refresh_count, last_refreshed_at}. A key is written {@code <entity_type>:<entity_id>:<cache_key>}.
     * Reads leave no trace in the table (its columns count refreshes, i.e. writes).
     */
    record Entity(String table) implements SharedTable {

        public Entity {
            checked(table);
        }

        record Parts(String type, int id, String cacheKey) {}

        static Parts parse(String key) {
            int a = key.indexOf(':');
            int b = a < 0 ? -1 : key.indexOf(':', a + 1);
            if (a <= 0 || b < 0 || b == key.length() - 1) {
                throw new IllegalArgumentException("a metadata key is <entity_type>:<entity_id>:<cache_key>: " + key);
            }
            try {
                return new Parts(key.substring(0, a), Integer.parseInt(key.substring(a + 1, b)), key.substring(b + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a metadata key's entity_id is an integer: " + key, e);
            }
        }

        private static void bind(PreparedStatement s, Parts p) throws SQLException {
            s.setString(1, p.type());
            s.setInt(2, p.id());
            s.setString(3, p.cacheKey());
        }

        @Override
        public Optional<String> read(Connection c, String key) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("select data::text from " + table
                    + " where entity_type = ? and entity_id = ? and cache_key = ?"
                    + " and (expires_at is null or expires_at > now())")) {
                bind(s, parse(key));
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        }

        @Override
        public void write(Connection c, String key, String json, Duration ttl) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("insert into " + table + " as t"
                    + " (entity_type, entity_id, cache_key, data, expires_at)"
                    + " values (?, ?, ?, ?::jsonb, now() + ? * interval '1 millisecond')"
                    + " on conflict (entity_type, entity_id, cache_key) do update set data = excluded.data,"
                    + " expires_at = excluded.expires_at, refresh_count = t.refresh_count + 1,"
                    + " last_refreshed_at = now()")) {
                bind(s, parse(key));
                s.setString(4, json);
                s.setLong(5, ttl.toMillis());
                s.executeUpdate();
            }
        }

        @Override
        public boolean delete(Connection c, String key) throws SQLException {
            try (PreparedStatement s = c.prepareStatement(
                    "delete from " + table + " where entity_type = ? and entity_id = ? and cache_key = ?")) {
                bind(s, parse(key));
                return s.executeUpdate() > 0;
            }
        }

        @Override
        public void accessed(Connection c, Map<String, Access> reads) {
            // metadata_cache records refreshes, not reads
        }

        @Override
        public int expire(Connection c) throws SQLException {
            return deleteExpired(c, table);
        }

        @Override
        public int trim(Connection c, long maxBytes, CacheRules.Strategy strategy) throws SQLException {
            String keep = switch (strategy) {
                case LRU -> "last_refreshed_at desc";
                case LFU -> "refresh_count desc, last_refreshed_at desc";
                case TTL -> "expires_at desc nulls first";
            };
            return trimTo(c, table, "id", "octet_length(data::text)", keep, maxBytes);
        }

        @Override
        public long[] size(Connection c) throws SQLException {
            try (PreparedStatement s = c.prepareStatement("select count(*), coalesce(sum(octet_length(data::text)), 0)"
                            + " from " + table + " where expires_at is null or expires_at > now()");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }
}
