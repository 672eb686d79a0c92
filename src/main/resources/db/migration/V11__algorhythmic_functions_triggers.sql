-- Algorhythmic functions and triggers. Functions pin search_path = '' and qualify every name, so a
-- caller's search_path cannot redirect what a SECURITY DEFINER function touches. The document
-- names no function; these are the platform's rules applied to it (see docs/apps/algorhythmic.md).

-- ---------------------------------------------------------------------------------------------
-- updated_at / last_updated on every table that has one.
-- ---------------------------------------------------------------------------------------------

-- The platform's kit keeps them (V48): V49 puts its trigger on each table (last_updated for
-- user_credits). The first bodies stood here with their triggers until they were folded into V49
-- (docs/adr/0007-migrations.md, "Folding").

-- ---------------------------------------------------------------------------------------------
-- Identities: every auth.users row has its algorhythmic.users row, made at sign-up by
-- algorhythmic.create_app_user (V52, V56) through the platform's one identity hook (V48, V53), with
-- the rules that stood here. This file's sign-up trigger, its function and its backfill stood here
-- until they were folded (docs/adr/0007-migrations.md, "Folding"); V53 provisions identities made
-- before.
-- ---------------------------------------------------------------------------------------------

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
-- credit_ledger is append-only ("Immutable transaction log"): grants keep UPDATE, DELETE and
-- TRUNCATE from every request role (V12), and the platform's one ledger guard refuses them to
-- anyone without the owner's privileges, even with a grant given by mistake (V48, put on the
-- table by V50). This file's own guard and its triggers stood here until they were folded
-- (docs/adr/0007-migrations.md, "Folding").
-- ---------------------------------------------------------------------------------------------
