/**
 * Cross-server invalidation: a LISTEN connection outside the request pool that reloads an
 * in-process snapshot when a channel is notified, and by time in case a notification was missed.
 */
@NullMarked
package dev.atelier.platform.notify;

import org.jspecify.annotations.NullMarked;
