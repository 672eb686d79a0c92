package dev.atelier.platform.rest;

/**
 * One entry of {@code order=}: a field of the resource itself, or of a to-one embedded resource
 * ({@code relation(field)}), with optional direction and null placement.
 */
record OrderTerm(String relation, Field field, Direction direction, Nulls nulls) {

    enum Direction { ASC, DESC }

    enum Nulls { FIRST, LAST }
}
