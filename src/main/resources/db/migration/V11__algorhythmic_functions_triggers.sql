-- Algorhythmic functions and triggers. Functions pin search_path = '' and qualify every name, so a
-- caller's search_path cannot redirect what a SECURITY DEFINER function touches. The document
-- names no function; these are the platform's rules applied to it (see docs/apps/algorhythmic.md).

-- ---------------------------------------------------------------------------------------------
-- updated_at / last_updated on every table that has one.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION algorhythmic.update_updated_at_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    NEW.updated_at = pg_catalog.now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON algorhythmic.users
    FOR EACH ROW EXECUTE FUNCTION algorhythmic.update_updated_at_column();
CREATE TRIGGER update_subscription_tiers_updated_at BEFORE UPDATE ON algorhythmic.subscription_tiers
    FOR EACH ROW EXECUTE FUNCTION algorhythmic.update_updated_at_column();

-- user_credits calls its column last_updated; same pattern.
CREATE FUNCTION algorhythmic.update_last_updated_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    NEW.last_updated = pg_catalog.now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER update_user_credits_last_updated BEFORE UPDATE ON algorhythmic.user_credits
    FOR EACH ROW EXECUTE FUNCTION algorhythmic.update_last_updated_column();

-- ---------------------------------------------------------------------------------------------
-- Identities: every auth.users row has its algorhythmic.users row, created at sign-up.
-- This runs inside every sign-up of every app, so it must not fail for a valid identity:
--   * the id is the identity's own (unique by construction); a row already there is kept;
--   * users.email is UNIQUE here but only case-insensitively unique in auth.users, and the
--     service role may have written an e-mail into this table first: on any clash the row is
--     created without an e-mail rather than failing the sign-up;
--   * names and avatar come from the sign-up metadata (supabase-js options.data) when present;
--     ->> on a non-object yields NULL, never an error.
-- SECURITY DEFINER: the auth endpoints' role has no rights on this schema.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION algorhythmic.handle_new_auth_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    INSERT INTO algorhythmic.users (id, email, first_name, last_name, profile_image_url)
    VALUES (NEW.id::text, NEW.email,
            NEW.raw_user_meta_data ->> 'first_name',
            NEW.raw_user_meta_data ->> 'last_name',
            NEW.raw_user_meta_data ->> 'avatar_url')
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        INSERT INTO algorhythmic.users (id, first_name, last_name, profile_image_url)
        VALUES (NEW.id::text,
                NEW.raw_user_meta_data ->> 'first_name',
                NEW.raw_user_meta_data ->> 'last_name',
                NEW.raw_user_meta_data ->> 'avatar_url')
        ON CONFLICT (id) DO NOTHING;
    END IF;
    RETURN NULL; -- AFTER ROW trigger: the result is ignored
END;
$$;

CREATE TRIGGER on_auth_user_created_algorhythmic AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION algorhythmic.handle_new_auth_user();

-- Identities that signed up before this migration ran.
INSERT INTO algorhythmic.users (id, email, first_name, last_name, profile_image_url)
SELECT u.id::text, u.email,
       u.raw_user_meta_data ->> 'first_name',
       u.raw_user_meta_data ->> 'last_name',
       u.raw_user_meta_data ->> 'avatar_url'
FROM auth.users u
ON CONFLICT DO NOTHING;

-- ---------------------------------------------------------------------------------------------
-- The app's admin: auth.uid()'s users row has role 'admin'. SECURITY DEFINER so that policies
-- may call it whatever the caller may read of users; STABLE so (select ...) runs it once per
-- statement.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION algorhythmic.is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT EXISTS (
        SELECT 1 FROM algorhythmic.users u
        WHERE u.id = (auth.uid())::text AND u.role = 'admin' AND u.is_active IS NOT FALSE)
$$;

-- ---------------------------------------------------------------------------------------------
-- credit_ledger is append-only ("Immutable transaction log"). Grants already keep UPDATE,
-- DELETE and TRUNCATE from every role but the owner (V12); this trigger is the second lock, for
-- a grant given by mistake later: it raises unless the current role is the table's owner (or a
-- member of it, which includes superusers). Deleting an account still removes its ledger rows:
-- PostgreSQL runs ON DELETE CASCADE actions as the owner of the referencing table.
-- Not SECURITY DEFINER on purpose: current_user must be the caller.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION algorhythmic.credit_ledger_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    table_owner oid := (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID);
BEGIN
    IF NOT pg_catalog.pg_has_role(current_user, table_owner, 'MEMBER') THEN
        RAISE EXCEPTION 'algorhythmic.credit_ledger is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Correct a balance with a new entry (refund or admin_adjustment).';
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        RETURN NULL;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE TRIGGER credit_ledger_no_update_or_delete BEFORE UPDATE OR DELETE ON algorhythmic.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION algorhythmic.credit_ledger_append_only();
CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON algorhythmic.credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION algorhythmic.credit_ledger_append_only();
