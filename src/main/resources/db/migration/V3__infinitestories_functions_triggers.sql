-- InfiniteStories functions and triggers (the document's "Database Functions and Triggers" and
-- "Audit Logging" sections). Functions pin search_path = '' and qualify every name, so a caller's
-- search_path cannot redirect what a SECURITY DEFINER function touches.

-- ---------------------------------------------------------------------------------------------
-- updated_at on every table that has the column.
-- ---------------------------------------------------------------------------------------------

-- The platform's kit keeps it (V48): V49 puts its trigger on each of the four tables and makes
-- update_updated_at_column, this document's name, a thin declaration over it. The first body stood
-- here with its triggers until they were folded into V49 (docs/adr/0007-migrations.md, "Folding").

-- ---------------------------------------------------------------------------------------------
-- Play counting. SECURITY DEFINER so that recording a play updates the story even when the
-- player's role could not update that row itself.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION infinitestories.increment_play_count()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    UPDATE infinitestories.stories
    SET
        play_count = play_count + 1,
        last_played_at = pg_catalog.now()
    WHERE id = NEW.story_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER increment_play_count_on_play AFTER INSERT ON infinitestories.play_events
    FOR EACH ROW EXECUTE FUNCTION infinitestories.increment_play_count();

-- ---------------------------------------------------------------------------------------------
-- Cache clean-up. The document schedules it with pg_cron; Atelier has no pg_cron, so the server
-- calls it hourly (as service_role, the only role allowed to execute it; see V4).
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION infinitestories.cleanup_expired_cache()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    deleted_count integer;
BEGIN
    DELETE FROM infinitestories.cache_entries
    WHERE expires_at < pg_catalog.now();

    GET DIAGNOSTICS deleted_count = ROW_COUNT;
    RETURN deleted_count;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Audit trail. SECURITY DEFINER because request roles may not write audit_log themselves.
-- The document logs to_jsonb(NEW), which is NULL on DELETE; the deleted row is logged instead.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION infinitestories.audit_trigger()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    INSERT INTO infinitestories.audit_log (table_name, operation, user_id, changed_data)
    VALUES (
        TG_TABLE_NAME,
        TG_OP,
        auth.uid(),
        CASE WHEN TG_OP = 'DELETE' THEN pg_catalog.to_jsonb(OLD) ELSE pg_catalog.to_jsonb(NEW) END
    );
    RETURN NULL; -- AFTER ROW trigger: the result is ignored
END;
$$;

CREATE TRIGGER audit_heroes AFTER INSERT OR UPDATE OR DELETE ON infinitestories.heroes
    FOR EACH ROW EXECUTE FUNCTION infinitestories.audit_trigger();
CREATE TRIGGER audit_stories AFTER INSERT OR UPDATE OR DELETE ON infinitestories.stories
    FOR EACH ROW EXECUTE FUNCTION infinitestories.audit_trigger();
CREATE TRIGGER audit_story_scenes AFTER INSERT OR UPDATE OR DELETE ON infinitestories.story_scenes
    FOR EACH ROW EXECUTE FUNCTION infinitestories.audit_trigger();
CREATE TRIGGER audit_story_illustrations AFTER INSERT OR UPDATE OR DELETE ON infinitestories.story_illustrations
    FOR EACH ROW EXECUTE FUNCTION infinitestories.audit_trigger();
CREATE TRIGGER audit_custom_events AFTER INSERT OR UPDATE OR DELETE ON infinitestories.custom_events
    FOR EACH ROW EXECUTE FUNCTION infinitestories.audit_trigger();
CREATE TRIGGER audit_hero_gallery AFTER INSERT OR UPDATE OR DELETE ON infinitestories.hero_gallery
    FOR EACH ROW EXECUTE FUNCTION infinitestories.audit_trigger();
