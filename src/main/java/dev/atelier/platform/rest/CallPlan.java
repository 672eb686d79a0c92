package dev.atelier.platform.rest;

import dev.atelier.platform.rest.Catalog.Parameter;
import dev.atelier.platform.rest.Catalog.Routine;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Stage 2 for /rpc: the function chosen among its overloads, how it is called and what its result
 * is, with no SQL: {@link RpcSql} renders it.
 *
 * @param arguments    the parameters the request gives, called by name
 * @param argumentJson the arguments as one JSON object, or (single-object) the whole body
 * @param singleObject the whole body is the function's one json/jsonb argument
 * @param readOnly     called by GET or HEAD: a read-only transaction, as in PostgREST
 * @param rowPlan      a composite result's select, filters, order and range; null for the others
 * @param rowRange     the rows asked for, for set-returning functions; null for single results
 */
record CallPlan(
        Routine routine,
        Result result,
        List<Parameter> arguments,
        String argumentJson,
        boolean singleObject,
        boolean readOnly,
        @Nullable ReadPlan rowPlan,
        @Nullable RangeSpec rowRange) {

    /** What a function returns, which decides the statement and the response. */
    enum Result {
        VOID,
        SCALAR,
        SCALAR_SET,
        COMPOSITE,
        COMPOSITE_SET
    }

    CallPlan {
        arguments = List.copyOf(arguments);
    }

    ReadPlan rows() {
        if (rowPlan == null) {
            throw new IllegalStateException(result + " has no rows to plan");
        }
        return rowPlan;
    }

    RangeSpec range() {
        if (rowRange == null) {
            throw new IllegalStateException(result + " is a single value");
        }
        return rowRange;
    }
}
