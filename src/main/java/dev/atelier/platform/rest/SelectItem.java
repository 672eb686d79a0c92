package dev.atelier.platform.rest;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** One entry of {@code select=}: a column (or {@code *}) or an embedded resource with its own entries. */
sealed interface SelectItem {

    /** {@code alias:col->path::cast}; {@code field.name()} is "*" for all columns. */
    record Column(
            @Nullable String alias, Field field, @Nullable String cast) implements SelectItem {
        boolean isStar() {
            return "*".equals(field.name()) && !field.hasPath();
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
