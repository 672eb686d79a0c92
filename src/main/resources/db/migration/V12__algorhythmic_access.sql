-- Algorhythmic grants and row-level security. The access table is in docs/apps/algorhythmic.md.
-- auth.uid() and is_admin() are wrapped in (select ...) so PostgreSQL evaluates them once per
-- statement (an InitPlan) instead of once per row; user ids are text here, so the comparison is
-- with (select auth.uid()::text), and every column a policy compares with it is indexed (V10).
-- Grants decide which verbs a role may attempt at all (a refusal is 42501); policies decide
-- which rows (a refused SELECT/UPDATE/DELETE touches zero rows, a refused INSERT is 42501).
-- UPDATE policies carry WITH CHECK, so a row cannot be handed to another user.

GRANT USAGE ON SCHEMA algorhythmic TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Table privileges.
-- ---------------------------------------------------------------------------------------------

-- Catalogue: the tiers and the artwork library are public.
GRANT SELECT ON algorhythmic.subscription_tiers, algorhythmic.art_sessions TO anon;

-- Tiers are configuration: every user reads them, the app's admin writes them (policies).
GRANT SELECT, INSERT, UPDATE, DELETE ON algorhythmic.subscription_tiers TO authenticated;

-- users: the row is created by the sign-up trigger and removed with the account. A user edits
-- their profile only; role, subscription_tier, stripe ids, is_active, email and
-- controller_state (the credit controller's state) are the platform's to write.
GRANT SELECT ON algorhythmic.users TO authenticated;
GRANT UPDATE (first_name, last_name, profile_image_url, preferred_orientation)
    ON algorhythmic.users TO authenticated;

-- art_sessions are written by the generation pipeline (service_role): a user who could insert
-- or edit them could put any image into the pool or the public library. Owners save
-- (is_saved) and delete their own artwork; the admin removes any.
GRANT SELECT, DELETE ON algorhythmic.art_sessions TO authenticated;
GRANT UPDATE (is_saved) ON algorhythmic.art_sessions TO authenticated;

-- A user's own data, fully theirs.
GRANT SELECT, INSERT, UPDATE, DELETE ON
    algorhythmic.sessions,
    algorhythmic.art_preferences,
    algorhythmic.art_votes,
    algorhythmic.user_art_impressions
    TO authenticated;

-- Telemetry: users record and read their own; a RAI session is closed by its client (ended_at
-- and the totals). Events are facts: no UPDATE or DELETE.
GRANT SELECT, INSERT ON algorhythmic.rai_sessions, algorhythmic.telemetry_events TO authenticated;
GRANT UPDATE (ended_at, total_frames_displayed, total_interactions)
    ON algorhythmic.rai_sessions TO authenticated;

-- Read-only for users: the platform writes credits, jobs and genomes.
GRANT SELECT ON
    algorhythmic.credit_ledger,
    algorhythmic.user_credits,
    algorhythmic.generation_jobs,
    algorhythmic.dna_genomes
    TO authenticated;
GRANT SELECT ON algorhythmic.dna_genomes TO anon;

-- The service role: everything, except that the ledger is append-only for it too.
GRANT ALL ON ALL TABLES IN SCHEMA algorhythmic TO service_role;
REVOKE UPDATE, DELETE, TRUNCATE ON algorhythmic.credit_ledger FROM service_role;

-- ---------------------------------------------------------------------------------------------
-- Functions. PUBLIC's default EXECUTE is taken away from all of them; is_admin() is given back to
-- the request roles (policies call it). Trigger functions are never called directly.
-- ---------------------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION algorhythmic.is_admin() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION algorhythmic.is_admin() TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Row-level security on every table.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE algorhythmic.subscription_tiers   ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.users                ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.sessions             ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.art_sessions         ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.art_preferences      ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.art_votes            ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.user_art_impressions ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.credit_ledger        ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.user_credits         ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.rai_sessions         ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.telemetry_events     ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.generation_jobs      ENABLE ROW LEVEL SECURITY;
ALTER TABLE algorhythmic.dna_genomes          ENABLE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------------------------
-- subscription_tiers: public catalogue; the admin manages it.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Anyone can view subscription tiers" ON algorhythmic.subscription_tiers
    FOR SELECT TO anon, authenticated USING (true);

CREATE POLICY "Admins can insert subscription tiers" ON algorhythmic.subscription_tiers
    FOR INSERT TO authenticated WITH CHECK ((select algorhythmic.is_admin()));
CREATE POLICY "Admins can update subscription tiers" ON algorhythmic.subscription_tiers
    FOR UPDATE TO authenticated USING ((select algorhythmic.is_admin()))
    WITH CHECK ((select algorhythmic.is_admin()));
CREATE POLICY "Admins can delete subscription tiers" ON algorhythmic.subscription_tiers
    FOR DELETE TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- users: own row; the admin reads all.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own user row" ON algorhythmic.users
    FOR SELECT TO authenticated USING (id = (select auth.uid()::text));
CREATE POLICY "Users can update own profile" ON algorhythmic.users
    FOR UPDATE TO authenticated USING (id = (select auth.uid()::text))
    WITH CHECK (id = (select auth.uid()::text));
CREATE POLICY "Admins can view all users" ON algorhythmic.users
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- art_sessions: the library is public (pre-generated catalogue, served from public/library/,
-- no user's data in it); a user's generated artwork (with the music they listened to) is theirs.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Anyone can view the artwork library" ON algorhythmic.art_sessions
    FOR SELECT TO anon, authenticated USING (is_library = true AND pool_status = 'active');
CREATE POLICY "Users can view own art sessions" ON algorhythmic.art_sessions
    FOR SELECT TO authenticated USING (user_id = (select auth.uid()::text));
CREATE POLICY "Users can update own art sessions" ON algorhythmic.art_sessions
    FOR UPDATE TO authenticated USING (user_id = (select auth.uid()::text))
    WITH CHECK (user_id = (select auth.uid()::text));
CREATE POLICY "Users can delete own art sessions" ON algorhythmic.art_sessions
    FOR DELETE TO authenticated USING (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all art sessions" ON algorhythmic.art_sessions
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));
CREATE POLICY "Admins can delete art sessions" ON algorhythmic.art_sessions
    FOR DELETE TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- sessions, art_votes, user_art_impressions: own rows; the admin reads all.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can manage own sessions" ON algorhythmic.sessions
    FOR ALL TO authenticated USING (user_id = (select auth.uid()::text))
    WITH CHECK (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all sessions" ON algorhythmic.sessions
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

CREATE POLICY "Users can manage own votes" ON algorhythmic.art_votes
    FOR ALL TO authenticated USING (user_id = (select auth.uid()::text))
    WITH CHECK (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all votes" ON algorhythmic.art_votes
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

CREATE POLICY "Users can manage own impressions" ON algorhythmic.user_art_impressions
    FOR ALL TO authenticated USING (user_id = (select auth.uid()::text))
    WITH CHECK (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all impressions" ON algorhythmic.user_art_impressions
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- art_preferences belong to whoever owns their session.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can manage preferences of own sessions" ON algorhythmic.art_preferences
    FOR ALL TO authenticated
    USING (EXISTS (SELECT 1 FROM algorhythmic.sessions s
                   WHERE s.id = art_preferences.session_id AND s.user_id = (select auth.uid()::text)))
    WITH CHECK (EXISTS (SELECT 1 FROM algorhythmic.sessions s
                        WHERE s.id = art_preferences.session_id AND s.user_id = (select auth.uid()::text)));
CREATE POLICY "Admins can view all preferences" ON algorhythmic.art_preferences
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Credits: users read their own; only the platform (service_role) writes.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own credit ledger" ON algorhythmic.credit_ledger
    FOR SELECT TO authenticated USING (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all credit ledgers" ON algorhythmic.credit_ledger
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

CREATE POLICY "Users can view own credits" ON algorhythmic.user_credits
    FOR SELECT TO authenticated USING (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all credits" ON algorhythmic.user_credits
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Telemetry: users record and read their own; the admin reads all.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own rai sessions" ON algorhythmic.rai_sessions
    FOR SELECT TO authenticated USING (user_id = (select auth.uid()::text));
CREATE POLICY "Users can insert own rai sessions" ON algorhythmic.rai_sessions
    FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.uid()::text));
CREATE POLICY "Users can update own rai sessions" ON algorhythmic.rai_sessions
    FOR UPDATE TO authenticated USING (user_id = (select auth.uid()::text))
    WITH CHECK (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all rai sessions" ON algorhythmic.rai_sessions
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

CREATE POLICY "Users can view own telemetry events" ON algorhythmic.telemetry_events
    FOR SELECT TO authenticated USING (user_id = (select auth.uid()::text));
-- An event goes into one of the user's own RAI sessions, or none.
CREATE POLICY "Users can insert own telemetry events" ON algorhythmic.telemetry_events
    FOR INSERT TO authenticated WITH CHECK (
        user_id = (select auth.uid()::text)
        AND (session_id IS NULL
             OR EXISTS (SELECT 1 FROM algorhythmic.rai_sessions r
                        WHERE r.id = telemetry_events.session_id
                          AND r.user_id = (select auth.uid()::text))));
CREATE POLICY "Admins can view all telemetry events" ON algorhythmic.telemetry_events
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Generation pipeline: a user follows their own jobs; the admin reads all. Genomes are read
-- wherever their artwork is readable (the subquery runs under art_sessions' policies: the
-- library for everyone, own artwork for its owner, everything for the admin).
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Users can view own generation jobs" ON algorhythmic.generation_jobs
    FOR SELECT TO authenticated USING (user_id = (select auth.uid()::text));
CREATE POLICY "Admins can view all generation jobs" ON algorhythmic.generation_jobs
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

CREATE POLICY "Genomes are visible with their artwork" ON algorhythmic.dna_genomes
    FOR SELECT TO anon, authenticated
    USING (EXISTS (SELECT 1 FROM algorhythmic.art_sessions a WHERE a.id = dna_genomes.artwork_id));
CREATE POLICY "Admins can view all genomes" ON algorhythmic.dna_genomes
    FOR SELECT TO authenticated USING ((select algorhythmic.is_admin()));

-- ---------------------------------------------------------------------------------------------
-- Service role: full access everywhere (its grants keep the ledger append-only). Only the
-- server's authenticator can become this role, so the role is the credential; a claim test on
-- top would turn server jobs that run without request claims into no-ops wherever service_role
-- lacks BYPASSRLS.
-- ---------------------------------------------------------------------------------------------

CREATE POLICY "Service role has full access" ON algorhythmic.subscription_tiers
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.users
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.sessions
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.art_sessions
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.art_preferences
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.art_votes
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.user_art_impressions
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.credit_ledger
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.user_credits
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.rai_sessions
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.telemetry_events
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.generation_jobs
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON algorhythmic.dna_genomes
    FOR ALL TO service_role USING (true) WITH CHECK (true);
