/**
 * Monitoring for admins: database and table sizes, connections, slow statements, index use,
 * cache hit ratios, vacuum state, the connection pool, and the documents' usage analytics (daily
 * active users, popular content, API performance per function).
 */
@NullMarked
package dev.atelier.platform.monitoring;

import org.jspecify.annotations.NullMarked;
