-- Delula grants and row-level security. The access table is in docs/apps/delula.md.
-- auth.uid() and delula.is_admin() are wrapped in (select ...) so PostgreSQL evaluates them once
-- per statement (an InitPlan) instead of once per row; every column a policy compares with them
-- is indexed (V40). The app admin is a user with access role 3 (delula.is_admin(), V41); admins
-- run as the authenticated role, so tables they manage grant verbs to authenticated and the
-- policies decide. A grant without a matching policy touches zero rows (SELECT, UPDATE, DELETE)
-- or fails with 42501 (INSERT); no grant at all fails with 42501.

GRANT USAGE ON SCHEMA delula TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Table privileges.
-- ---------------------------------------------------------------------------------------------

-- Public catalogue: anon reads it (the policies below narrow it to what is public).
GRANT SELECT ON
    delula.tags,
    delula.recipes,
    delula.recipe_usage,
    delula.recipe_samples,
    delula.system_assets,
    delula.market_assets,
    delula.component_registry,
    delula.component_input_channels,
    delula.component_output_channels,
    delula.component_dependencies
    TO anon;

-- Catalogue and configuration the app admin manages (writes are admin-only by policy).
GRANT SELECT, INSERT, UPDATE, DELETE ON
    delula.tags,
    delula.recipes,
    delula.recipe_samples,
    delula.system_assets,
    delula.backlog_videos,
    delula.providers,
    delula.services,
    delula.component_registry,
    delula.component_input_channels,
    delula.component_output_channels,
    delula.component_dependencies
    TO authenticated;

-- Counters and records the server writes: users read them.
GRANT SELECT ON delula.recipe_usage, delula.generations, delula.component_usage TO authenticated;

-- A user reads their own row, edits their profile, and nothing else: not credits (the ledger
-- moves them), not account_type or access_role (no one makes themselves admin), not email
-- (a copy of the identity's, which /auth/v1 owns).
GRANT SELECT ON delula.users TO authenticated;
GRANT UPDATE (first_name, last_name, profile_image_url) ON delula.users TO authenticated;

-- The ledger: users read their own rows; the admin may record adjustments (policy); nobody but
-- the owner updates or deletes (service_role neither, below).
GRANT SELECT, INSERT ON delula.credit_transactions TO authenticated;

-- Assets are stored by the server (it uploads to S3 and knows the real key); users organise
-- and delete (soft, V41) their own.
GRANT SELECT, DELETE ON delula.user_assets TO authenticated;
GRANT UPDATE (display_name, user_tags) ON delula.user_assets TO authenticated;

-- Marketplace: creators publish and manage their own entries.
GRANT SELECT, INSERT, UPDATE, DELETE ON delula.market_assets TO authenticated;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA delula TO authenticated, service_role;

-- service_role: everything, except changing the ledger. provider_credentials (encrypted API
-- keys) is reachable by service_role alone.
GRANT ALL ON ALL TABLES IN SCHEMA delula TO service_role;
REVOKE UPDATE, DELETE, TRUNCATE ON delula.credit_transactions FROM service_role;

-- ---------------------------------------------------------------------------------------------
-- Functions. PUBLIC's default EXECUTE is taken away from every one; request roles get what they
-- call directly or through policies and defaults.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA delula FROM PUBLIC;
-- Used by policies that anon evaluates too.
GRANT EXECUTE ON FUNCTION delula.is_admin() TO anon, authenticated, service_role;
-- The default of generations.short_id; only service_role stores generations.
GRANT EXECUTE ON FUNCTION delula.generate_short_id() TO service_role;
-- Called by the soft-delete trigger as the deleting user; checks ownership itself.
GRANT EXECUTE ON FUNCTION delula.soft_delete_user_asset(integer) TO authenticated, service_role;
-- Scheduled jobs of the server.
GRANT EXECUTE ON FUNCTION delula.refresh_daily_credits(integer) TO service_role;
GRANT EXECUTE ON FUNCTION delula.sync_recipe_usage_counts() TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Row-level security on every table.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE delula.users                     ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.tags                      ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.recipes                   ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.recipe_usage              ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.providers                 ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.provider_credentials      ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.services                  ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.generations               ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.backlog_videos            ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.recipe_samples            ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.credit_transactions       ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.user_assets               ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.system_assets             ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.market_assets             ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.component_registry        ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.component_input_channels  ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.component_output_channels ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.component_usage           ENABLE ROW LEVEL SECURITY;
ALTER TABLE delula.component_dependencies    ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------------------------
-- Own rows. UPDATE policies carry a WITH CHECK, so a row cannot be handed to another user.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own profile" ON delula.users
    FOR SELECT TO authenticated USING (id = (select (auth.uid())::text));
CREATE POLICY "Admins can view all users" ON delula.users
    FOR SELECT TO authenticated USING ((select delula.is_admin()));
CREATE POLICY "Users can update own profile" ON delula.users
    FOR UPDATE TO authenticated
    USING (id = (select (auth.uid())::text))
    WITH CHECK (id = (select (auth.uid())::text));

CREATE POLICY "Users can view own generations" ON delula.generations
    FOR SELECT TO authenticated USING (user_id = (select (auth.uid())::text));
CREATE POLICY "Admins can view all generations" ON delula.generations
    FOR SELECT TO authenticated USING ((select delula.is_admin()));

CREATE POLICY "Users can view own credit transactions" ON delula.credit_transactions
    FOR SELECT TO authenticated USING (user_id = (select (auth.uid())::text));
CREATE POLICY "Admins can view all credit transactions" ON delula.credit_transactions
    FOR SELECT TO authenticated USING ((select delula.is_admin()));
CREATE POLICY "Admins can record credit adjustments" ON delula.credit_transactions
    FOR INSERT TO authenticated
    WITH CHECK ((select delula.is_admin()) AND type = 'admin_adjustment');

-- Soft-deleted assets are invisible to their owner; the owner's DELETE is the soft delete (V41).
CREATE POLICY "Users can view own live assets" ON delula.user_assets
    FOR SELECT TO authenticated USING (user_id = (select (auth.uid())::text) AND NOT is_deleted);
CREATE POLICY "Users can update own live assets" ON delula.user_assets
    FOR UPDATE TO authenticated
    USING (user_id = (select (auth.uid())::text) AND NOT is_deleted)
    WITH CHECK (user_id = (select (auth.uid())::text) AND NOT is_deleted);
CREATE POLICY "Users can delete own live assets" ON delula.user_assets
    FOR DELETE TO authenticated USING (user_id = (select (auth.uid())::text) AND NOT is_deleted);
CREATE POLICY "Admins can manage all assets" ON delula.user_assets
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Users can view own component usage" ON delula.component_usage
    FOR SELECT TO authenticated USING (user_id = (select (auth.uid())::text));
CREATE POLICY "Admins can view all component usage" ON delula.component_usage
    FOR SELECT TO authenticated USING ((select delula.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Public catalogue. Hidden and inactive tags, inactive recipes (and their samples and usage),
-- inactive components (and their channels and dependencies) and private market assets are
-- invisible to everyone but the admin and service_role.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Anyone can view visible tags" ON delula.tags
    FOR SELECT TO anon, authenticated USING (NOT is_hidden AND is_active);
CREATE POLICY "Admins can manage tags" ON delula.tags
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view active recipes" ON delula.recipes
    FOR SELECT TO anon, authenticated USING (is_active);
CREATE POLICY "Admins can manage recipes" ON delula.recipes
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view usage of active recipes" ON delula.recipe_usage
    FOR SELECT TO anon, authenticated
    USING (EXISTS (SELECT 1 FROM delula.recipes r WHERE r.id = recipe_usage.recipe_id AND r.is_active));
CREATE POLICY "Admins can view all recipe usage" ON delula.recipe_usage
    FOR SELECT TO authenticated USING ((select delula.is_admin()));

CREATE POLICY "Anyone can view samples of active recipes" ON delula.recipe_samples
    FOR SELECT TO anon, authenticated
    USING (is_active AND EXISTS (SELECT 1 FROM delula.recipes r
                                 WHERE r.id = recipe_samples.recipe_id AND r.is_active));
CREATE POLICY "Admins can manage recipe samples" ON delula.recipe_samples
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view system assets" ON delula.system_assets
    FOR SELECT TO anon, authenticated USING (true);
CREATE POLICY "Admins can manage system assets" ON delula.system_assets
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view public market assets" ON delula.market_assets
    FOR SELECT TO anon, authenticated USING (is_public);
CREATE POLICY "Creators can view own market assets" ON delula.market_assets
    FOR SELECT TO authenticated USING (creator_id = (select (auth.uid())::text));
CREATE POLICY "Creators can insert own market assets" ON delula.market_assets
    FOR INSERT TO authenticated WITH CHECK (creator_id = (select (auth.uid())::text));
CREATE POLICY "Creators can update own market assets" ON delula.market_assets
    FOR UPDATE TO authenticated
    USING (creator_id = (select (auth.uid())::text))
    WITH CHECK (creator_id = (select (auth.uid())::text));
CREATE POLICY "Creators can delete own market assets" ON delula.market_assets
    FOR DELETE TO authenticated USING (creator_id = (select (auth.uid())::text));
CREATE POLICY "Admins can manage market assets" ON delula.market_assets
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

-- Component registry reads are public (a workflow builder lists components, their channels and
-- dependencies before sign-in); writes are the admin's.
CREATE POLICY "Anyone can view active components" ON delula.component_registry
    FOR SELECT TO anon, authenticated USING (is_active);
CREATE POLICY "Admins can manage components" ON delula.component_registry
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view inputs of active components" ON delula.component_input_channels
    FOR SELECT TO anon, authenticated
    USING (EXISTS (SELECT 1 FROM delula.component_registry c
                   WHERE c.component_id = component_input_channels.component_id AND c.is_active));
CREATE POLICY "Admins can manage component inputs" ON delula.component_input_channels
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view outputs of active components" ON delula.component_output_channels
    FOR SELECT TO anon, authenticated
    USING (EXISTS (SELECT 1 FROM delula.component_registry c
                   WHERE c.component_id = component_output_channels.component_id AND c.is_active));
CREATE POLICY "Admins can manage component outputs" ON delula.component_output_channels
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

CREATE POLICY "Anyone can view dependencies of active components" ON delula.component_dependencies
    FOR SELECT TO anon, authenticated
    USING (EXISTS (SELECT 1 FROM delula.component_registry c
                   WHERE c.component_id = component_dependencies.component_id AND c.is_active));
CREATE POLICY "Admins can manage component dependencies" ON delula.component_dependencies
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Admin and configuration: the admin and service_role only.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Admins can manage backlog videos" ON delula.backlog_videos
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));
CREATE POLICY "Admins can manage providers" ON delula.providers
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));
CREATE POLICY "Admins can manage services" ON delula.services
    FOR ALL TO authenticated USING ((select delula.is_admin())) WITH CHECK ((select delula.is_admin()));
-- provider_credentials: no grant and no policy for anyone but service_role.

-- ---------------------------------------------------------------------------------------------
-- Service role: full access everywhere (what its grants allow: the ledger stays append-only).
-- Scoped TO service_role, the database role a service-role token runs as, so server jobs that
-- run without request claims work where service_role lacks BYPASSRLS.
-- ---------------------------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'tags', 'recipes', 'recipe_usage', 'providers',
        'provider_credentials', 'services', 'generations', 'backlog_videos', 'recipe_samples',
        'credit_transactions', 'user_assets', 'system_assets', 'market_assets',
        'component_registry', 'component_input_channels', 'component_output_channels',
        'component_usage', 'component_dependencies'] LOOP
        EXECUTE format('CREATE POLICY "Service role has full access" ON delula.%I '
                       'FOR ALL TO service_role USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
