package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Table;
import dev.atelier.platform.rest.Preferences.Resolution;
import dev.atelier.platform.rest.Preferences.Return;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Stage 2 for writes: what a POST, PUT, PATCH or DELETE changes, resolved against the catalog,
 * with no SQL: {@link MutationSql} renders it.
 *
 * @param columns         the columns written: the payload's keys or {@code columns=}
 * @param payload         the body as JSON text: an array for INSERT and PUT, an object for UPDATE
 * @param resolution      an upsert's resolution (PUT merges), null for a plain insert
 * @param conflictColumns the upsert's conflict target: {@code on_conflict=} or the primary key
 * @param rows            the rows' filters, order and range (UPDATE, DELETE) and the representation's shape
 * @param returning       what to answer with
 * @param counted         {@code count=exact}: the rows changed go into Content-Range
 * @param returned        the RETURNING columns, null for all (see {@link WritePlanner})
 */
record MutatePlan(
        Kind kind,
        Table table,
        List<String> columns,
        String payload,
        boolean missingDefault,
        @Nullable Resolution resolution,
        List<String> conflictColumns,
        ReadPlan rows,
        Return returning,
        boolean counted,
        @Nullable List<String> returned) {

    enum Kind {
        INSERT,
        PUT,
        UPDATE,
        DELETE
    }

    MutatePlan {
        columns = List.copyOf(columns);
        conflictColumns = List.copyOf(conflictColumns);
        returned = returned == null ? null : List.copyOf(returned);
    }

    /** An UPDATE whose payload names no column changes nothing, as in PostgREST. */
    boolean changesNothing() {
        return kind == Kind.UPDATE && columns.isEmpty();
    }
}
