-- =============================================================================================
-- V92: API keys of Unleash SDKs (docs/adr/0015-feature-flags.md). An admin creates a client key
-- (server-side SDKs: /api/client/*) or a frontend key (browser SDKs: /api/frontend); the token
-- is shown once and only its SHA-256 is kept. Only service_role reads or writes the table.
-- =============================================================================================

CREATE TABLE platform.flag_api_keys (
    id           serial PRIMARY KEY,
    name         text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    kind         text NOT NULL CHECK (kind IN ('client', 'frontend')),
    token_sha256 bytea NOT NULL UNIQUE CHECK (pg_catalog.length(token_sha256) = 32),
    token_prefix text NOT NULL CHECK (pg_catalog.length(token_prefix) <= 32), -- to tell keys apart in listings
    created_by   text CHECK (pg_catalog.length(created_by) <= 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

REVOKE ALL ON platform.flag_api_keys FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform.flag_api_keys TO service_role;
GRANT USAGE, SELECT ON SEQUENCE platform.flag_api_keys_id_seq TO service_role;

CALL platform.secure_table('platform.flag_api_keys');
