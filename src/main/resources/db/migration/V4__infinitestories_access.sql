-- InfiniteStories grants and row-level security.
-- Policies carry the document's names where it gives them. auth.uid() / auth.role() are wrapped
-- in (select ...) so PostgreSQL evaluates them once per statement (an InitPlan) instead of once
-- per row; every column a policy compares with them is indexed (see V2).
-- Policies without a TO clause apply to every role, as in the document; table grants decide
-- which roles get that far (anon reaches custom_events only).

GRANT USAGE ON SCHEMA infinitestories TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Table privileges. Nothing for request roles on cache_entries, content_flags and audit_log:
-- those are written by the server (service_role) and by SECURITY DEFINER triggers.
-- ---------------------------------------------------------------------------------------------

GRANT SELECT, INSERT, UPDATE, DELETE ON
    infinitestories.heroes,
    infinitestories.stories,
    infinitestories.story_scenes,
    infinitestories.story_illustrations,
    infinitestories.custom_events,
    infinitestories.hero_gallery
    TO authenticated;
-- A play is a fact that has already raised stories.play_count: users record and read plays,
-- they do not edit or remove them. Without UPDATE/DELETE the data API answers 42501 (403)
-- instead of silently touching zero rows.
GRANT SELECT, INSERT ON infinitestories.play_events TO authenticated;
-- Usage and rate-limit rows are metering: users read their own, only the server (service_role)
-- writes them, or a user could reset their own window or pre-empt a request_id.
GRANT SELECT ON infinitestories.api_usage TO authenticated;
GRANT SELECT ON infinitestories.rate_limits TO authenticated;

GRANT SELECT ON infinitestories.custom_events TO anon;

GRANT ALL ON ALL TABLES IN SCHEMA infinitestories TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Functions. The cache clean-up is the server's job; PUBLIC's default EXECUTE is taken away.
-- Trigger functions cannot be called directly; revoking PUBLIC from the SECURITY DEFINER ones
-- is hygiene (privileges on a trigger function are checked when the trigger is created, not
-- when it fires).
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION infinitestories.cleanup_expired_cache() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION infinitestories.cleanup_expired_cache() TO service_role;
REVOKE ALL ON FUNCTION infinitestories.increment_play_count() FROM PUBLIC;
REVOKE ALL ON FUNCTION infinitestories.audit_trigger() FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Row-level security on every table.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE infinitestories.heroes              ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.stories             ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.story_scenes        ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.story_illustrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.custom_events       ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.hero_gallery        ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.play_events         ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.api_usage           ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.rate_limits         ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.cache_entries       ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.content_flags       ENABLE ROW LEVEL SECURITY;
ALTER TABLE infinitestories.audit_log           ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------------------------
-- heroes: own rows only. Every UPDATE policy has a WITH CHECK as well, so a row cannot be
-- handed to another user.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own heroes" ON infinitestories.heroes
    FOR SELECT USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can insert own heroes" ON infinitestories.heroes
    FOR INSERT WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can update own heroes" ON infinitestories.heroes
    FOR UPDATE USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can delete own heroes" ON infinitestories.heroes
    FOR DELETE USING ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------
-- stories: own rows only (update and delete complete the document's "continue for all tables").
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own stories" ON infinitestories.stories
    FOR SELECT USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can insert own stories" ON infinitestories.stories
    FOR INSERT WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can update own stories" ON infinitestories.stories
    FOR UPDATE USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);

CREATE POLICY "Users can delete own stories" ON infinitestories.stories
    FOR DELETE USING ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------
-- Scenes and illustrations belong to whoever owns their story; gallery images to whoever owns
-- their hero. The subqueries run under the owner table's own policies too, which agree.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can manage scenes of own stories" ON infinitestories.story_scenes
    FOR ALL
    USING (EXISTS (SELECT 1 FROM infinitestories.stories s
                   WHERE s.id = story_scenes.story_id AND s.user_id = (select auth.uid())))
    WITH CHECK (EXISTS (SELECT 1 FROM infinitestories.stories s
                        WHERE s.id = story_scenes.story_id AND s.user_id = (select auth.uid())));

CREATE POLICY "Users can manage illustrations of own stories" ON infinitestories.story_illustrations
    FOR ALL
    USING (EXISTS (SELECT 1 FROM infinitestories.stories s
                   WHERE s.id = story_illustrations.story_id AND s.user_id = (select auth.uid())))
    WITH CHECK (EXISTS (SELECT 1 FROM infinitestories.stories s
                        WHERE s.id = story_illustrations.story_id AND s.user_id = (select auth.uid())));

CREATE POLICY "Users can manage gallery of own heroes" ON infinitestories.hero_gallery
    FOR ALL
    USING (EXISTS (SELECT 1 FROM infinitestories.heroes h
                   WHERE h.id = hero_gallery.hero_id AND h.user_id = (select auth.uid())))
    WITH CHECK (EXISTS (SELECT 1 FROM infinitestories.heroes h
                        WHERE h.id = hero_gallery.hero_id AND h.user_id = (select auth.uid())));

-- ---------------------------------------------------------------------------------------------
-- custom_events: public events are readable by everyone (anon included), own events are
-- fully manageable.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view events" ON infinitestories.custom_events
    FOR SELECT USING ((select auth.uid()) = user_id OR is_public = true);

CREATE POLICY "Users can manage own events" ON infinitestories.custom_events
    FOR ALL USING ((select auth.uid()) = user_id)
    WITH CHECK ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------
-- play_events: a user reads their own plays and records plays of their own stories only.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own play events" ON infinitestories.play_events
    FOR SELECT USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can record plays of own stories" ON infinitestories.play_events
    FOR INSERT WITH CHECK (
        (select auth.uid()) = user_id
        AND EXISTS (SELECT 1 FROM infinitestories.stories s
                    WHERE s.id = play_events.story_id AND s.user_id = (select auth.uid())));

-- ---------------------------------------------------------------------------------------------
-- api_usage and rate_limits: users read their own rows; the server writes them.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own api usage" ON infinitestories.api_usage
    FOR SELECT USING ((select auth.uid()) = user_id);

CREATE POLICY "Users can view own rate limits" ON infinitestories.rate_limits
    FOR SELECT USING ((select auth.uid()) = user_id);

-- ---------------------------------------------------------------------------------------------
-- Service role: full access everywhere; the only access at all to cache_entries, content_flags
-- and audit_log. The document tests auth.role() = 'service_role' in a policy for every role;
-- here the policy is scoped TO service_role, the database role a service-role token runs as,
-- and needs nothing else. Only the server's authenticator can become that role, so the role is
-- the credential; a claim test on top would silently turn server jobs that run as service_role
-- without request claims (the hourly cleanup_expired_cache) into no-ops wherever service_role
-- lacks BYPASSRLS (V1 grants it only when migrations run as a superuser).
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Service role has full access" ON infinitestories.heroes
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.stories
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.story_scenes
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.story_illustrations
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.custom_events
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.hero_gallery
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.play_events
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.api_usage
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.rate_limits
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.cache_entries
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.content_flags
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON infinitestories.audit_log
    FOR ALL TO service_role USING (true) WITH CHECK (true);
