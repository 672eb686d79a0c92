-- =============================================================================================
-- V105: a cache_config pattern can switch its caches off (docs/adr/0018-caches.md).
--
-- Issue 12 asks for cache_config patterns "(TTL, max size, enabled)"; the table (V20) has
-- ttl_seconds and max_size_mb but no way to turn a pattern's caching off. With enabled = false
-- the platform's caches (platform.cache) neither serve nor store entries whose key the pattern
-- matches, in process and in PostgreSQL alike, until it is set back; nothing else changes.
-- The pattern is also bounded: it is matched against every cached key, so a megabyte-long glob
-- would cost every cache read.
-- =============================================================================================

ALTER TABLE rotation.cache_config
    ADD COLUMN enabled boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT cache_config_pattern_bounded CHECK (length(cache_key_pattern) BETWEEN 1 AND 200);
