package dev.atelier.platform.rest;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * SQL text and its bind values, built in textual order so the n-th {@code ?} is the n-th value.
 * Text comes only from this package's constants and from catalog identifiers through
 * {@link #ident}; everything a request supplies goes through {@link #param}.
 */
final class Sql {

    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    static Sql of(String text) {
        return new Sql().sql(text);
    }

    /** Trusted SQL text: a constant of this package, never request input. */
    Sql sql(String fragment) {
        text.append(fragment);
        return this;
    }

    /** A catalog identifier, double-quoted. */
    Sql ident(String identifier) {
        text.append(quote(identifier));
        return this;
    }

    /** {@code "schema"."name"}. */
    Sql qualified(String schema, String name) {
        return ident(schema).sql(".").ident(name);
    }

    /** A bind value: a String is sent untyped (the pool sets stringtype=unspecified), so PostgreSQL infers its type. */
    Sql param(@Nullable Object value) {
        text.append('?');
        params.add(value);
        return this;
    }

    Sql append(Sql other) {
        text.append(other.text);
        params.addAll(other.params);
        return this;
    }

    /** Appends the parts with {@code separator} between them. */
    Sql join(List<Sql> parts, String separator) {
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                sql(separator);
            }
            append(parts.get(i));
        }
        return this;
    }

    boolean isEmpty() {
        return text.length() == 0;
    }

    String text() {
        return text.toString();
    }

    List<Object> params() {
        return List.copyOf(params);
    }

    PreparedStatement prepare(java.sql.Connection connection) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(text.toString());
        bind(ps, 1);
        return ps;
    }

    /** Binds the values to the statement's parameters from index {@code first}. */
    void bind(PreparedStatement ps, int first) throws SQLException {
        int i = first;
        for (Object value : params) {
            if (value == null) {
                ps.setNull(i++, Types.VARCHAR);
            } else if (value instanceof Long l) {
                ps.setLong(i++, l);
            } else if (value instanceof Integer n) {
                ps.setInt(i++, n);
            } else {
                ps.setString(i++, value.toString());
            }
        }
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public String toString() {
        return text + " " + params;
    }
}
