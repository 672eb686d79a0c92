package dev.atelier.platform.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.TreeSet;

/**
 * What migrations make of a database, as sorted lines of text: every function's definition and
 * privileges, relation, column, constraint, index, trigger, policy, comment, type, sequence,
 * schema and default privilege outside PostgreSQL's own schemas, and each table's row count. Two
 * databases with equal snapshots answer every request alike. Object ids never appear (names,
 * qualified because search_path is empty), so databases made in different orders compare.
 */
final class CatalogSnapshot {

    private static final String OWN = """
            n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
            and n.nspname not like 'pg\\_temp%'""";

    private static final String[] QUERIES = {
        // functions and procedures (aggregates have no functiondef), with their privileges and owner
        "select 'function ' || p.oid::regprocedure || ' owner ' || pg_get_userbyid(p.proowner)"
                + " || ' acl ' || " + acl("p.proacl") + " || E'\\n' || case when p.prokind in ('f', 'p')"
                + " then pg_get_functiondef(p.oid) else p.prosrc end"
                + " from pg_proc p join pg_namespace n on n.oid = p.pronamespace where " + OWN,
        "select 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' rls ' || c.relrowsecurity || '/'"
                + " || c.relforcerowsecurity || ' owner ' || pg_get_userbyid(c.relowner)"
                + " || ' acl ' || " + acl("c.relacl") + " || ' options ' || coalesce(c.reloptions::text, '-')"
                + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f', 'c') and " + OWN,
        "select 'column ' || a.attrelid::regclass || '.' || a.attname || ' #' || a.attnum || ' '"
                + " || format_type(a.atttypid, a.atttypmod) || ' notnull ' || a.attnotnull || ' default '"
                + " || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' generated ' || a.attgenerated::text"
                + " || ' identity ' || a.attidentity::text || ' acl ' || " + acl("a.attacl")
                + " from pg_attribute a join pg_class c on c.oid = a.attrelid"
                + " join pg_namespace n on n.oid = c.relnamespace"
                + " left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum"
                + " where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f', 'c')"
                + " and " + OWN,
        "select 'constraint ' || coalesce(co.conrelid::regclass::text, co.contypid::regtype::text) || ' '"
                + " || co.conname || ' ' || pg_get_constraintdef(co.oid)"
                + " from pg_constraint co join pg_namespace n on n.oid = co.connamespace where " + OWN,
        "select 'index ' || pg_get_indexdef(i.indexrelid) from pg_index i join pg_class c on c.oid = i.indexrelid"
                + " join pg_namespace n on n.oid = c.relnamespace where " + OWN,
        "select 'view ' || c.oid::regclass || ' ' || pg_get_viewdef(c.oid) from pg_class c"
                + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('v', 'm') and " + OWN,
        "select 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text from pg_trigger t"
                + " join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace"
                + " where not t.tgisinternal and " + OWN,
        "select 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive || ' '"
                + " || roles::text || ' ' || cmd || ' using ' || coalesce(qual, '-') || ' check '"
                + " || coalesce(with_check, '-') from pg_policies",
        "select 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ': ' || d.description"
                + " from pg_description d where pg_describe_object(d.classoid, d.objoid, d.objsubid) is not null"
                + " and d.objoid >= 16384",
        "select 'type ' || t.oid::regtype || ' ' || t.typtype::text || ' ' || coalesce((select string_agg(e.enumlabel,"
                + " ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '-')"
                + " from pg_type t join pg_namespace n on n.oid = t.typnamespace"
                + " where t.typtype in ('e', 'd', 'r', 'b') and t.typelem = 0 and " + OWN,
        "select 'sequence ' || s.seqrelid::regclass || ' ' || s.seqtypid::regtype || ' ' || s.seqstart || ' '"
                + " || s.seqincrement || ' ' || s.seqmax || ' ' || s.seqmin || ' ' || s.seqcache || ' '"
                + " || s.seqcycle from pg_sequence s",
        "select 'schema ' || n.nspname || ' owner ' || pg_get_userbyid(n.nspowner) || ' acl ' || " + acl("n.nspacl")
                + " from pg_namespace n where " + OWN,
        "select 'default acl ' || pg_get_userbyid(d.defaclrole) || ' '"
                + " || coalesce(d.defaclnamespace::regnamespace::text, '-') || ' ' || d.defaclobjtype::text"
                + " || ' ' || " + acl("d.defaclacl") + " from pg_default_acl d",
        "select 'extension ' || extname || ' ' || extversion || ' in ' || extnamespace::regnamespace"
                + " from pg_extension",
    };

    private CatalogSnapshot() {}

    /** Privileges in a fixed order: the order grants were made in does not change what they allow. */
    private static String acl(String column) {
        return "coalesce((select string_agg(x::text, ',' order by x::text) from unnest(" + column + ") x), '-')";
    }

    static TreeSet<String> of(Connection owner) throws SQLException {
        TreeSet<String> lines = new TreeSet<>();
        try (Statement st = owner.createStatement()) {
            st.execute("set search_path = ''");
            for (String query : QUERIES) {
                try (ResultSet rs = st.executeQuery(query)) {
                    while (rs.next()) {
                        lines.add(rs.getString(1));
                    }
                }
            }
            for (String table : tables(st)) {
                try (ResultSet rs = st.executeQuery("select count(*) from " + table)) {
                    rs.next();
                    lines.add("rows " + table + " " + rs.getLong(1));
                }
            }
            st.execute("reset search_path");
        }
        return lines;
    }

    private static TreeSet<String> tables(Statement st) throws SQLException {
        TreeSet<String> tables = new TreeSet<>();
        try (ResultSet rs = st.executeQuery("select c.oid::regclass::text from pg_class c"
                + " join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and " + OWN
                + " and c.oid <> 'platform.flyway_schema_history'::regclass")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }
}
