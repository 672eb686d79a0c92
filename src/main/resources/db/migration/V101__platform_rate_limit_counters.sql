-- =============================================================================================
-- V101: the rate limiter's state (docs/adr/0017-rate-limits.md). One row per rule and identifier
-- (key '<rule>|<identifier>'): the count of the window that started with the key's first request
-- and ends window_seconds later. A check is one INSERT ... ON CONFLICT DO UPDATE over every key a
-- request counts against, so all servers on the database share one count per key.
-- UNLOGGED: no WAL for a table written on every limited request; a crash of PostgreSQL empties it,
-- which forgets at most one window of counts. fillfactor 70 keeps the updates HOT.
-- Only service_role reads or writes it; a periodic job removes the windows that ended.
-- =============================================================================================

CREATE UNLOGGED TABLE platform.rate_limit_counters (
    key          text PRIMARY KEY CHECK (pg_catalog.length(key) <= 600),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    hits         integer NOT NULL CHECK (hits >= 0),
    CONSTRAINT rate_limit_counters_valid_window CHECK (window_end > window_start)
) WITH (fillfactor = 70);
CREATE INDEX idx_rate_limit_counters_window_end ON platform.rate_limit_counters (window_end);

REVOKE ALL ON platform.rate_limit_counters FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform.rate_limit_counters TO service_role;
CALL platform.secure_table('platform.rate_limit_counters');
