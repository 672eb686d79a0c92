-- =============================================================================================
-- V91: Unleash segments for the platform's flag engine (docs/adr/0015-feature-flags.md): a
-- named list of constraints that strategies refer to by id ("segments": [id, ...]). Served in
-- /api/client/features as Unleash's client API has them. Only service_role reads or writes it;
-- the admin endpoints check that the caller is an admin before they do.
-- =============================================================================================

CREATE TABLE platform.flag_segments (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (pg_catalog.length(name) BETWEEN 1 AND 200),
    description text CHECK (pg_catalog.length(description) <= 2000),
    constraints jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (pg_catalog.jsonb_typeof(constraints) = 'array' AND pg_catalog.octet_length(constraints::text) <= 65536),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

REVOKE ALL ON platform.flag_segments FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform.flag_segments TO service_role;
GRANT USAGE, SELECT ON SEQUENCE platform.flag_segments_id_seq TO service_role;

CALL platform.secure_table('platform.flag_segments');
CALL platform.keep_updated_at('platform.flag_segments');
