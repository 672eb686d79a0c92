package dev.atelier.platform.rest;

import java.util.List;

/**
 * A column reference from the query string, optionally followed by a JSON path
 * ({@code data->a->>b}, {@code data->0}).
 */
record Field(String name, List<JsonStep> path) {

    Field {
        path = List.copyOf(path);
    }

    static Field of(String name) {
        return new Field(name, List.of());
    }

    boolean hasPath() {
        return !path.isEmpty();
    }

    /**
     * The key PostgREST gives a JSON-path selection without an alias: the last key of the path,
     * or the column name when the path ends in array indexes only.
     */
    String defaultKey() {
        for (int i = path.size() - 1; i >= 0; i--) {
            if (!path.get(i).index()) {
                return path.get(i).key();
            }
        }
        return name;
    }

    /** One {@code ->} / {@code ->>} step; {@code index} when the operand is an integer. */
    record JsonStep(boolean asText, String key, boolean index) {}
}
