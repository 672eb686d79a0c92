/** The Data API: PostgreSQL tables, views and functions over HTTP at /rest/v1, in PostgREST's dialect. */
package dev.atelier.platform.rest;
