package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Table;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The columns one database role may SELECT, for what {@code select=*} stands for: a table whose
 * sealed columns carry no grant for the role still answers {@code *} with the columns it may read,
 * while naming a sealed column is still PostgreSQL's 42501. Loaded once per role and catalog
 * snapshot (the schema cache drops it on reload).
 */
final class ColumnGrants {

    private static final String UNREADABLE = """
            select n.nspname, c.relname, a.attname
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where c.relkind in ('r', 'v', 'm', 'f', 'p') and not c.relispartition and n.nspname = any(?)
              and not has_column_privilege(?, c.oid, a.attnum, 'SELECT')""";

    /** Tables with at least one column the role may not read, to the columns it may. */
    private final Map<Table, List<Column>> restricted;

    private ColumnGrants(Map<Table, List<Column>> restricted) {
        this.restricted = restricted;
    }

    static ColumnGrants load(Connection connection, Catalog catalog, String role) throws SQLException {
        Map<Table, Set<String>> hidden = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(UNREADABLE)) {
            Array schemas = connection.createArrayOf("text", catalog.schemas().toArray());
            ps.setArray(1, schemas);
            ps.setString(2, role);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Table t = catalog.table(rs.getString(1), rs.getString(2));
                    if (t != null) {
                        hidden.computeIfAbsent(t, k -> new HashSet<>()).add(rs.getString(3));
                    }
                }
            }
        }
        Map<Table, List<Column>> restricted = new HashMap<>();
        hidden.forEach((table, columns) -> {
            List<Column> readable = new ArrayList<>();
            for (Column c : table.columns().values()) {
                if (!columns.contains(c.name())) {
                    readable.add(c);
                }
            }
            // A role that may read no column at all gets every column, so that PostgreSQL's
            // permission error (401/403) answers as before rather than an empty object.
            if (!readable.isEmpty()) {
                restricted.put(table, List.copyOf(readable));
            }
        });
        return new ColumnGrants(restricted);
    }

    /** The columns of {@code table} the role may read, in table order. */
    List<Column> readable(Table table) {
        List<Column> columns = restricted.get(table);
        return columns != null ? columns : List.copyOf(table.columns().values());
    }

    /** True when {@code *} leaves some column of {@code table} out for this role. */
    boolean restricts(Table table) {
        return restricted.containsKey(table);
    }
}
