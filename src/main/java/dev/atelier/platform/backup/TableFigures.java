package dev.atelier.platform.backup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Per table, its row count and an order-independent checksum of its rows (the sum of the first
 * 60 bits of each row's md5 over its text form, with the session's output settings fixed), so
 * that a restored or imported copy can be compared with its source table by table. The text form
 * is the same across PostgreSQL 15 to 17 for the types Atelier uses.
 */
final class TableFigures {

    /** One table's figures. */
    record Figure(long rows, String checksum) {
        String encode() {
            return rows + ":" + checksum;
        }

        static Figure decode(String s) {
            int colon = s.indexOf(':');
            return new Figure(Long.parseLong(s.substring(0, colon)), s.substring(colon + 1));
        }
    }

    /** Tables whose rows are the installation's own, not data: never exported or compared after an import. */
    static final Set<String> INSTANCE_TABLES = Set.of("platform.instance", "platform.flyway_schema_history");

    private TableFigures() {}

    /** Atelier's tables (every schema but the system's), quoted, in a stable order; {@code logged} leaves out unlogged ones. */
    static List<String> tables(Connection c, boolean logged) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select format('%I.%I', n.nspname, c.relname)
                  from pg_class c join pg_namespace n on n.oid = c.relnamespace
                 where c.relkind = 'r'
                   and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
                   and (not ? or c.relpersistence = 'p')
                 order by n.nspname, c.relname""")) {
            ps.setBoolean(1, logged);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    /** Sets the output settings the checksums depend on, for the rest of the session. */
    static void fixOutput(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("set timezone = 'UTC'; set datestyle = 'ISO, MDY'; set intervalstyle = 'postgres';"
                    + " set bytea_output = 'hex'; set extra_float_digits = 1");
        }
    }

    static Figure of(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*), coalesce(sum(('x' || substr(md5(row(r__.*)::text),"
                        + " 1, 15))::bit(60)::bigint), 0) from " + table + " r__")) {
            rs.next();
            return new Figure(rs.getLong(1), rs.getString(2));
        }
    }

    /** The figures of {@code tables}, in their order. */
    static Map<String, Figure> of(Connection c, List<String> tables) throws SQLException {
        fixOutput(c);
        Map<String, Figure> figures = new LinkedHashMap<>();
        for (String table : tables) {
            figures.put(table, of(c, table));
        }
        return figures;
    }

    static void write(Map<String, Figure> figures, Properties into) {
        figures.forEach((table, f) -> into.setProperty("table." + table, f.encode()));
    }

    static Map<String, Figure> read(Properties from) {
        Map<String, Figure> figures = new LinkedHashMap<>();
        from.stringPropertyNames().stream()
                .filter(k -> k.startsWith("table."))
                .sorted()
                .forEach(k -> figures.put(k.substring("table.".length()), Figure.decode(from.getProperty(k))));
        return figures;
    }

    /** Each difference between what was expected and what was found, one line per table. */
    static List<String> differences(Map<String, Figure> expected, Map<String, Figure> found) {
        List<String> out = new ArrayList<>();
        expected.forEach((table, want) -> {
            Figure got = found.get(table);
            if (got == null) {
                out.add(table + ": missing");
            } else if (!got.equals(want)) {
                out.add(table + ": expected " + want.rows() + " rows (checksum " + want.checksum() + "), found "
                        + got.rows() + " (checksum " + got.checksum() + ")");
            }
        });
        return out;
    }
}
