-- =============================================================================================
-- V119: deleting an account (platform.delete_user, V118) cascades through InfiniteStories'
-- heroes, stories, scenes, illustrations and events, and the audit trigger (V3) wrote every
-- deleted row into audit_log: the erasure copied the user's stories into the trail it keeps for
-- good. While platform.delete_user runs it marks its transaction (atelier.erasing_user, local to
-- the transaction); the trigger then records nothing. The trail keeps what it recorded before,
-- with user_id removed (V115's 'anonymise'). docs/adr/0020-user-administration.md.
-- =============================================================================================

CREATE OR REPLACE FUNCTION infinitestories.audit_trigger()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF coalesce(pg_catalog.current_setting('atelier.erasing_user', true), '') <> '' THEN
        RETURN NULL; -- an account's erasure is not a change to audit row by row
    END IF;
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
