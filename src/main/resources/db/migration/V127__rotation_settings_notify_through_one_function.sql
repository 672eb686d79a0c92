-- =============================================================================================
-- V127: the settings triggers of V95 call V102's one notify function for any table
-- (platform.notify_table_changed, channel as argument) instead of their own copy of it; same
-- trigger names, same channel atelier_settings, same payload. V95's function goes. Since the fold
-- (docs/adr/0007-migrations.md, "Folding") V95 creates neither, so on a new database these
-- statements create the triggers and find no function to drop.
-- =============================================================================================

CREATE OR REPLACE TRIGGER settings_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.settings
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_settings');
CREATE OR REPLACE TRIGGER config_profiles_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.config_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_settings');
CREATE OR REPLACE TRIGGER maintenance_windows_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.maintenance_windows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_settings');

DROP FUNCTION IF EXISTS platform.notify_settings_changed();
