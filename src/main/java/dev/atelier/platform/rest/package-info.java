/**
 * The Data API: PostgreSQL tables, views and functions over HTTP at /rest/v1, in PostgREST's dialect.
 *
 * <p>A request passes four stages (ADR 0023): the request ({@code ApiRequest}, parsed once), the
 * plan ({@code ReadPlanner}/{@code ReadPlan}, {@code WritePlanner}/{@code MutatePlan},
 * {@code CallPlanner}/{@code CallPlan}: no SQL), the SQL ({@code ReadSql}, {@code MutationSql},
 * {@code RpcSql}) and the response ({@code Responses}; errors from {@code ErrorCode}).
 */
@NullMarked
package dev.atelier.platform.rest;

import org.jspecify.annotations.NullMarked;
