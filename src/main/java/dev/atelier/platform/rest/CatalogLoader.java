package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Cardinality;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.ComputedField;
import dev.atelier.platform.rest.Catalog.ForeignKey;
import dev.atelier.platform.rest.Catalog.Function;
import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Relationship;
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
import java.util.TreeMap;

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
                         where e.enumtypid = coalesce(bt.oid, t.oid) order by e.enumsortorder),
                   a.attnum, c.oid::bigint
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
                   obj_description(p.oid, 'pg_proc'), p.provariadic <> 0,
                   an.nspname, ac.relname, p.prorows = 1, coalesce(rbt.typcategory, rt.typcategory)::text,
                   coalesce(rbt.typname, rt.typname)::text
            from pg_proc p
            join pg_namespace n on n.oid = p.pronamespace
            join pg_type rt on rt.oid = p.prorettype
            left join pg_type rbt on rt.typtype = 'd' and rbt.oid = rt.typbasetype
            left join pg_type at on p.pronargs = 1 and at.oid = p.proargtypes[0] and at.typtype = 'c'
            left join pg_class ac on ac.oid = at.typrelid and ac.relkind in ('r', 'v', 'm', 'f', 'p')
            left join pg_namespace an on an.oid = ac.relnamespace
            left join pg_class rc on rc.oid = rt.typrelid
            left join pg_namespace rn on rn.oid = rc.relnamespace
            where n.nspname = any(?) and p.prokind = 'f'
              and rt.typname not in ('trigger', 'event_trigger', 'internal', 'language_handler', 'fdw_handler',
                                     'index_am_handler', 'tsm_handler', 'table_am_handler')
            order by p.oid""";

    /** The stored query of every view in the exposed schemas, to trace its columns to base tables. */
    private static final String VIEWS = """
            select c.oid::bigint, r.ev_action::text
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_rewrite r on r.ev_class = c.oid and r.rulename = '_RETURN'
            where c.relkind in ('v', 'm') and n.nspname = any(?)""";

    /**
     * Foreign keys whose either end is one of the given relations (the base tables of views), and
     * the primary and unique keys of those relations (a view showing all of one's columns has it).
     */
    private static final String BASE_KEYS = """
            select con.conname, con.conrelid::bigint, con.conkey::int[], con.confrelid::bigint, con.confkey::int[],
                   n.nspname, c.relname, fn.nspname, fc.relname,
                   array(select a.attname::text from unnest(con.conkey) with ordinality k(num, ord)
                         join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.ord),
                   array(select a.attname::text from unnest(con.confkey) with ordinality k(num, ord)
                         join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.ord),
                   con.contype::text
            from pg_constraint con
            join pg_class c on c.oid = con.conrelid
            join pg_namespace n on n.oid = c.relnamespace
            left join pg_class fc on fc.oid = con.confrelid
            left join pg_namespace fn on fn.oid = fc.relnamespace
            where (con.contype = 'f' and (con.conrelid = any(?) or con.confrelid = any(?)))
               or (con.contype in ('p', 'u') and con.conrelid = any(?))
            order by con.conname""";

    private CatalogLoader() {}

    static Catalog load(Connection connection, List<String> schemas) throws SQLException {
        Array schemaArray = connection.createArrayOf("text", schemas.toArray());
        Map<String, TableBuilder> builders = new LinkedHashMap<>();
        Map<Long, TableBuilder> byOid = new HashMap<>();
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
                        byOid.put(rs.getLong(16), b);
                    }
                    b.attnames.put(rs.getInt(15), rs.getString(6));
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
        foreignKeys.addAll(viewForeignKeys(connection, schemaArray, byOid));
        Map<String, Table> tables = new HashMap<>();
        List<Table> tableList = new ArrayList<>();
        for (TableBuilder b : builders.values()) {
            Table t = b.build();
            tables.put(t.schema() + "\u0000" + t.name(), t);
            tableList.add(t);
        }
        List<Routine> routines = new ArrayList<>();
        List<ComputedField> computedFields = new ArrayList<>();
        List<Relationship> computedRelationships = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(FUNCTIONS)) {
            ps.setArray(1, schemaArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    routine(rs, tables).ifPresent(routines::add);
                    computed(rs, tables, computedFields, computedRelationships);
                }
            }
        }
        return new Catalog(schemas, tableList, foreignKeys, routines, computedFields, computedRelationships);
    }

    /**
     * PostgREST's computed fields and relationships: a function whose one argument is the row type
     * of an exposed relation. Returning rows of an exposed relation, it is a relationship (to-one
     * when it returns one row or is declared {@code ROWS 1}); returning a scalar, a field. Whether
     * the caller may execute it is PostgreSQL's check when the statement runs, as in PostgREST.
     */
    private static void computed(
            ResultSet rs, Map<String, Table> tables, List<ComputedField> fields, List<Relationship> relationships)
            throws SQLException {
        String argSchema = rs.getString(20);
        if (argSchema == null) {
            return;
        }
        Table source = tables.get(argSchema + "\u0000" + rs.getString(21));
        if (source == null) {
            return;
        }
        Function function = new Function(rs.getString(1), rs.getString(2));
        boolean returnsSet = rs.getBoolean(4);
        String typtype = rs.getString(7);
        if (typtype.equals("c")) {
            Table target = rs.getString(9) == null ? null : tables.get(rs.getString(9) + "\u0000" + rs.getString(10));
            if (target != null) {
                boolean toOne = !returnsSet || rs.getBoolean(22);
                relationships.add(new Relationship(
                        function.name(),
                        source,
                        target,
                        toOne ? Cardinality.MANY_TO_ONE : Cardinality.ONE_TO_MANY,
                        List.of(),
                        List.of(),
                        null,
                        function));
            }
            return;
        }
        String returnType = rs.getString(6);
        if (returnsSet || typtype.equals("p") || returnType.equals("void")) {
            return; // a set of scalars or a pseudo-type is no column
        }
        String category = rs.getString(23);
        fields.add(new ComputedField(
                source,
                function,
                new Column(
                        function.name(),
                        returnType,
                        rs.getString(24),
                        category == null || category.isEmpty() ? 'X' : category.charAt(0),
                        true,
                        null,
                        rs.getString(18),
                        true,
                        List.of())));
    }

    /**
     * PostgREST's relationships through views: each view column that is a plain reference to a
     * column (through views on views) stands for that base column, so a foreign key between two
     * base tables also joins a view over either side that shows all of its columns. The stored
     * query of a view ({@code pg_rewrite.ev_action}) names each output column's origin
     * ({@code resorigtbl}, {@code resorigcol}); the first view column showing a base column is used.
     *
     * <p>Views get their base tables' keys the same way (PostgREST's {@code addViewPrimaryKeys}): a
     * view showing every column of a base table's primary key has that key under its own column
     * names (a view over several tables, each such key, in constraint-name order), and likewise each
     * unique constraint it shows whole. One-to-one and many-to-many detection, the upsert's default
     * conflict target, PUT and OpenAPI then treat the view as its table.
     */
    private static List<ForeignKey> viewForeignKeys(
            Connection connection, Array schemaArray, Map<Long, TableBuilder> byOid) throws SQLException {
        Map<Long, Map<Integer, long[]>> origins = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement(VIEWS)) {
            ps.setArray(1, schemaArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    origins.put(rs.getLong(1), targetOrigins(rs.getString(2)));
                }
            }
        }
        // base relation -> view -> base column number -> the view's column showing it
        Map<Long, Map<Long, Map<Integer, String>>> shown = new HashMap<>();
        for (Map.Entry<Long, Map<Integer, long[]>> view : origins.entrySet()) {
            TableBuilder v = byOid.get(view.getKey());
            if (v == null) {
                continue;
            }
            for (Map.Entry<Integer, long[]> column : view.getValue().entrySet()) {
                long[] origin = column.getValue();
                for (int hops = 0; origin != null && origins.containsKey(origin[0]) && hops < 32; hops++) {
                    origin = origins.get(origin[0]).get((int) origin[1]); // a view on a view: follow it down
                }
                String name = v.attnames.get(column.getKey());
                if (origin == null || name == null) {
                    continue;
                }
                shown.computeIfAbsent(origin[0], o -> new HashMap<>())
                        .computeIfAbsent(view.getKey(), o -> new HashMap<>())
                        .putIfAbsent((int) origin[1], name);
            }
        }
        if (shown.isEmpty()) {
            return List.of();
        }
        Array oids = connection.createArrayOf("int8", shown.keySet().toArray());
        List<ForeignKey> keys = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(BASE_KEYS)) {
            ps.setArray(1, oids);
            ps.setArray(2, oids);
            ps.setArray(3, oids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String type = rs.getString(12);
                    if (!type.equals("f")) {
                        viewKeys(shown.getOrDefault(rs.getLong(2), Map.of()), ints(rs.getArray(3)), type, byOid);
                        continue;
                    }
                    List<String[]> children = sides(
                            rs.getLong(2),
                            ints(rs.getArray(3)),
                            rs.getString(6),
                            rs.getString(7),
                            strings(rs.getArray(10)),
                            byOid,
                            shown);
                    List<String[]> parents = sides(
                            rs.getLong(4),
                            ints(rs.getArray(5)),
                            rs.getString(8),
                            rs.getString(9),
                            strings(rs.getArray(11)),
                            byOid,
                            shown);
                    for (int c = 0; c < children.size(); c++) {
                        for (int p = 0; p < parents.size(); p++) {
                            String[] child = children.get(c);
                            String[] parent = parents.get(p);
                            if (child[0].equals("t") && parent[0].equals("t")) {
                                continue; // table to table: the foreign key itself, loaded with the keys
                            }
                            keys.add(new ForeignKey(
                                    rs.getString(1),
                                    child[1],
                                    child[2],
                                    List.of(child).subList(3, child.length),
                                    parent[1],
                                    parent[2],
                                    List.of(parent).subList(3, parent.length)));
                        }
                    }
                }
            }
        }
        return keys;
    }

    /** Gives every view that shows all of a base table's primary ({@code p}) or unique key that key. */
    private static void viewKeys(
            Map<Long, Map<Integer, String>> views, List<Integer> attnums, String type, Map<Long, TableBuilder> byOid) {
        for (Map.Entry<Long, Map<Integer, String>> view : views.entrySet()) {
            TableBuilder v = byOid.get(view.getKey());
            if (v == null || attnums.isEmpty() || !view.getValue().keySet().containsAll(attnums)) {
                continue; // a partial key is no key
            }
            List<String> columns = new ArrayList<>(attnums.size());
            for (int attnum : attnums) {
                columns.add(view.getValue().get(attnum));
            }
            if (type.equals("p")) {
                List<String> key = new ArrayList<>(v.primaryKey);
                key.addAll(columns);
                v.primaryKey = key;
            } else {
                v.uniqueKeys.add(Set.copyOf(columns));
            }
        }
    }

    /**
     * The relations one end of a foreign key can be seen as: the table itself when exposed, and every
     * exposed view showing all of its columns. Each as {"t" (table) or "v" (view), schema, name, columns...}.
     */
    private static List<String[]> sides(
            long oid,
            List<Integer> attnums,
            String schema,
            String name,
            List<String> columns,
            Map<Long, TableBuilder> byOid,
            Map<Long, Map<Long, Map<Integer, String>>> shown) {
        List<String[]> sides = new ArrayList<>();
        if (byOid.containsKey(oid)) {
            List<String> side = new ArrayList<>(List.of("t", schema, name));
            side.addAll(columns);
            sides.add(side.toArray(new String[0]));
        }
        for (Map.Entry<Long, Map<Integer, String>> view :
                shown.getOrDefault(oid, Map.of()).entrySet()) {
            TableBuilder v = byOid.get(view.getKey());
            if (v == null || !view.getValue().keySet().containsAll(attnums)) {
                continue; // a view must show every column of the key
            }
            List<String> side = new ArrayList<>(List.of("v", v.schema, v.name));
            for (int attnum : attnums) {
                side.add(view.getValue().get(attnum));
            }
            sides.add(side.toArray(new String[0]));
        }
        return sides;
    }

    /**
     * The origin of each output column of a view's stored query (pg_node_tree text): view column
     * number to {relation oid, column number}, for the columns that are plain column references.
     * Only the top query's target list is read; escaped characters ({@code \(}) are skipped.
     */
    static Map<Integer, long[]> targetOrigins(String tree) {
        Map<Integer, long[]> origins = new TreeMap<>(); // by view column number: the first showing a column wins
        int braces = 0;
        int parens = 0;
        int listParens = -1; // the paren depth inside the top query's target list, while in it
        boolean listNext = false;
        List<String> entry = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        for (int i = 0; i <= tree.length(); i++) {
            char ch = i < tree.length() ? tree.charAt(i) : ' ';
            if (ch == '\\' && i + 1 < tree.length()) {
                token.append(tree.charAt(++i));
                continue;
            }
            boolean structural = ch == '{' || ch == '}' || ch == '(' || ch == ')';
            if (!structural && !Character.isWhitespace(ch)) {
                token.append(ch);
                continue;
            }
            if (!token.isEmpty()) {
                String t = token.toString();
                token.setLength(0);
                if (braces == 1 && parens == 1) {
                    if (listNext && t.equals("<>")) {
                        return origins; // no target list
                    }
                    listNext = t.equals(":targetList");
                } else if (listParens > 0 && braces == 2) {
                    entry.add(t);
                }
            }
            switch (ch) {
                case '{' -> {
                    braces++;
                    if (listParens > 0 && braces == 2) {
                        entry.clear();
                    }
                }
                case '}' -> {
                    if (listParens > 0 && braces == 2) {
                        targetEntry(entry, origins);
                    }
                    braces--;
                }
                case '(' -> {
                    parens++;
                    if (listNext && braces == 1) {
                        listParens = parens;
                        listNext = false;
                    }
                }
                case ')' -> {
                    parens--;
                    if (listParens > 0 && parens < listParens) {
                        return origins;
                    }
                }
                default -> {}
            }
        }
        return origins;
    }

    private static void targetEntry(List<String> tokens, Map<Integer, long[]> origins) {
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i).startsWith(":")) {
                fields.put(tokens.get(i), tokens.get(i + 1));
            }
        }
        try {
            int resno = Integer.parseInt(fields.getOrDefault(":resno", "0"));
            long table = Long.parseLong(fields.getOrDefault(":resorigtbl", "0"));
            long column = Long.parseLong(fields.getOrDefault(":resorigcol", "0"));
            if (resno > 0 && table != 0 && column > 0 && !"true".equals(fields.get(":resjunk"))) {
                origins.put(resno, new long[] {table, column});
            }
        } catch (NumberFormatException e) {
            // not a column reference we can follow
        }
    }

    private static List<Integer> ints(Array array) throws SQLException {
        List<Integer> out = new ArrayList<>();
        for (String s : strings(array)) {
            out.add(Integer.parseInt(s));
        }
        return out;
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

    static final class TableBuilder {
        final String schema;
        final String name;
        final char kind;
        final String description;
        final int updatableFlags;
        final Map<String, Column> columns = new LinkedHashMap<>();
        final Map<Integer, String> attnames = new HashMap<>();
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
