package dev.atelier.platform.account;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Which rows of which tables are a user's, found in the catalog rather than in a hand-written list:
 * every table of the five apps (and storage's objects) that reaches {@code auth.users} through
 * foreign keys, by its shortest paths, plus the columns of {@code platform.user_references} (V115)
 * that name a user without a key. A new table with a key to a user is covered the day it exists;
 * one without a key fails UserDataCoverageTest until it is listed.
 */
@Component
public class UserData {

    /** Schemas whose rows a user's export holds. auth and platform are the platform's own. */
    public static final List<String> SCHEMAS =
            List.of("algorhythmic", "infinitestories", "rotation", "moodscale", "delula", "storage");

    /** Rows per table in one export: a bound on the work one request may ask for. */
    static final int MAX_ROWS_PER_TABLE = 50_000;

    /** A table of the user's and the SQL condition ({@code ?} is the user's id as text) picking their rows. */
    public record Source(String table, String condition) {}

    private final Database database;
    private volatile @Nullable List<Source> plan;

    UserData(Database database) {
        this.database = database;
    }

    /** The tables holding a user's rows, in schema and table order. Computed once: only migrations change it. */
    public List<Source> sources() throws SQLException {
        List<Source> known = plan;
        if (known == null) {
            known = database.transaction(Caller.serviceRole(), true, tx -> plan(tx.connection()));
            plan = known;
        }
        return known;
    }

    private record Edge(String child, List<String> columns, String parent, List<String> referenced) {}

    static List<Source> plan(Connection connection) throws SQLException {
        Map<String, List<Edge>> byParent = new LinkedHashMap<>();
        try (PreparedStatement s = connection.prepareStatement("""
                select k.conrelid::regclass::text, k.confrelid::regclass::text,
                       array(select a.attname::text from unnest(k.conkey) with ordinality c(n, i)
                             join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = c.n order by c.i),
                       array(select a.attname::text from unnest(k.confkey) with ordinality c(n, i)
                             join pg_catalog.pg_attribute a on a.attrelid = k.confrelid and a.attnum = c.n order by c.i)
                from pg_catalog.pg_constraint k
                join pg_catalog.pg_class t on t.oid = k.conrelid
                join pg_catalog.pg_namespace n on n.oid = t.relnamespace
                where k.contype = 'f' and k.conrelid <> k.confrelid and n.nspname = any (?)
                order by 1, 2, k.conname""")) {
            s.setArray(1, connection.createArrayOf("text", SCHEMAS.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Edge edge = new Edge(
                            rs.getString(1), strings(rs.getArray(3)), rs.getString(2), strings(rs.getArray(4)));
                    byParent.computeIfAbsent(edge.parent(), p -> new ArrayList<>())
                            .add(edge);
                }
            }
        }
        // Breadth first from the identity: a table's rows are picked by its shortest paths only, so a
        // row reached both as "the user's" and as "attached to something of the user's" (a play event
        // of one of their stories, made by someone else) is judged by its own user column.
        Map<String, String> condition = new TreeMap<>();
        Map<String, Integer> depth = new LinkedHashMap<>();
        condition.put("auth.users", "id = ?::uuid");
        depth.put("auth.users", 0);
        Deque<String> queue = new ArrayDeque<>(List.of("auth.users"));
        Map<String, List<String>> alternatives = new LinkedHashMap<>();
        while (!queue.isEmpty()) {
            String parent = queue.removeFirst();
            int level = depth.getOrDefault(parent, 0) + 1;
            for (Edge edge : byParent.getOrDefault(parent, List.of())) {
                Integer seen = depth.get(edge.child());
                if (seen != null && seen < level) {
                    continue;
                }
                // The identity itself is named by value: request roles may not read auth.users.
                String pick = edge.parent().equals("auth.users")
                        ? quoted(edge.columns().get(0)) + " = ?::uuid"
                        : "(" + String.join(", ", quoted(edge.columns())) + ") in (select "
                                + String.join(", ", quoted(edge.referenced())) + " from " + edge.parent()
                                + " where " + condition.get(edge.parent()) + ")";
                alternatives
                        .computeIfAbsent(edge.child(), c -> new ArrayList<>())
                        .add(pick);
                if (seen == null) {
                    depth.put(edge.child(), level);
                    queue.addLast(edge.child());
                }
                condition.put(edge.child(), String.join(" or ", alternatives.get(edge.child())));
            }
        }
        condition.remove("auth.users");
        try (PreparedStatement s = connection.prepareStatement("""
                select r.table_name, r.column_name, pg_catalog.format_type(a.atttypid, a.atttypmod)
                from platform.user_references r
                join pg_catalog.pg_attribute a
                  on a.attrelid = pg_catalog.to_regclass(r.table_name) and a.attname = r.column_name
                     and not a.attisdropped
                where split_part(r.table_name, '.', 1) = any (?)
                order by 1, 2""")) {
            s.setArray(1, connection.createArrayOf("text", SCHEMAS.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String pick = quoted(rs.getString(2)) + " = ?::text::" + rs.getString(3);
                    condition.merge(rs.getString(1), pick, (a, b) -> a + " or " + b);
                }
            }
        }
        // Storage knows its owners by column, without a key (Supabase's schema).
        condition.merge("storage.objects", "owner = ?::uuid or owner_id = ?", (a, b) -> a + " or " + b);
        List<Source> sources = new ArrayList<>();
        condition.forEach((table, where) -> sources.add(new Source(table, where)));
        return List.copyOf(sources);
    }

    /**
     * The user's rows of every source as JSON text per table, read in the caller's transaction (as
     * the caller: row-level security and column privileges apply). A table the caller may not read at
     * all is named in {@code notReadable}; columns the caller may not read (secrets such as encrypted
     * tokens) are left out.
     */
    record Export(Map<String, Map<String, String>> tables, List<String> notReadable, List<String> truncated) {}

    Export export(Connection connection, UUID user) throws SQLException {
        Map<String, Map<String, String>> tables = new LinkedHashMap<>();
        List<String> notReadable = new ArrayList<>();
        List<String> truncated = new ArrayList<>();
        for (String schema : SCHEMAS) {
            tables.put(schema, new TreeMap<>());
        }
        for (Source source : sources()) {
            List<String> columns = readableColumns(connection, source.table());
            if (columns.isEmpty()) {
                notReadable.add(source.table());
                continue;
            }
            String sql = "select coalesce(json_agg(x), '[]'), count(*) from (select " + String.join(", ", columns)
                    + " from " + source.table() + " where " + source.condition() + " limit "
                    + (MAX_ROWS_PER_TABLE + 1) + ") x";
            Savepoint savepoint = connection.setSavepoint();
            try (PreparedStatement s = connection.prepareStatement(sql)) {
                int parameters = count(source.condition(), '?');
                for (int i = 1; i <= parameters; i++) {
                    s.setString(i, user.toString());
                }
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    if (rs.getInt(2) > MAX_ROWS_PER_TABLE) {
                        truncated.add(source.table());
                    }
                    String schema = source.table().substring(0, source.table().indexOf('.'));
                    tables.computeIfAbsent(schema, k -> new TreeMap<>())
                            .put(source.table().substring(schema.length() + 1), rs.getString(1));
                }
                connection.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                // The way to the user's rows passes through a table the caller may not read.
                connection.rollback(savepoint);
                notReadable.add(source.table());
            }
        }
        return new Export(tables, notReadable, truncated);
    }

    private static List<String> readableColumns(Connection connection, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement("""
                select a.attname::text from pg_catalog.pg_attribute a
                where a.attrelid = ?::regclass and a.attnum > 0 and not a.attisdropped
                  and pg_catalog.has_column_privilege(current_user, a.attrelid, a.attnum, 'SELECT')
                order by a.attnum""")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(quoted(rs.getString(1)));
                }
            }
        }
        return columns;
    }

    private static int count(String text, char c) {
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    private static List<String> strings(Array array) throws SQLException {
        return List.of((String[]) array.getArray());
    }

    private static List<String> quoted(List<String> names) {
        return names.stream().map(UserData::quoted).toList();
    }

    private static String quoted(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /** Tables named in the plan, for tests. */
    static Set<String> tables(List<Source> sources) {
        Set<String> names = new java.util.TreeSet<>();
        sources.forEach(s -> names.add(s.table()));
        return names;
    }
}
