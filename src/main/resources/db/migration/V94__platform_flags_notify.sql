-- =============================================================================================
-- V94: every server's flag cache hears of a change within a second (docs/adr/0015).
-- A statement that changes flags or segments notifies channel atelier_flags when it commits;
-- each server LISTENs on a connection of its own and reloads its snapshot.
-- =============================================================================================

CREATE FUNCTION platform.notify_flags_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('atelier_flags', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION platform.notify_flags_changed() FROM PUBLIC;

CREATE TRIGGER feature_flags_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.feature_flags
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_flags_changed();
CREATE TRIGGER flag_segments_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON platform.flag_segments
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_flags_changed();
