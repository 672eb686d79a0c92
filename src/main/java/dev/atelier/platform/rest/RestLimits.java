package dev.atelier.platform.rest;

import org.jspecify.annotations.Nullable;

/**
 * How much one request may make the database build: rows per level of a read (PostgREST's
 * db-max-rows), entries in its select list, and bytes in its response.
 *
 * @param maxRows          the most rows a read returns at each level; a client's smaller limit wins
 * @param maxSelectItems   the most columns, stars and embeddings a select list may name, all levels
 *                         together; the columns they stand for (stars expanded) may be five times as many
 * @param maxResponseBytes the most bytes of JSON a response may carry; checked per row before the
 *                         row is built, and on the running total of the page
 * @param aggregates       whether {@code select} may use aggregate functions (PostgREST's
 *                         db-aggregates-enabled): {@code sum()}, {@code count()} ... and the GROUP BY they imply
 */
record RestLimits(long maxRows, int maxSelectItems, long maxResponseBytes, boolean aggregates) {

    static final RestLimits DEFAULTS = new RestLimits(1000, 200, 10L * 1024 * 1024);

    /** Without aggregate functions (PostgREST's db-aggregates-enabled=false, its default). */
    RestLimits(long maxRows, int maxSelectItems, long maxResponseBytes) {
        this(maxRows, maxSelectItems, maxResponseBytes, false);
    }

    /** The same bounds with aggregate functions allowed or not (atelier.rest.aggregates-enabled). */
    RestLimits withAggregates(boolean enabled) {
        return new RestLimits(maxRows, maxSelectItems, maxResponseBytes, enabled);
    }

    RestLimits {
        if (maxRows < 1 || maxSelectItems < 1 || maxResponseBytes < 1024) {
            throw new IllegalArgumentException("atelier.rest.max-rows and max-select-items must be positive, "
                    + "max-response-bytes at least 1024");
        }
    }

    /** A client's limit on one level, capped at {@link #maxRows}. */
    Long capRows(@Nullable Long requested) {
        return requested == null ? Long.valueOf(maxRows) : Long.valueOf(Math.min(requested, maxRows));
    }

    /** Output columns of all levels once stars are expanded: five times the items a request may name. */
    int maxOutputs() {
        return 5 * maxSelectItems;
    }

    ApiError tooManySelectItems(int count) {
        return ErrorCode.PGRSTX01
                .error("The select list names " + count + " columns and embeddings; at most " + maxSelectItems
                        + " are allowed")
                .withDetails("atelier.rest.max-select-items is " + maxSelectItems)
                .withHint(
                        "Select fewer columns; a column named several times under different aliases counts each time.");
    }

    ApiError tooManyOutputs(int count) {
        return ErrorCode.PGRSTX01
                .error("The select list stands for " + count + " columns once each * is expanded; at most "
                        + maxOutputs() + " are allowed")
                .withDetails("atelier.rest.max-select-items is " + maxSelectItems
                        + "; the expanded columns may be five times as many")
                .withHint("Name the columns instead of repeating *.");
    }
}
