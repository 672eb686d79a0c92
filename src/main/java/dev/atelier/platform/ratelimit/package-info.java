/** The platform's rate limiter: rules by identifier and endpoint, counted in PostgreSQL for every server on the database. */
@NullMarked
package dev.atelier.platform.ratelimit;

import org.jspecify.annotations.NullMarked;
