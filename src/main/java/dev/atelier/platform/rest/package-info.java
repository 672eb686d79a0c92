/** The Data API: PostgreSQL tables, views and functions over HTTP at /rest/v1, in PostgREST's dialect. */
@NullMarked
package dev.atelier.platform.rest;

import org.jspecify.annotations.NullMarked;
