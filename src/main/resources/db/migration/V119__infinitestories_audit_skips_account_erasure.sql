-- =============================================================================================
-- V119: deleting an account (platform.delete_user, V118) cascades through InfiniteStories'
-- heroes, stories, scenes, illustrations and events, and the audit trigger (V3) wrote every
-- deleted row into audit_log: the erasure copied the user's stories into the trail it keeps for
-- good. platform.delete_user marks its transaction while it runs (atelier.erasing_user, local to
-- the transaction); a row offered to audit_log meanwhile is dropped before it is written. The
-- trail keeps what it recorded before, with user_id removed (V115's 'anonymise').
-- docs/adr/0020-user-administration.md.
-- =============================================================================================

CREATE FUNCTION infinitestories.skip_audit_of_erasure()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    -- An account's erasure is not a change to record row by row; NULL drops the row.
    RETURN CASE WHEN coalesce(pg_catalog.current_setting('atelier.erasing_user', true), '') = '' THEN NEW END;
END;
$$;

CREATE TRIGGER audit_log_skips_erasure BEFORE INSERT ON infinitestories.audit_log
    FOR EACH ROW EXECUTE FUNCTION infinitestories.skip_audit_of_erasure();
