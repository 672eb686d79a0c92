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
-- algorhythmic.create_app_user (V52, V56) through the platform's one identity hook (V48, V53),
-- with the rules that stood here. This file's sign-up trigger, its function and its backfill stood
-- here until they were folded (docs/adr/0007-migrations.md, "Folding"); V53 provisions identities made before.
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
