-- =============================================================================================
-- V48: the platform's SQL kit. The mechanisms every app's schema leans on, written once here
-- and configured per table by the apps' migrations (docs/adr/0007-migrations.md):
--   * platform.replace_trigger(...)     (re)creates a trigger under its name, for the two below;
--   * platform.set_updated_at()        the one updated_at trigger function;
--   * platform.keep_updated_at(...)     puts it on a table;
--   * platform.refuse_ledger_change()  the one append-only guard, with one rule for who may write;
--   * platform.make_append_only(...)   makes a table a ledger (grants and guard);
--   * platform.secure_table(...)       row-level security and the service role's policy;
--   * platform.provision_identity(...) and the identity hook: a sign-up provisions every app
--                                       registered in platform.identity_provisioners, each in its
--                                       own subtransaction, and a failing app never blocks it.
-- Until V49-V53 move the apps onto it, nothing here is attached to any app table.
-- Every function pins search_path = '' and qualifies every name. V47's default privileges keep
-- all of them from PUBLIC; only platform.touch is granted (it runs as whoever updates a row).
-- =============================================================================================

-- A trigger of the kit is (re)created under the name the apps' migrations gave it, so re-pointing
-- an existing trigger at the kit leaves no second one behind; the table's rows are untouched.
-- {table} in the name stands for the table's own name.
CREATE PROCEDURE platform.replace_trigger(target regclass, name_pattern text, timing_and_events text,
                                          for_each text, function_call text)
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    trigger_name constant text := pg_catalog.replace(name_pattern, '{table}',
        (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = target));
BEGIN
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', trigger_name, target);
    EXECUTE pg_catalog.format('CREATE TRIGGER %I %s ON %s FOR EACH %s EXECUTE FUNCTION %s',
                              trigger_name, timing_and_events, target, for_each, function_call);
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- updated_at. touch() holds the rule (the row, with one timestamp column set to the
-- transaction's clock); set_updated_at() is the trigger every table uses; a seed's own name for
-- it (update_updated_at_column) is a one-line trigger function calling touch().
-- jsonb_populate_record sets a column named at run time without knowing the row type: columns
-- not named keep their values as they are (no text round trip), generated columns included.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION platform.touch(row_value anyelement, column_name text DEFAULT 'updated_at')
RETURNS anyelement
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
    SELECT pg_catalog.jsonb_populate_record(row_value,
                                            pg_catalog.jsonb_build_object(column_name, pg_catalog.now()))
$$;

-- An invoker trigger runs touch() as the role updating the row: every request role needs it.
-- It only returns a copy of its argument, so it gives a caller nothing.
GRANT EXECUTE ON FUNCTION platform.touch(anyelement, text) TO anon, authenticated, service_role;

-- BEFORE UPDATE FOR EACH ROW. The column is updated_at unless the trigger names another
-- (algorhythmic.user_credits keeps last_updated, as its document says).
CREATE FUNCTION platform.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    RETURN platform.touch(NEW, coalesce(TG_ARGV[0], 'updated_at'));
END;
$$;

-- Puts set_updated_at on a table as trigger update_<table>_<column> (the name the seeds use).
CREATE PROCEDURE platform.keep_updated_at(target regclass, column_name name DEFAULT 'updated_at')
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    CALL platform.replace_trigger(
        target, 'update_{table}_' || column_name, 'BEFORE UPDATE', 'ROW',
        CASE WHEN column_name = 'updated_at' THEN 'platform.set_updated_at()'
             ELSE pg_catalog.format('platform.set_updated_at(%L)', column_name) END);
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Append-only ledgers. The one rule for who may still UPDATE, DELETE or TRUNCATE a ledger:
--
--     pg_has_role(current_user, <the table's owner>, 'USAGE')
--
-- i.e. "the current role holds the owner's privileges right now", the very test PostgreSQL
-- applies before it lets a role ALTER or DROP the table. So the guard refuses exactly the
-- roles that could not switch it off themselves, and lets through the owner's own paths:
-- migrations, SECURITY DEFINER functions (retention jobs), and foreign-key actions, which
-- PostgreSQL runs as the referencing table's owner (deleting an account removes or anonymises
-- its ledger rows). It fails closed: a role nobody thought of (atelier_auth, the pool's login
-- role, a future app's role) is refused without editing a list, which the deny-list
-- "current_user IN ('anon', 'authenticated', 'service_role')" (V41) did not do. 'MEMBER' (V11)
-- would also pass a NOINHERIT member that holds none of the owner's privileges until it
-- SET ROLEs; 'USAGE' (V21) is the precise form, and superusers pass either way.
-- Not SECURITY DEFINER on purpose: current_user must be the caller. Grants are the first lock
-- (make_append_only revokes them); this trigger holds even if one is given back by mistake.
-- TG_ARGV[0], when given, is the hint the error carries.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION platform.refuse_ledger_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF NOT pg_catalog.pg_has_role(current_user,
                                  (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID),
                                  'USAGE') THEN
        RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = coalesce(TG_ARGV[0], 'Correct it with a new row.');
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        RETURN NULL; -- TRUNCATE: the result is ignored
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

-- Makes a table a ledger: no request role keeps UPDATE, DELETE or TRUNCATE, and triggers
-- <table>_append_only (rows) and <table>_no_truncate (statement) refuse them to anyone but
-- the owner's paths. Existing triggers of those names are replaced; rows are untouched.
CREATE PROCEDURE platform.make_append_only(ledger regclass, hint text DEFAULT NULL)
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    guard constant text := pg_catalog.format('platform.refuse_ledger_change(%s)',
                                             coalesce(pg_catalog.quote_literal(hint), ''));
BEGIN
    EXECUTE pg_catalog.format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM PUBLIC, anon, authenticated, service_role',
                              ledger);
    CALL platform.replace_trigger(ledger, '{table}_append_only', 'BEFORE UPDATE OR DELETE', 'ROW', guard);
    CALL platform.replace_trigger(ledger, '{table}_no_truncate', 'BEFORE TRUNCATE', 'STATEMENT', guard);
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Row-level security for a table: enabled, and the service role's policy. The policy is scoped
-- TO service_role (the database role a service-role token runs as) rather than testing a
-- claim, so server jobs that run as service_role without request claims work where
-- service_role lacks BYPASSRLS (V1 grants it only when migrations run as a superuser).
-- force_for_owner: FORCE ROW LEVEL SECURITY, for a table whose owner must be held to its
-- policies too. No table asks for it today: the owner's paths (migrations, SECURITY DEFINER
-- triggers, foreign-key actions) are trusted by design, and FORCE would make those triggers
-- answer to policies written for clients. Calling it again changes nothing.
-- ---------------------------------------------------------------------------------------------

CREATE PROCEDURE platform.secure_table(target regclass, force_for_owner boolean DEFAULT false)
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    IF force_for_owner THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p
                   WHERE p.polrelid = target AND p.polname = 'Service role has full access') THEN
        EXECUTE pg_catalog.format('CREATE POLICY "Service role has full access" ON %s '
                                  'FOR ALL TO service_role USING (true) WITH CHECK (true)', target);
    END IF;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Identity provisioning. Each app registers the function that gives a new identity its app
-- user; the one hook on auth.users (attached in V53) calls them all, in app order, each in its
-- own subtransaction (a BEGIN ... EXCEPTION block), so an app that fails is rolled back alone
-- and the sign-up and the other apps go on.
--
-- A failure is both RAISE WARNING (the server log, at once) and a row in
-- platform.provisioning_failures: a log line cannot be queried, counted or retried, and an
-- identity without its app user is a state that lasts until someone repairs it. The row is
-- written in the sign-up's own transaction, so it exists exactly when the identity does (and
-- goes with it: ON DELETE CASCADE). Repair: provision_identity() again for that identity
-- (every provisioner is idempotent); a later success marks the app's open failures resolved.
-- ---------------------------------------------------------------------------------------------

-- function_name is called as function_name(id uuid, email text, raw_user_meta_data jsonb); its
-- result is ignored. Kept as text, not regproc: pg_upgrade refuses reg* columns (regclass aside),
-- and the CHECK keeps it a plain qualified name, safe to put into the call.
CREATE TABLE platform.identity_provisioners (
    app           text PRIMARY KEY CHECK (app ~ '^[a-z][a-z0-9_]*$'),
    function_name text NOT NULL CHECK (function_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform.provisioning_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    app         text NOT NULL,
    sqlstate    text NOT NULL,
    message     text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
-- The identity's failures (resolving them, the cascade) and the ones still open (the operator's list).
CREATE INDEX provisioning_failures_user_id_idx ON platform.provisioning_failures (user_id, app);
CREATE INDEX provisioning_failures_open_idx ON platform.provisioning_failures (failed_at) WHERE resolved_at IS NULL;

-- Configuration of the platform: the owner writes both tables; the server (service_role) reads
-- the failures for operators. Request roles get nothing.
REVOKE ALL ON platform.identity_provisioners, platform.provisioning_failures FROM PUBLIC;
GRANT SELECT ON platform.provisioning_failures TO service_role;
CALL platform.secure_table('platform.identity_provisioners');
CALL platform.secure_table('platform.provisioning_failures');

-- Provisions one identity in every registered app; returns how many apps failed. Runs as its
-- caller: the hook (SECURITY DEFINER, so the owner) or an operator repairing identities:
--   SELECT platform.provision_identity(u) FROM auth.users u
--   WHERE u.id IN (SELECT f.user_id FROM platform.provisioning_failures f WHERE f.resolved_at IS NULL);
CREATE FUNCTION platform.provision_identity(identity auth.users)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    provisioner record;
    failed      integer := 0;
    state       text;
    reason      text;
BEGIN
    FOR provisioner IN SELECT p.app, p.function_name FROM platform.identity_provisioners p ORDER BY p.app LOOP
        BEGIN
            EXECUTE pg_catalog.format('SELECT %s($1, $2, $3)', provisioner.function_name)
                USING identity.id, identity.email, identity.raw_user_meta_data;
            UPDATE platform.provisioning_failures f SET resolved_at = pg_catalog.now()
            WHERE f.user_id = identity.id AND f.app = provisioner.app AND f.resolved_at IS NULL;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, reason = MESSAGE_TEXT;
            RAISE WARNING 'identity % has no % user: % (%)', identity.id, provisioner.app, reason, state;
            INSERT INTO platform.provisioning_failures (user_id, app, sqlstate, message)
            VALUES (identity.id, provisioner.app, state, reason);
            failed := failed + 1;
        END;
    END LOOP;
    RETURN failed;
END;
$$;

-- The hook's trigger function. SECURITY DEFINER: sign-ups insert identities as atelier_auth,
-- which may write no app's schema (nor the failures table).
CREATE FUNCTION platform.on_identity_created() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
    AS 'BEGIN PERFORM platform.provision_identity(NEW); RETURN NULL; END';
