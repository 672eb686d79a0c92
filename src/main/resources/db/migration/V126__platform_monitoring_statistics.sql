-- =============================================================================================
-- V126: what the admins' monitoring endpoints read (issue 13; /api/v1/admin/monitoring).
-- * pg_stat_statements, in a schema of its own that no client role may use, where it can be
--   created: the embedded server preloads it; on another server it needs a superuser and
--   shared_preload_libraries, and without them the slow-query view says it is unavailable.
-- * pg_read_all_stats for service_role, so that the monitoring queries (run as the service role
--   after the caller was found to be the service role or an admin) see every session and
--   statement, not only the service role's own. A database owner without the right to grant it
--   gets a notice, and the views show what the service role may see.
-- * Daily active users are counted from when sessions were refreshed: the service role may read
--   who and when of auth.refresh_tokens, never the token hashes.
-- =============================================================================================

CREATE SCHEMA IF NOT EXISTS monitoring;
REVOKE ALL ON SCHEMA monitoring FROM PUBLIC;
GRANT USAGE ON SCHEMA monitoring TO service_role;

DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA monitoring;
    -- V47's default privileges kept EXECUTE from PUBLIC on the functions behind its views.
    EXECUTE 'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA monitoring TO service_role';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_stat_statements not installed (%): the slow-query view is unavailable', SQLERRM;
END
$$;

-- service_role is NOINHERIT (V1); from PostgreSQL 16 on, a predefined role's privileges need the
-- membership to inherit (WITH INHERIT TRUE, a syntax 15 lacks; 15 checks membership alone).
DO $$
BEGIN
    BEGIN
        EXECUTE 'GRANT pg_read_all_stats TO service_role WITH INHERIT TRUE';
    EXCEPTION WHEN syntax_error THEN
        EXECUTE 'GRANT pg_read_all_stats TO service_role';
    END;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_read_all_stats not granted to service_role (%): monitoring sees less', SQLERRM;
END
$$;

GRANT SELECT (user_id, created_at) ON auth.refresh_tokens TO service_role;
