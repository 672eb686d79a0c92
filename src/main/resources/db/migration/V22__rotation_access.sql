-- Rotation grants and row-level security. The access table is in docs/apps/rotation.md.
-- Grants decide which verbs a role may attempt at all (a missing grant is 42501); policies
-- decide which rows. Admin-only tables are granted to authenticated and filtered to
-- rotation.is_admin() by policy, because the app's admin is an authenticated user.
-- Policies call auth.uid() and the helpers of V21 inside (select ...), so each is evaluated
-- once per statement; the columns they compare are indexed (V20).

GRANT USAGE ON SCHEMA rotation TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Table privileges.
-- ---------------------------------------------------------------------------------------------

-- service_role: everything, except UPDATE/DELETE/TRUNCATE on the append-only ledgers.
GRANT ALL ON ALL TABLES IN SCHEMA rotation TO service_role;
REVOKE UPDATE, DELETE, TRUNCATE ON
    rotation.audit_logs, rotation.audio_match_history, rotation.feature_flag_history,
    rotation.feature_flag_evaluations, rotation.job_logs, rotation.usage_metrics,
    rotation.performance_metrics
    FROM service_role;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA rotation TO service_role;
-- nextval() for every table a user or admin may insert into; harmless for the rest.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA rotation TO authenticated;

-- Public catalogue: readable by anon (policies narrow stores, inventory, matches, collections).
GRANT SELECT ON
    rotation.stores, rotation.records, rotation.tracks, rotation.store_inventory,
    rotation.audio_matches, rotation.user_collections, rotation.user_collection_items
    TO anon;

-- users: a user edits their profile, never their role, e-mail, activation or identity link.
GRANT SELECT ON rotation.users TO authenticated;
GRANT UPDATE (name, username, profile_image_url, bio, location, website_url) ON rotation.users TO authenticated;

-- discogs_tokens: a user sees that they are connected and may disconnect; only service_role
-- (the server, which encrypts and decrypts) reads or writes the ciphertexts and key ids.
GRANT SELECT (id, user_id, username, token_type, scope, expires_at, last_used_at, created_at, updated_at)
    ON rotation.discogs_tokens TO authenticated;
GRANT DELETE ON rotation.discogs_tokens TO authenticated;

-- user_collections: the stats columns are the trigger's.
GRANT SELECT, DELETE ON rotation.user_collections TO authenticated;
GRANT INSERT (user_id, name, description, is_public, is_collaborative, cover_image_url, color_scheme, tags),
      UPDATE (name, description, is_public, is_collaborative, cover_image_url, color_scheme, tags)
    ON rotation.user_collections TO authenticated;

-- settings: nobody but service_role touches value_encrypted / encryption_key_id writes, and
-- nobody but service_role reads value_encrypted.
GRANT SELECT (id, key, value, value_type, category, description, is_public, is_encrypted,
              encryption_key_id, default_value, validation_rules, last_modified_by, created_at, updated_at)
    ON rotation.settings TO anon, authenticated;
GRANT INSERT (key, value, value_type, category, description, is_public, default_value, validation_rules, last_modified_by),
      UPDATE (key, value, value_type, category, description, is_public, default_value, validation_rules, last_modified_by)
    ON rotation.settings TO authenticated;
GRANT DELETE ON rotation.settings TO authenticated;

-- play_history is a record of what happened: users add and clear their plays, never edit them.
GRANT SELECT, INSERT, DELETE ON rotation.play_history TO authenticated;

-- Read-only for every request role (policies: admins, or the user's own rows).
GRANT SELECT ON
    rotation.audit_logs, rotation.audio_match_history, rotation.feature_flag_history,
    rotation.feature_flag_evaluations, rotation.job_logs, rotation.usage_metrics,
    rotation.performance_metrics, rotation.daily_metrics, rotation.recommendation_data
    TO authenticated;

GRANT SELECT, INSERT, UPDATE, DELETE ON
    rotation.stores, rotation.store_managers, rotation.records, rotation.tracks,
    rotation.store_inventory, rotation.audio_matches, rotation.metadata_cache,
    rotation.match_candidates, rotation.audio_quality_metrics, rotation.favorites,
    rotation.feedback, rotation.user_collection_items, rotation.user_follows,
    rotation.user_preferences, rotation.jobs, rotation.content_similarity, rotation.feature_flags,
    rotation.config_profiles, rotation.rate_limits, rotation.cache_config,
    rotation.maintenance_windows, rotation.track_matches
    TO authenticated;

-- ---------------------------------------------------------------------------------------------
-- Functions. PUBLIC's default EXECUTE is taken away from all of them, then given back where a role
-- needs it: the policy helpers (a policy runs them as the querying role) and the pure functions to
-- every request role (evaluate_feature_flag and evaluate_flag_condition get theirs where they are
-- defined, V90 and V45); the maintenance jobs and the Discogs import to service_role only. Trigger
-- functions need no EXECUTE (it is checked when a trigger is created, not when it fires).
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA rotation FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    rotation.current_user_id(), rotation.is_admin(), rotation.managed_store_ids(),
    rotation.murmur3_32(text, integer), rotation.murmur3_32_bytes(bytea, integer),
    rotation.feature_flag_bucket(text, text)
    TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION
    rotation.cleanup_expired_candidates(), rotation.aggregate_daily_metrics(date),
    rotation.cleanup_old_analytics_data(), rotation.upsert_discogs_release(jsonb),
    rotation.create_app_user(uuid, text, jsonb)
    TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Row-level security on every table, and the service role's policy on every table. The policy
-- is scoped TO service_role (the database role a service-role token runs as) rather than
-- testing a claim, so server jobs that run as service_role without request claims work where
-- service_role lacks BYPASSRLS (V1 grants it only when migrations run as a superuser).
-- ---------------------------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'rotation' AND c.relkind = 'r' ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE rotation.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format(
            'CREATE POLICY "Service role has full access" ON rotation.%I '
            'FOR ALL TO service_role USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;

-- Admin-managed tables: every verb for the app's admin, nothing for anyone else.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'stores', 'store_managers', 'records', 'tracks', 'store_inventory', 'audio_matches',
        'metadata_cache', 'match_candidates', 'audio_quality_metrics', 'feedback', 'jobs',
        'content_similarity', 'settings', 'feature_flags', 'config_profiles', 'rate_limits',
        'cache_config', 'maintenance_windows', 'track_matches']
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE POLICY "Admins can manage %s" ON rotation.%I FOR ALL TO authenticated '
            'USING ((select rotation.is_admin())) WITH CHECK ((select rotation.is_admin()))',
            pg_catalog.replace(t, '_', ' '), t);
    END LOOP;
    -- Ledgers and metrics: admins read them; only triggers, SECURITY DEFINER functions and
    -- service_role write them.
    FOREACH t IN ARRAY ARRAY[
        'audit_logs', 'audio_match_history', 'feature_flag_history', 'feature_flag_evaluations',
        'job_logs', 'usage_metrics', 'performance_metrics', 'daily_metrics']
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE POLICY "Admins can view %s" ON rotation.%I FOR SELECT TO authenticated '
            'USING ((select rotation.is_admin()))',
            pg_catalog.replace(t, '_', ' '), t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Identity layer.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own profile" ON rotation.users
    FOR SELECT TO authenticated USING (auth_user_id = (select auth.uid()));
CREATE POLICY "Admins can view users" ON rotation.users
    FOR SELECT TO authenticated USING ((select rotation.is_admin()));
CREATE POLICY "Users can update own profile" ON rotation.users
    FOR UPDATE TO authenticated
    USING (auth_user_id = (select auth.uid()))
    WITH CHECK (auth_user_id = (select auth.uid()));
CREATE POLICY "Admins can update user profiles" ON rotation.users
    FOR UPDATE TO authenticated
    USING ((select rotation.is_admin())) WITH CHECK ((select rotation.is_admin()));

CREATE POLICY "Anyone can view active stores" ON rotation.stores
    FOR SELECT TO anon, authenticated USING (status = 'active');
CREATE POLICY "Store managers can view own stores" ON rotation.stores
    FOR SELECT TO authenticated USING (id = ANY ((select rotation.managed_store_ids())::integer[]));
-- Which columns a manager may change is enforced by the protect_store_columns trigger (V21).
CREATE POLICY "Store managers can update own stores" ON rotation.stores
    FOR UPDATE TO authenticated
    USING (id = ANY ((select rotation.managed_store_ids())::integer[]))
    WITH CHECK (id = ANY ((select rotation.managed_store_ids())::integer[]));

CREATE POLICY "Users can view own store memberships" ON rotation.store_managers
    FOR SELECT TO authenticated USING (user_id = (select rotation.current_user_id()));

CREATE POLICY "Users can view own Discogs connection" ON rotation.discogs_tokens
    FOR SELECT TO authenticated USING (user_id = (select rotation.current_user_id()));
CREATE POLICY "Users can delete own Discogs connection" ON rotation.discogs_tokens
    FOR DELETE TO authenticated USING (user_id = (select rotation.current_user_id()));

-- ---------------------------------------------------------------------------------------------
-- Core content: the public catalogue.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Anyone can view records" ON rotation.records
    FOR SELECT TO anon, authenticated USING (true);
CREATE POLICY "Anyone can view tracks" ON rotation.tracks
    FOR SELECT TO anon, authenticated USING (true);

-- Listed copies (not drafts or removed ones) of active stores.
CREATE POLICY "Anyone can view listed inventory" ON rotation.store_inventory
    FOR SELECT TO anon, authenticated
    USING (status IN ('active', 'reserved', 'sold')
           AND EXISTS (SELECT 1 FROM rotation.stores s
                       WHERE s.id = store_inventory.store_id AND s.status = 'active'));
CREATE POLICY "Store managers can manage own store inventory" ON rotation.store_inventory
    FOR ALL TO authenticated
    USING (store_id = ANY ((select rotation.managed_store_ids())::integer[]))
    WITH CHECK (store_id = ANY ((select rotation.managed_store_ids())::integer[]));

-- ---------------------------------------------------------------------------------------------
-- Matching: approved matches are the previews everyone plays; a store manager reviews (reads and
-- verifies or rejects) the matches of tracks of records their store lists. The cardinality test
-- runs once per statement and spares non-managers the per-row subquery.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Anyone can view approved audio matches" ON rotation.audio_matches
    FOR SELECT TO anon, authenticated USING (status IN ('verified', 'auto_approved'));
CREATE POLICY "Store managers can view matches of own inventory" ON rotation.audio_matches
    FOR SELECT TO authenticated
    USING (pg_catalog.cardinality((select rotation.managed_store_ids())) > 0
           AND EXISTS (SELECT 1 FROM rotation.tracks t
                       JOIN rotation.store_inventory si ON si.record_id = t.record_id
                       WHERE t.id = audio_matches.track_id
                         AND si.store_id = ANY ((select rotation.managed_store_ids())::integer[])));
CREATE POLICY "Store managers can review matches of own inventory" ON rotation.audio_matches
    FOR UPDATE TO authenticated
    USING (pg_catalog.cardinality((select rotation.managed_store_ids())) > 0
           AND EXISTS (SELECT 1 FROM rotation.tracks t
                       JOIN rotation.store_inventory si ON si.record_id = t.record_id
                       WHERE t.id = audio_matches.track_id
                         AND si.store_id = ANY ((select rotation.managed_store_ids())::integer[])))
    WITH CHECK (EXISTS (SELECT 1 FROM rotation.tracks t
                        JOIN rotation.store_inventory si ON si.record_id = t.record_id
                        WHERE t.id = audio_matches.track_id
                          AND si.store_id = ANY ((select rotation.managed_store_ids())::integer[])));

-- ---------------------------------------------------------------------------------------------
-- User features: own rows only (public collections excepted).
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can manage own favorites" ON rotation.favorites
    FOR ALL TO authenticated
    USING (user_id = (select rotation.current_user_id()))
    WITH CHECK (user_id = (select rotation.current_user_id()));

CREATE POLICY "Users can view own play history" ON rotation.play_history
    FOR SELECT TO authenticated USING (user_id = (select rotation.current_user_id()));
CREATE POLICY "Users can record own plays" ON rotation.play_history
    FOR INSERT TO authenticated WITH CHECK (user_id = (select rotation.current_user_id()));
CREATE POLICY "Users can delete own play history" ON rotation.play_history
    FOR DELETE TO authenticated USING (user_id = (select rotation.current_user_id()));

-- A user files feedback and follows it; triage (status, assignment, resolution) is the admin's.
CREATE POLICY "Users can view own feedback" ON rotation.feedback
    FOR SELECT TO authenticated USING (user_id = (select rotation.current_user_id()));
CREATE POLICY "Users can submit feedback" ON rotation.feedback
    FOR INSERT TO authenticated
    WITH CHECK (user_id = (select rotation.current_user_id())
                AND status = 'open' AND assigned_to IS NULL AND assigned_at IS NULL
                AND resolved_at IS NULL AND resolution_notes IS NULL AND is_duplicate_of IS NULL);

CREATE POLICY "Anyone can view public collections" ON rotation.user_collections
    FOR SELECT TO anon, authenticated USING (is_public);
CREATE POLICY "Users can manage own collections" ON rotation.user_collections
    FOR ALL TO authenticated
    USING (user_id = (select rotation.current_user_id()))
    WITH CHECK (user_id = (select rotation.current_user_id()));

CREATE POLICY "Anyone can view items of public collections" ON rotation.user_collection_items
    FOR SELECT TO anon, authenticated
    USING (EXISTS (SELECT 1 FROM rotation.user_collections c
                   WHERE c.id = user_collection_items.collection_id AND c.is_public));
CREATE POLICY "Users can manage items of own collections" ON rotation.user_collection_items
    FOR ALL TO authenticated
    USING (EXISTS (SELECT 1 FROM rotation.user_collections c
                   WHERE c.id = user_collection_items.collection_id
                     AND c.user_id = (select rotation.current_user_id())))
    WITH CHECK (EXISTS (SELECT 1 FROM rotation.user_collections c
                        WHERE c.id = user_collection_items.collection_id
                          AND c.user_id = (select rotation.current_user_id())));
CREATE POLICY "Users can add to collaborative collections" ON rotation.user_collection_items
    FOR INSERT TO authenticated
    WITH CHECK (added_by = (select rotation.current_user_id())
                AND EXISTS (SELECT 1 FROM rotation.user_collections c
                            WHERE c.id = user_collection_items.collection_id
                              AND c.is_public AND c.is_collaborative));
CREATE POLICY "Users can remove own additions to collaborative collections" ON rotation.user_collection_items
    FOR DELETE TO authenticated
    USING (added_by = (select rotation.current_user_id())
           AND EXISTS (SELECT 1 FROM rotation.user_collections c
                       WHERE c.id = user_collection_items.collection_id
                         AND c.is_public AND c.is_collaborative));

CREATE POLICY "Users can manage own follows" ON rotation.user_follows
    FOR ALL TO authenticated
    USING (follower_id = (select rotation.current_user_id()))
    WITH CHECK (follower_id = (select rotation.current_user_id()));

CREATE POLICY "Users can manage own preferences" ON rotation.user_preferences
    FOR ALL TO authenticated
    USING (user_id = (select rotation.current_user_id()))
    WITH CHECK (user_id = (select rotation.current_user_id()));

-- Computed by the server from the user's behaviour; the user may see what is kept about them.
CREATE POLICY "Users can view own recommendation data" ON rotation.recommendation_data
    FOR SELECT TO authenticated USING (user_id = (select rotation.current_user_id()));

-- ---------------------------------------------------------------------------------------------
-- Configuration: public settings for everyone (the rest via "Admins can manage settings").
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Anyone can view public settings" ON rotation.settings
    FOR SELECT TO anon, authenticated USING (is_public);
