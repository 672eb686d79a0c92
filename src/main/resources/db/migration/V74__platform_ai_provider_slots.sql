-- =============================================================================================
-- V74: concurrency slots of the AI providers (docs/adr/0012-ai-providers.md).
--
-- A remote provider allows at most max-concurrent calls at once across every server on this
-- database. Each provider has that many numbered rows here; a call takes a free one (FOR UPDATE
-- SKIP LOCKED in a short transaction), marks it with its own token and a lease, and frees it when
-- it ends. The server renews the leases of its calls while they run, so a server that dies leaves
-- its slots taken only until their lease expires. No connection is held during a call.
-- Only service_role (the server itself) reads or writes the table; clients get nothing.
-- =============================================================================================

CREATE TABLE platform.ai_provider_slots (
    provider         text NOT NULL CHECK (pg_catalog.length(provider) BETWEEN 1 AND 100),
    slot             integer NOT NULL CHECK (slot BETWEEN 1 AND 1000),
    holder           text CHECK (pg_catalog.length(holder) <= 200),    -- the token of the call holding it
    request_id       text CHECK (pg_catalog.length(request_id) <= 200), -- the call's request (a job id), for operators
    acquired_at      timestamptz,
    lease_expires_at timestamptz,
    PRIMARY KEY (provider, slot),
    CONSTRAINT ai_provider_slots_held_is_leased CHECK ((holder IS NULL) = (lease_expires_at IS NULL))
);
-- Renewal finds a server's slots by their tokens.
CREATE INDEX ai_provider_slots_holder_idx ON platform.ai_provider_slots (holder) WHERE holder IS NOT NULL;

REVOKE ALL ON platform.ai_provider_slots FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform.ai_provider_slots TO service_role;

CALL platform.secure_table('platform.ai_provider_slots');
