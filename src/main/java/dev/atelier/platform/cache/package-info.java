/**
 * Caches: Caffeine in process for what may differ briefly between servers, PostgreSQL tables for
 * what every server must agree on, both governed by {@code rotation.cache_config} and counted.
 */
@NullMarked
package dev.atelier.platform.cache;

import org.jspecify.annotations.NullMarked;
