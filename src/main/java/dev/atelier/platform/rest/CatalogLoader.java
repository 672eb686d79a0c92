package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.ForeignKey;
import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Routine;
import dev.atelier.platform.rest.Catalog.Table;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the exposed schemas out of pg_catalog in three queries: relations and columns, keys,
 * functions. Partitions are left out (their parent is the resource), as PostgREST leaves them out.
 */
final class CatalogLoader {

    private static final String COLUMNS = """
            select n.nspname, c.relname, c.relkind::text, obj_description(c.oid, 'pg_class'),
                   pg_relation_is_updatable(c.oid::regclass, true),
                   a.attname, format_type(a.atttypid, a.atttypmod), coalesce(bt.typname, t.typname)::text,
                   coalesce(bt.typcategory, t.typcategory)::text, a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum),
                   (a.attgenerated <> '' or a.attidentity = 'a'),
                   array(select e.enumlabel::text from pg_enum e
                         where e.enumtypid = coalesce(bt.oid, t.oid) order by e.enumsortorder)
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            join pg_type t on t.oid = a.atttypid
            left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
            left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
            where c.relkind in ('r', 'v', 'm', 'f', 'p') and not c.relispartition and n.nspname = any(?)
            order by n.nspname, c.relname, a.attnum""";

    private static final String KEYS = """
            select n.nspname, c.relname, con.conname, con.contype::text,
                   array(select a.attname::text from unnest(con.conkey) with ordinality k(num, ord)
                         join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.ord),
                   fn.nspname, fc.relname,
                   array(select a.attname::text from unnest(con.confkey) with ordinality k(num, ord)
                         join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.ord)
            from pg_constraint con
            join pg_class c on c.oid = con.conrelid
            join pg_namespace n on n.oid = c.relnamespace
            left join pg_class fc on fc.oid = con.confrelid
            left join pg_namespace fn on fn.oid = fc.relnamespace
            where con.contype in ('p', 'u', 'f') and n.nspname = any(?)
            order by con.conname""";

    private static final String FUNCTIONS = """
            select n.nspname, p.proname, p.oid::regprocedure::text, p.proretset, p.provolatile::text,
                   format_type(p.prorettype, null), rt.typtype::text, rt.typname::text,
                   rn.nspname, rc.relname, p.pronargs, p.pronargdefaults,
                   coalesce(p.proargnames, '{}')::text[], coalesce(p.proargmodes::text[], '{}'),
                   array(select format_type(u.t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]))
                         with ordinality u(t, o) order by u.o),
                   array(select a.attname::text from pg_attribute a
                         where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum),
                   array(select format_type(a.atttypid, a.atttypmod) from pg_attribute a
                         where a.attrelid = rt.typrelid and a.attnum > 0 and not a.attisdropped order by a.attnum),
                   obj_description(p.oid, 'pg_proc'), p.provariadic <> 0
            from pg_proc p
            join pg_namespace n on n.oid = p.pronamespace
            join pg_type rt on rt.oid = p.prorettype
            left join pg_class rc on rc.oid = rt.typrelid
            left join pg_namespace rn on rn.oid = rc.relnamespace
            where n.nspname = any(?) and p.prokind = 'f'
              and rt.typname not in ('trigger', 'event_trigger', 'internal', 'language_handler', 'fdw_handler',
                                     'index_am_handler', 'tsm_handler', 'table_am_handler')
            order by p.oid""";

    private CatalogLoader() {}

    static Catalog load(Connection connection, List<String> schemas) throws SQLException {
        Array schemaArray = connection.createArrayOf("text", schemas.toArray());
        Map<String, TableBuilder> builders = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS)) {
            ps.setArray(1, schemaArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1) + "\u0000" + rs.getString(2);
                    TableBuilder b = builders.get(key);
                    if (b == null) {
                        b = new TableBuilder(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3).charAt(0),
                                rs.getString(4),
                                rs.getInt(5));
                        builders.put(key, b);
                    }
                    String category = rs.getString(9);
                    b.columns.put(
                            rs.getString(6),
                            new Column(
                                    rs.getString(6),
                                    rs.getString(7),
                                    rs.getString(8),
                                    category == null || category.isEmpty() ? 'X' : category.charAt(0),
                                    !rs.getBoolean(10),
                                    rs.getString(11),
                                    rs.getString(12),
                                    rs.getBoolean(13),
                                    strings(rs.getArray(14))));
                }
            }
        }
        List<ForeignKey> foreignKeys = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(KEYS)) {
            ps.setArray(1, schemaArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TableBuilder b = builders.get(rs.getString(1) + "\u0000" + rs.getString(2));
                    List<String> cols = strings(rs.getArray(5));
                    switch (rs.getString(4)) {
                        case "p" -> {
                            if (b != null) {
                                b.primaryKey = cols;
                            }
                        }
                        case "u" -> {
                            if (b != null) {
                                b.uniqueKeys.add(Set.copyOf(cols));
                            }
                        }
                        default -> {
                            if (rs.getString(6) != null) {
                                foreignKeys.add(new ForeignKey(
                                        rs.getString(3),
                                        rs.getString(1),
                                        rs.getString(2),
                                        cols,
                                        rs.getString(6),
                                        rs.getString(7),
                                        strings(rs.getArray(8))));
                            }
                        }
                    }
                }
            }
        }
        Map<String, Table> tables = new HashMap<>();
        List<Table> tableList = new ArrayList<>();
        for (TableBuilder b : builders.values()) {
            Table t = b.build();
            tables.put(t.schema() + "\u0000" + t.name(), t);
            tableList.add(t);
        }
        List<Routine> routines = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(FUNCTIONS)) {
            ps.setArray(1, schemaArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    routine(rs, tables).ifPresent(routines::add);
                }
            }
        }
        return new Catalog(schemas, tableList, foreignKeys, routines);
    }

    /** Empty for functions the API cannot call: pseudo-typed or unnamed parameters (bar a single json one). */
    private static Optional<Routine> routine(ResultSet rs, Map<String, Table> tables) throws SQLException {
        String schema = rs.getString(1);
        String name = rs.getString(2);
        boolean returnsSet = rs.getBoolean(4);
        String returnType = rs.getString(6);
        String typtype = rs.getString(7);
        int inputCount = rs.getInt(11);
        int defaults = rs.getInt(12);
        List<String> names = strings(rs.getArray(13));
        List<String> modes = strings(rs.getArray(14));
        List<String> types = strings(rs.getArray(15));
        List<Parameter> inputs = new ArrayList<>();
        List<Column> outputs = new ArrayList<>();
        int inputIndex = 0;
        for (int i = 0; i < types.size(); i++) {
            String mode = modes.isEmpty() ? "i" : modes.get(i);
            String argName = i < names.size() ? names.get(i) : "";
            String type = types.get(i);
            if (mode.equals("i") || mode.equals("b") || mode.equals("v")) {
                if (type.equals("internal") || type.startsWith("any")) { // polymorphic: no type to bind to
                    return Optional.empty();
                }
                boolean hasDefault = inputIndex >= inputCount - defaults;
                inputs.add(new Parameter(argName, type, hasDefault, mode.equals("v")));
                inputIndex++;
            }
            if (mode.equals("o") || mode.equals("b") || mode.equals("t")) {
                outputs.add(new Column(argName, type, type, 'X', true, null, null, false, List.of()));
            }
        }
        boolean unnamed = inputs.stream().anyMatch(p -> p.name().isEmpty());
        if (unnamed
                && !(inputs.size() == 1
                        && (inputs.get(0).type().equals("json")
                                || inputs.get(0).type().equals("jsonb")))) {
            return Optional.empty();
        }
        Table resultTable = null;
        List<Column> resultColumns;
        boolean composite;
        if (typtype.equals("c")) {
            composite = true;
            resultTable = rs.getString(9) == null ? null : tables.get(rs.getString(9) + "\u0000" + rs.getString(10));
            if (resultTable != null) {
                resultColumns = List.copyOf(resultTable.columns().values());
            } else {
                List<String> attNames = strings(rs.getArray(16));
                List<String> attTypes = strings(rs.getArray(17));
                resultColumns = new ArrayList<>();
                for (int i = 0; i < attNames.size(); i++) {
                    resultColumns.add(new Column(
                            attNames.get(i),
                            attTypes.get(i),
                            attTypes.get(i),
                            'X',
                            true,
                            null,
                            null,
                            false,
                            List.of()));
                }
            }
        } else if (returnType.equals("record") && !outputs.isEmpty()) {
            composite = true;
            resultColumns = outputs;
        } else if (returnType.equals("record")) {
            return Optional.empty(); // an untyped record: its columns are unknowable until called
        } else {
            composite = false;
            resultColumns = List.of();
        }
        return Optional.of(new Routine(
                schema,
                name,
                rs.getString(3),
                List.copyOf(inputs),
                returnType,
                returnsSet,
                returnType.equals("void"),
                composite,
                List.copyOf(resultColumns),
                resultTable,
                rs.getString(5).charAt(0),
                rs.getString(18)));
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        Object[] values = (Object[]) array.getArray();
        List<String> out = new ArrayList<>(values.length);
        for (Object v : values) {
            out.add(v == null ? "" : v.toString());
        }
        return out;
    }

    private static final class TableBuilder {
        final String schema;
        final String name;
        final char kind;
        final String description;
        final int updatableFlags;
        final Map<String, Column> columns = new LinkedHashMap<>();
        List<String> primaryKey = List.of();
        final List<Set<String>> uniqueKeys = new ArrayList<>();

        TableBuilder(String schema, String name, char kind, String description, int updatableFlags) {
            this.schema = schema;
            this.name = name;
            this.kind = kind;
            this.description = description;
            this.updatableFlags = updatableFlags;
        }

        Table build() {
            // pg_relation_is_updatable's bits: 1 << CMD_UPDATE (4), 1 << CMD_INSERT (8), 1 << CMD_DELETE (16).
            return new Table(
                    schema,
                    name,
                    kind,
                    (updatableFlags & 8) != 0,
                    (updatableFlags & 4) != 0,
                    (updatableFlags & 16) != 0,
                    description,
                    java.util.Collections.unmodifiableMap(columns),
                    List.copyOf(primaryKey),
                    List.copyOf(uniqueKeys));
        }
    }
}
