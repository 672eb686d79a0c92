package dev.atelier.platform.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.rest.Catalog.Column;
import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Routine;
import dev.atelier.platform.rest.Catalog.Table;
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
 * GET /rest/v1/: a Swagger 2.0 description of the profile schema, shaped like PostgREST's, listing
 * only the tables, views and functions the caller's role holds privileges on (asked of PostgreSQL
 * as that role, in the request's own transaction).
 */
final class OpenApi {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static final String RELATION_PRIVILEGES = """
            select c.relname,
                   has_any_column_privilege(c.oid, 'SELECT'), has_any_column_privilege(c.oid, 'INSERT'),
                   has_any_column_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = ? and c.relkind in ('r', 'v', 'm', 'f', 'p') and has_schema_privilege(n.oid, 'USAGE')""";

    /** Per column: may the role read it, and does it hold any privilege on it at all (to write it, say). */
    private static final String COLUMN_PRIVILEGES = """
            select c.relname, a.attname, has_column_privilege(c.oid, a.attnum, 'SELECT'),
                   has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname = ? and c.relkind in ('r', 'v', 'm', 'f', 'p') and has_schema_privilege(n.oid, 'USAGE')""";

    private static final String FUNCTION_PRIVILEGES = """
            select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = ? and has_schema_privilege(n.oid, 'USAGE') and has_function_privilege(p.oid, 'EXECUTE')""";

    private final Executor executor;

    OpenApi(Executor executor) {
        this.executor = executor;
    }

    private record Privileges(boolean select, boolean insert, boolean update, boolean delete) {
        boolean any() {
            return select || insert || update || delete;
        }
    }

    Reply handle(ApiRequest req, Catalog catalog) throws SQLException {
        MediaType media = req.media;
        Map<String, Privileges> relations = new HashMap<>();
        Set<String> functions = new HashSet<>();
        Set<String> readable = new HashSet<>();
        Set<String> documented = new HashSet<>();
        executor.run(req, tx -> {
            try (PreparedStatement ps = tx.connection().prepareStatement(COLUMN_PRIVILEGES)) {
                ps.setString(1, req.schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String key = rs.getString(1) + "\u0000" + rs.getString(2);
                        if (rs.getBoolean(3)) {
                            readable.add(key);
                        }
                        if (rs.getBoolean(4)) {
                            documented.add(key);
                        }
                    }
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(RELATION_PRIVILEGES)) {
                ps.setString(1, req.schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        relations.put(
                                rs.getString(1),
                                new Privileges(rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4), rs.getBoolean(5)));
                    }
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(FUNCTION_PRIVILEGES)) {
                ps.setString(1, req.schema);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        functions.add(rs.getString(1));
                    }
                }
            }
            return Boolean.TRUE; // the work's results are the sets above
        });
        ObjectNode doc = document(
                req,
                catalog,
                relations,
                functions,
                (t, c) -> readable.contains(t.name() + "\u0000" + c.name()),
                (t, c) -> documented.contains(t.name() + "\u0000" + c.name()));
        return Responses.document(
                req,
                media == MediaType.OPENAPI ? MediaType.OPENAPI.contentType : MediaType.JSON.contentType,
                Payload.write(doc));
    }

    /**
     * @param readable   columns the role may SELECT: the only ones offered as row filters
     * @param documented columns the role holds any privilege on: the only ones a definition lists, so
     *                   that no column the role cannot use (a sealed secret, say) is even named
     */
    private ObjectNode document(
            ApiRequest req,
            Catalog catalog,
            Map<String, Privileges> relations,
            Set<String> functions,
            java.util.function.BiPredicate<Table, Column> readable,
            java.util.function.BiPredicate<Table, Column> documented) {
        ObjectNode doc = F.objectNode();
        doc.put("swagger", "2.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Atelier Data API");
        info.put("description", "The " + req.schema + " schema in PostgREST's dialect");
        info.put("version", "12");
        doc.put("host", req.host == null ? "localhost" : req.host);
        doc.put("basePath", "/rest/v1");
        doc.putArray("schemes").add(req.scheme);
        ArrayNode consumes = doc.putArray("consumes");
        consumes.add("application/json").add("application/vnd.pgrst.object+json");
        ArrayNode produces = doc.putArray("produces");
        produces.add("application/json")
                .add("application/vnd.pgrst.object+json")
                .add("text/csv");
        ObjectNode paths = doc.putObject("paths");
        ObjectNode definitions = doc.putObject("definitions");
        ObjectNode parameters = doc.putObject("parameters");
        commonParameters(parameters);

        ObjectNode root = paths.putObject("/").putObject("get");
        root.putArray("produces").add("application/openapi+json").add("application/json");
        root.putObject("responses").putObject("200").put("description", "OK");
        root.put("summary", "OpenAPI description (this document)");
        root.putArray("tags").add("Introspection");

        for (Table table : catalog.tables(req.schema)) {
            Privileges p = relations.get(table.name());
            if (p == null || !p.any()) {
                continue;
            }
            definitions.set(table.name(), definition(table, c -> documented.test(table, c)));
            List<String> filters = new ArrayList<>();
            for (Column c : table.columns().values()) {
                if (!readable.test(table, c)) {
                    continue;
                }
                String key = "rowFilter." + table.name() + "." + c.name();
                ObjectNode param = parameters.putObject(key);
                param.put("name", c.name());
                param.put("required", false);
                param.put("in", "query");
                param.put("type", "string");
                param.put("format", c.type());
                filters.add(key);
            }
            ObjectNode body = parameters.putObject("body." + table.name());
            body.put("name", table.name());
            body.put("description", table.name());
            body.put("required", false);
            body.put("in", "body");
            body.putObject("schema").put("$ref", "#/definitions/" + table.name());

            ObjectNode path = paths.putObject("/" + table.name());
            if (p.select()) {
                ObjectNode get = operation(
                        path,
                        "get",
                        table,
                        filters,
                        "select",
                        "order",
                        "range",
                        "rangeUnit",
                        "offset",
                        "limit",
                        "preferCount");
                ObjectNode ok = get.putObject("responses").putObject("200");
                ok.put("description", "OK");
                ObjectNode schema = ok.putObject("schema");
                schema.put("type", "array");
                schema.putObject("items").put("$ref", "#/definitions/" + table.name());
                get.with("responses").putObject("206").put("description", "Partial Content");
            }
            if (p.insert() && table.insertable()) {
                operation(path, "post", table, List.of("body." + table.name()), "select", "preferPost")
                        .putObject("responses")
                        .putObject("201")
                        .put("description", "Created");
            }
            if (p.update() && table.updatable()) {
                operation(path, "patch", table, withFilters("body." + table.name(), filters), "preferReturn")
                        .putObject("responses")
                        .putObject("204")
                        .put("description", "No Content");
            }
            if (p.delete() && table.deletable()) {
                operation(path, "delete", table, filters, "preferReturn")
                        .putObject("responses")
                        .putObject("204")
                        .put("description", "No Content");
            }
        }

        for (List<Routine> overloads : catalog.routines(req.schema)) {
            for (Routine r : overloads) {
                if (!functions.contains(r.signature())) {
                    continue;
                }
                ObjectNode path = paths.putObject("/rpc/" + r.name());
                ObjectNode post = path.putObject("post");
                if (r.description() != null) {
                    post.put("summary", r.description());
                }
                ArrayNode params = post.putArray("parameters");
                ObjectNode args = params.addObject();
                args.put("in", "body");
                args.put("name", "args");
                args.put("required", r.parameters().stream().anyMatch(x -> !x.hasDefault()));
                ObjectNode schema = args.putObject("schema");
                schema.put("type", "object");
                ObjectNode props = schema.putObject("properties");
                ArrayNode required = F.arrayNode();
                for (Parameter x : r.parameters()) {
                    props.set(x.name().isEmpty() ? "body" : x.name(), typeOf(x.type(), x.type()));
                    if (!x.hasDefault()) {
                        required.add(x.name());
                    }
                }
                if (!required.isEmpty()) {
                    schema.set("required", required);
                }
                params.addObject().put("$ref", "#/parameters/preferParams");
                post.putArray("produces").add("application/json").add("application/vnd.pgrst.object+json");
                post.putObject("responses").putObject("200").put("description", "OK");
                post.putArray("tags").add("(rpc) " + r.name());
                if (r.volatility() != 'v') {
                    ObjectNode get = path.putObject("get");
                    ArrayNode getParams = get.putArray("parameters");
                    for (Parameter x : r.parameters()) {
                        ObjectNode q = getParams.addObject();
                        q.put("name", x.name());
                        q.put("in", "query");
                        q.put("required", !x.hasDefault());
                        q.put("type", "string");
                        q.put("format", x.type());
                    }
                    get.putObject("responses").putObject("200").put("description", "OK");
                    get.putArray("tags").add("(rpc) " + r.name());
                }
            }
        }
        doc.putObject("externalDocs")
                .put("description", "PostgREST Documentation")
                .put("url", "https://postgrest.org/en/v12/references/api.html");
        return doc;
    }

    private static List<String> withFilters(String first, List<String> filters) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(filters);
        return all;
    }

    private static ObjectNode operation(
            ObjectNode path, String method, Table table, List<String> refs, String... common) {
        ObjectNode op = path.putObject(method);
        ArrayNode params = op.putArray("parameters");
        for (String ref : refs) {
            params.addObject().put("$ref", "#/parameters/" + ref);
        }
        for (String ref : common) {
            params.addObject().put("$ref", "#/parameters/" + ref);
        }
        if (table.description() != null) {
            op.put("summary", table.description());
        }
        op.putArray("tags").add(table.name());
        return op;
    }

    private static ObjectNode definition(Table table, java.util.function.Predicate<Column> listed) {
        ObjectNode def = F.objectNode();
        if (table.description() != null) {
            def.put("description", table.description());
        }
        ArrayNode required = F.arrayNode();
        ObjectNode props = def.putObject("properties");
        for (Column c : table.columns().values()) {
            if (!listed.test(c)) {
                continue;
            }
            ObjectNode prop = typeOf(c.type(), c.baseType());
            StringBuilder description = new StringBuilder(c.description() == null ? "" : c.description());
            if (table.primaryKey().contains(c.name())) {
                description
                        .append(description.length() == 0 ? "" : "\n\n")
                        .append("Note:\nThis is a Primary Key.<pk/>");
            }
            if (description.length() > 0) {
                prop.put("description", description.toString());
            }
            if (c.defaultExpression() != null) {
                prop.put("default", c.defaultExpression());
            }
            if (!c.enumValues().isEmpty()) {
                ArrayNode values = prop.putArray("enum");
                c.enumValues().forEach(values::add);
            }
            props.set(c.name(), prop);
            if (!c.nullable() && c.defaultExpression() == null && !c.generated()) {
                required.add(c.name());
            }
        }
        if (!required.isEmpty()) {
            def.set("required", required);
        }
        def.put("type", "object");
        return def;
    }

    /** Swagger's type and format for a PostgreSQL type, as PostgREST maps them. */
    private static ObjectNode typeOf(String declared, String base) {
        ObjectNode node = F.objectNode();
        node.put("format", declared);
        String t = base == null ? declared : base;
        if (declared.endsWith("[]") || t.startsWith("_")) {
            node.put("type", "array");
            node.putObject("items").put("type", "string");
            return node;
        }
        switch (t) {
            case "int2", "int4", "int8", "smallint", "integer", "bigint" -> node.put("type", "integer");
            case "numeric", "float4", "float8", "real", "double precision" -> node.put("type", "number");
            case "bool", "boolean" -> node.put("type", "boolean");
            case "json", "jsonb" -> {}
            default -> node.put("type", "string");
        }
        return node;
    }

    private static void commonParameters(ObjectNode parameters) {
        enumParam(parameters, "preferParams", "Prefer", "header", "params=single-object");
        enumParam(
                parameters,
                "preferReturn",
                "Prefer",
                "header",
                "return=representation",
                "return=minimal",
                "return=none");
        enumParam(parameters, "preferCount", "Prefer", "header", "count=none");
        enumParam(
                parameters,
                "preferPost",
                "Prefer",
                "header",
                "return=representation",
                "return=minimal",
                "return=none",
                "resolution=ignore-duplicates",
                "resolution=merge-duplicates");
        simpleParam(parameters, "select", "select", "query", "Filtering Columns");
        simpleParam(parameters, "on_conflict", "on_conflict", "query", "On Conflict");
        simpleParam(parameters, "order", "order", "query", "Ordering");
        simpleParam(parameters, "range", "Range", "header", "Limiting and Pagination");
        ObjectNode unit = simpleParam(parameters, "rangeUnit", "Range-Unit", "header", "Limiting and Pagination");
        unit.put("default", "items");
        simpleParam(parameters, "offset", "offset", "query", "Limiting and Pagination");
        simpleParam(parameters, "limit", "limit", "query", "Limiting and Pagination");
    }

    private static void enumParam(ObjectNode parameters, String key, String name, String in, String... values) {
        ObjectNode p = parameters.putObject(key);
        p.put("name", name);
        p.put("description", "Preference");
        p.put("required", false);
        p.put("in", in);
        p.put("type", "string");
        ArrayNode e = p.putArray("enum");
        for (String v : values) {
            e.add(v);
        }
    }

    private static ObjectNode simpleParam(
            ObjectNode parameters, String key, String name, String in, String description) {
        ObjectNode p = parameters.putObject(key);
        p.put("name", name);
        p.put("description", description);
        p.put("required", false);
        p.put("in", in);
        p.put("type", "string");
        return p;
    }
}
