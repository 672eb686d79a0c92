-- =============================================================================================
-- V95: every server's settings cache (settings, configuration profiles, maintenance windows)
-- hears of a change within a second (docs/adr/0016). A statement that changes one of the three
-- tables notifies channel atelier_settings when it commits; each server LISTENs on a connection of
-- its own (platform.notify.ChangeListener, shared with the flag cache of V94) and reloads.
-- =============================================================================================

CREATE FUNCTION platform.notify_settings_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('atelier_settings', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION platform.notify_settings_changed() FROM PUBLIC;

CREATE TRIGGER settings_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.settings
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_settings_changed();
CREATE TRIGGER config_profiles_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.config_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_settings_changed();
CREATE TRIGGER maintenance_windows_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.maintenance_windows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_settings_changed();
