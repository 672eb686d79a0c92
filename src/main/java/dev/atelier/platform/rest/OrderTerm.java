package dev.atelier.platform.rest;

import org.jspecify.annotations.Nullable;

/**
 * One entry of {@code order=}: a field of the resource itself, or of a to-one embedded resource
 * ({@code relation(field)}), with optional direction and null placement.
 */
record OrderTerm(
        @Nullable String relation,
        Field field,
        @Nullable Direction direction,
        @Nullable Nulls nulls) {

    enum Direction {
        ASC,
        DESC
    }

    enum Nulls {
        FIRST,
        LAST
    }
}
