-- =============================================================================================
-- V73: Algorhythmic's "Data Retention Policies" as one function the job engine runs daily
-- (platform.jobs schedule algorhythmic.retention): telemetry events 30 days (rolling window),
-- finished generation jobs 7 days, art sessions unused for 90 days. Art a user saved and the
-- catalogue library are never "unused". Returns the rows removed per table.
-- Runs as its caller, service_role, whose policies and grants already allow these deletes.
-- =============================================================================================

CREATE FUNCTION algorhythmic.apply_retention()
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    telemetry integer;
    jobs      integer;
    sessions  integer;
BEGIN
    DELETE FROM algorhythmic.telemetry_events t
    WHERE t."timestamp" < pg_catalog.now() - interval '30 days';
    GET DIAGNOSTICS telemetry = ROW_COUNT;

    DELETE FROM algorhythmic.generation_jobs g
    WHERE g.status IN ('completed', 'failed', 'timeout')
      AND coalesce(g.completed_at, g.created_at) < pg_catalog.now() - interval '7 days';
    GET DIAGNOSTICS jobs = ROW_COUNT;

    DELETE FROM algorhythmic.art_sessions a
    WHERE NOT coalesce(a.is_saved, false) AND NOT coalesce(a.is_library, false)
      AND coalesce(a.last_used_at, a.created_at) < pg_catalog.now() - interval '90 days';
    GET DIAGNOSTICS sessions = ROW_COUNT;

    RETURN pg_catalog.jsonb_build_object('telemetry_events', telemetry, 'generation_jobs', jobs,
                                         'art_sessions', sessions);
END;
$$;

GRANT EXECUTE ON FUNCTION algorhythmic.apply_retention() TO service_role;
