-- =============================================================================================
-- V102: every server's rate-limit rules hear of a change (docs/adr/0017-rate-limits.md). A
-- statement that changes platform.rate_limit_rules, or the rule columns of Rotation's
-- rotation.rate_limits, notifies channel atelier_ratelimit when it commits; each server LISTENs
-- and reloads its rules. The limiter's own writes of Rotation's state columns (current_count,
-- window_start, is_blocked, blocked_until) do not notify.
-- =============================================================================================

-- One statement-level trigger function for any table whose changes servers must hear of: the
-- channel is the trigger's argument, the payload the table's name.
CREATE FUNCTION platform.notify_table_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify(TG_ARGV[0], TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION platform.notify_table_changed() FROM PUBLIC;

CREATE TRIGGER rate_limit_rules_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON platform.rate_limit_rules
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_ratelimit');
CREATE TRIGGER rate_limits_notify
    AFTER INSERT OR DELETE OR TRUNCATE
        OR UPDATE OF identifier, identifier_type, endpoint_pattern, requests_per_window,
                     window_duration_seconds, burst_allowance
    ON rotation.rate_limits
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_ratelimit');
