-- =============================================================================================
-- V128: the flag triggers of V94 call V102's one notify function for any table
-- (platform.notify_table_changed, channel as argument) instead of their own copy of it, as V127
-- did for the settings; same trigger names, same channel atelier_flags, same payload. V94's
-- function goes. Since the fold (docs/adr/0007-migrations.md, "Folding") V94 creates neither, so
-- on a new database these statements create the triggers and find no function to drop.
-- =============================================================================================

CREATE OR REPLACE TRIGGER feature_flags_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation.feature_flags
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_flags');
CREATE OR REPLACE TRIGGER flag_segments_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON platform.flag_segments
    FOR EACH STATEMENT EXECUTE FUNCTION platform.notify_table_changed('atelier_flags');

DROP FUNCTION IF EXISTS platform.notify_flags_changed();
