package dev.atelier.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * What a schema really contains, read from pg_catalog, for conformance tests that compare an
 * app's database against its document. Type families fold spellings the documents mix
 * (varchar/text, int4/serial, timestamptz/timestamp with time zone) into one word.
 */
public final class LiveCatalog {

    private final DataSource dataSource;
    private final String schema;

    public LiveCatalog(DataSource dataSource, String schema) {
        this.dataSource = dataSource;
        this.schema = schema;
    }

    /** Ordinary and partitioned tables of the schema. */
    public Set<String> tables() {
        return strings(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        + "where n.nspname = ? and c.relkind in ('r', 'p') order by 1",
                schema);
    }

    /** Column name → type family: text, integer, bigint, smallint, numeric, real, boolean, uuid, jsonb, json,
     *  timestamptz, timestamp, date, time, interval, bytea, inet, an enum's name, or family[] for arrays. */
    public Map<String, String> columns(String table) {
        Map<String, String> columns = new LinkedHashMap<>();
        query(
                "select a.attname, t.typname, t.typtype, t.typcategory, et.typname "
                        + "from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
                        + "join pg_type t on t.oid = a.atttypid left join pg_type et on et.oid = t.typelem and t.typcategory = 'A' "
                        + "where n.nspname = ? and c.relname = ? and a.attnum > 0 and not a.attisdropped order by a.attnum",
                rs -> {
                    String type = rs.getString(2);
                    boolean array = "A".equals(rs.getString(4));
                    String family = family(array ? rs.getString(5) : type, rs.getString(3));
                    columns.put(rs.getString(1), array ? family + "[]" : family);
                },
                schema,
                table);
        return columns;
    }

    /** Columns declared NOT NULL. */
    public Set<String> notNullColumns(String table) {
        return strings(
                "select a.attname from pg_attribute a join pg_class c on c.oid = a.attrelid "
                        + "join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relname = ? "
                        + "and a.attnum > 0 and not a.attisdropped and a.attnotnull order by 1",
                schema,
                table);
    }

    /** Column name → default expression as PostgreSQL prints it. */
    public Map<String, String> defaults(String table) {
        Map<String, String> defaults = new LinkedHashMap<>();
        query(
                "select a.attname, pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d "
                        + "join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum "
                        + "join pg_class c on c.oid = d.adrelid join pg_namespace n on n.oid = c.relnamespace "
                        + "where n.nspname = ? and c.relname = ?",
                rs -> defaults.put(rs.getString(1), rs.getString(2)),
                schema,
                table);
        return defaults;
    }

    /** Index names of the schema (including those behind primary keys and unique constraints). */
    public Set<String> indexes() {
        return strings("select indexname from pg_indexes where schemaname = ? order by 1", schema);
    }

    /** Index name → its full definition (CREATE INDEX ... as pg_get_indexdef prints it). */
    public Map<String, String> indexDefinitions() {
        Map<String, String> definitions = new LinkedHashMap<>();
        query(
                "select indexname, indexdef from pg_indexes where schemaname = ?",
                rs -> definitions.put(rs.getString(1), rs.getString(2)),
                schema);
        return definitions;
    }

    /** Unique constraints and unique indexes of a table, each as its sorted column list joined by commas. */
    public Set<String> uniqueColumnSets(String table) {
        return strings(
                "select string_agg(a.attname, ',' order by a.attname) from pg_index i "
                        + "join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace "
                        + "join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey) "
                        + "where n.nspname = ? and c.relname = ? and i.indisunique group by i.indexrelid order by 1",
                schema,
                table);
    }

    /** Check constraint name → definition ("CHECK (...)"). */
    public Map<String, String> checks(String table) {
        Map<String, String> checks = new LinkedHashMap<>();
        query(
                "select con.conname, pg_get_constraintdef(con.oid) from pg_constraint con "
                        + "join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace "
                        + "where n.nspname = ? and c.relname = ? and con.contype = 'c' order by 1",
                rs -> checks.put(rs.getString(1), rs.getString(2)),
                schema,
                table);
        return checks;
    }

    /** Foreign keys of a table as "column(s) -> schema.table(column(s))". */
    public Set<String> foreignKeys(String table) {
        return strings(
                "select pg_get_constraintdef(con.oid) from pg_constraint con "
                        + "join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace "
                        + "where n.nspname = ? and c.relname = ? and con.contype = 'f' order by 1",
                schema,
                table);
    }

    /** Enum type name → its labels in order. */
    public Map<String, List<String>> enums() {
        Map<String, List<String>> enums = new LinkedHashMap<>();
        query(
                "select t.typname, e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid "
                        + "join pg_namespace n on n.oid = t.typnamespace where n.nspname = ? order by t.typname, e.enumsortorder",
                rs -> enums.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(rs.getString(2)),
                schema);
        return enums;
    }

    /** Function names of the schema. */
    public Set<String> functions() {
        return strings(
                "select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
                        + "where n.nspname = ? order by 1",
                schema);
    }

    /** Trigger names on a table (schema-qualified tables outside this schema are allowed, e.g. "auth.users"). */
    public Set<String> triggers(String table) {
        String tableSchema = table.contains(".") ? table.substring(0, table.indexOf('.')) : schema;
        String tableName = table.contains(".") ? table.substring(table.indexOf('.') + 1) : table;
        return strings(
                "select t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid "
                        + "join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relname = ? "
                        + "and not t.tgisinternal order by 1",
                tableSchema,
                tableName);
    }

    /**
     * The function this app registered with the platform's identity hook (platform.identity_provisioners,
     * keyed by the app's schema name), or null when it registered none.
     */
    public String identityProvisioner() {
        Set<String> names = strings("select function_name from platform.identity_provisioners where app = ?", schema);
        return names.isEmpty() ? null : names.iterator().next();
    }

    /** Tables of the schema with row-level security enabled. */
    public Set<String> tablesWithRowLevelSecurity() {
        return strings(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        + "where n.nspname = ? and c.relkind in ('r', 'p') and c.relrowsecurity order by 1",
                schema);
    }

    /** Policy names on a table. */
    public Set<String> policies(String table) {
        return strings(
                "select policyname from pg_policies where schemaname = ? and tablename = ? order by 1", schema, table);
    }

    private static String family(String type, String typtype) {
        if ("e".equals(typtype)) {
            return type;
        }
        return switch (type) {
            case "varchar", "text", "bpchar", "name", "citext" -> "text";
            case "int4" -> "integer";
            case "int8" -> "bigint";
            case "int2" -> "smallint";
            case "numeric" -> "numeric";
            case "float4", "float8" -> "real";
            case "bool" -> "boolean";
            default -> type;
        };
    }

    private Set<String> strings(String sql, Object... params) {
        Set<String> out = new LinkedHashSet<>();
        query(sql, rs -> out.add(rs.getString(1)), params);
        return out;
    }

    private void query(String sql, RowHandler handler, Object... params) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    handler.handle(rs);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("catalog query failed: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface RowHandler {
        void handle(ResultSet rs) throws SQLException;
    }
}
