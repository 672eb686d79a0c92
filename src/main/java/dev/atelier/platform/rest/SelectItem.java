package dev.atelier.platform.rest;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** One entry of {@code select=}: a column (or {@code *}) or an embedded resource with its own entries. */
sealed interface SelectItem {

    /**
     * {@code alias:col->path::cast}; {@code field.name()} is "*" for all columns. With an aggregate,
     * {@code alias:col::cast.sum()::aggregateCast}, or {@code alias:count()::aggregateCast} (field "*").
     */
    record Column(
            @Nullable String alias,
            Field field,
            @Nullable String cast,
            @Nullable Aggregate aggregate,
            @Nullable String aggregateCast)
            implements SelectItem {

        Column(@Nullable String alias, Field field, @Nullable String cast) {
            this(alias, field, cast, null, null);
        }

        boolean isStar() {
            return "*".equals(field.name()) && !field.hasPath() && aggregate == null;
        }
    }

    /** PostgREST's aggregate functions; {@code key()} is the JSON key of an unaliased one. */
    enum Aggregate {
        SUM,
        AVG,
        COUNT,
        MIN,
        MAX;

        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * {@code alias:relation!hint!inner(children)}; with {@code spread} ({@code ...relation(children)})
     * the children's keys go straight into the parent object.
     */
    record Embed(
            @Nullable String alias,
            String relation,
            @Nullable String hint,
            boolean inner,
            List<SelectItem> children,
            boolean spread)
            implements SelectItem {
        public Embed {
            children = List.copyOf(children);
        }

        Embed(
                @Nullable String alias,
                String relation,
                @Nullable String hint,
                boolean inner,
                List<SelectItem> children) {
            this(alias, relation, hint, inner, children, false);
        }

        /** The key it appears under in the response. */
        String key() {
            return alias != null ? alias : relation;
        }
    }
}
