-- MoodScale grants and row-level security. The access table is in docs/apps/moodscale.md.
-- Own rows are compared through the app user id: (select moodscale.current_user_id()) is
-- evaluated once per statement (an InitPlan), and every user_id a policy compares is the leading
-- column of an index (V30). users rows are compared through auth_user_id (UNIQUE, so indexed).
-- Admin policies use (select moodscale.is_admin()).
--
-- Who writes what:
--   users                 created by the sign-up trigger; a user renames themselves; the server
--                         (service_role) writes spotify_id and the sealed tokens; the role
--                         column is writable by service_role only, so nobody makes themselves admin.
--   mood_entries          the user's journal: full read/write of their own rows.
--   music_analysis,
--   recommendations,
--   personality_insights  AI output the server produces with the user's Spotify token (which only
--                         it can read): the user reads and deletes their own rows, the app admin
--                         reads and deletes anyone's (reviewing and removing bad AI output), only
--                         the server writes them.
-- The app admin does not read other people's mood entries: the journal is the user's own words.

GRANT USAGE ON SCHEMA moodscale TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Table and column privileges. anon gets nothing: MoodScale has no public catalogue.
-- ---------------------------------------------------------------------------------------------

-- The sealed tokens and their key id are for the server only: no SELECT, INSERT or UPDATE on
-- them for authenticated. A data API read must therefore name its columns (select=*
-- expands to every column and is refused with 42501, as PostgREST does).
GRANT SELECT (id, auth_user_id, username, spotify_id, spotify_token_expires_at, role, created_at)
    ON moodscale.users TO authenticated;
GRANT UPDATE (username) ON moodscale.users TO authenticated;

-- Column lists leave out id: a client choosing a serial id could take the one the sequence
-- hands to somebody else next and make their insert fail.
GRANT SELECT, DELETE ON moodscale.mood_entries TO authenticated;
GRANT INSERT (user_id, mood_score, emotions, notes, created_at) ON moodscale.mood_entries TO authenticated;
GRANT UPDATE (mood_score, emotions, notes) ON moodscale.mood_entries TO authenticated;
GRANT USAGE ON SEQUENCE moodscale.mood_entries_id_seq TO authenticated;

GRANT SELECT, DELETE ON moodscale.music_analysis, moodscale.recommendations,
    moodscale.personality_insights TO authenticated;

GRANT ALL ON ALL TABLES IN SCHEMA moodscale TO service_role;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA moodscale TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Functions. current_user_id and is_admin are part of mood_entries' default and of the
-- policies, and useful through rpc (a client learns its app user id); anon may call them too
-- (both answer NULL / false without a signed-in identity). The identity functions run as the
-- owner only.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION moodscale.current_user_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION moodscale.is_admin() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION moodscale.current_user_id() TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION moodscale.is_admin() TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Row-level security on every table.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE moodscale.users                ENABLE ROW LEVEL SECURITY;
ALTER TABLE moodscale.mood_entries         ENABLE ROW LEVEL SECURITY;
ALTER TABLE moodscale.music_analysis       ENABLE ROW LEVEL SECURITY;
ALTER TABLE moodscale.recommendations      ENABLE ROW LEVEL SECURITY;
ALTER TABLE moodscale.personality_insights ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------------------------
-- users: a user sees and renames their own row; the app admin sees every row (the columns
-- granted above, never the tokens). No INSERT or DELETE policy: rows come and go with the
-- identity (sign-up trigger, ON DELETE CASCADE from auth.users).
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own profile" ON moodscale.users
    FOR SELECT TO authenticated
    USING (auth_user_id = (select auth.uid()));

CREATE POLICY "Admins can view all users" ON moodscale.users
    FOR SELECT TO authenticated
    USING ((select moodscale.is_admin()));

CREATE POLICY "Users can update own profile" ON moodscale.users
    FOR UPDATE TO authenticated
    USING (auth_user_id = (select auth.uid()))
    WITH CHECK (auth_user_id = (select auth.uid()));

-- ---------------------------------------------------------------------------------------------
-- mood_entries: own rows only. The INSERT check is what makes the column default safe: a
-- client that sends another user_id is refused (42501).
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own mood entries" ON moodscale.mood_entries
    FOR SELECT TO authenticated
    USING (user_id = (select moodscale.current_user_id()));

CREATE POLICY "Users can insert own mood entries" ON moodscale.mood_entries
    FOR INSERT TO authenticated
    WITH CHECK (user_id = (select moodscale.current_user_id()));

CREATE POLICY "Users can update own mood entries" ON moodscale.mood_entries
    FOR UPDATE TO authenticated
    USING (user_id = (select moodscale.current_user_id()))
    WITH CHECK (user_id = (select moodscale.current_user_id()));

CREATE POLICY "Users can delete own mood entries" ON moodscale.mood_entries
    FOR DELETE TO authenticated
    USING (user_id = (select moodscale.current_user_id()));

-- ---------------------------------------------------------------------------------------------
-- AI output: the owner and the app admin read and delete; nobody but the server writes.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own music analysis" ON moodscale.music_analysis
    FOR SELECT TO authenticated
    USING (user_id = (select moodscale.current_user_id()));
CREATE POLICY "Users can delete own music analysis" ON moodscale.music_analysis
    FOR DELETE TO authenticated
    USING (user_id = (select moodscale.current_user_id()));
CREATE POLICY "Admins can view all music analysis" ON moodscale.music_analysis
    FOR SELECT TO authenticated
    USING ((select moodscale.is_admin()));
CREATE POLICY "Admins can delete any music analysis" ON moodscale.music_analysis
    FOR DELETE TO authenticated
    USING ((select moodscale.is_admin()));

CREATE POLICY "Users can view own recommendations" ON moodscale.recommendations
    FOR SELECT TO authenticated
    USING (user_id = (select moodscale.current_user_id()));
CREATE POLICY "Users can delete own recommendations" ON moodscale.recommendations
    FOR DELETE TO authenticated
    USING (user_id = (select moodscale.current_user_id()));
CREATE POLICY "Admins can view all recommendations" ON moodscale.recommendations
    FOR SELECT TO authenticated
    USING ((select moodscale.is_admin()));
CREATE POLICY "Admins can delete any recommendations" ON moodscale.recommendations
    FOR DELETE TO authenticated
    USING ((select moodscale.is_admin()));

CREATE POLICY "Users can view own personality insights" ON moodscale.personality_insights
    FOR SELECT TO authenticated
    USING (user_id = (select moodscale.current_user_id()));
CREATE POLICY "Users can delete own personality insights" ON moodscale.personality_insights
    FOR DELETE TO authenticated
    USING (user_id = (select moodscale.current_user_id()));
CREATE POLICY "Admins can view all personality insights" ON moodscale.personality_insights
    FOR SELECT TO authenticated
    USING ((select moodscale.is_admin()));
CREATE POLICY "Admins can delete any personality insights" ON moodscale.personality_insights
    FOR DELETE TO authenticated
    USING ((select moodscale.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Service role: full access everywhere, scoped to the database role a service-role token runs
-- as (see docs/apps/infinitestories.md for why not an auth.role() test).
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Service role has full access" ON moodscale.users
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON moodscale.mood_entries
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON moodscale.music_analysis
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON moodscale.recommendations
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON moodscale.personality_insights
    FOR ALL TO service_role USING (true) WITH CHECK (true);
