-- =============================================================================================
-- V117: deleting a user keeps the credit ledgers' rows, without the user. Algorhythmic's
-- credit_ledger and Delula's credit_transactions were ON DELETE CASCADE from the app's users:
-- deleting an account erased its part of an append-only ledger. They become ON DELETE SET NULL
-- (the guard of V116 lets exactly that change through), so the amounts, kinds and running
-- balances stay as they were written and name nobody.
-- A ledger row is still written for a user: NULL is refused on INSERT by <table>_needs_user
-- (a CHECK would also refuse the anonymisation). The reconcile checks the running sums of live
-- users; an anonymised user's rows have no balance left to check against (it went with the
-- user) and are frozen as they were, so they leave the check.
-- InfiniteStories' content_flags.reviewed_by had no ON DELETE action: a user who once reviewed
-- a flag could not be deleted at all. The flag stays, without its reviewer.
-- =============================================================================================

ALTER TABLE algorhythmic.credit_ledger ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE algorhythmic.credit_ledger DROP CONSTRAINT credit_ledger_user_id_fkey,
    ADD CONSTRAINT credit_ledger_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES algorhythmic.users (id) ON DELETE SET NULL;

ALTER TABLE delula.credit_transactions ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE delula.credit_transactions DROP CONSTRAINT credit_transactions_user_id_fkey,
    ADD CONSTRAINT credit_transactions_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES delula.users (id) ON DELETE SET NULL;

ALTER TABLE infinitestories.content_flags DROP CONSTRAINT content_flags_reviewed_by_fkey,
    ADD CONSTRAINT content_flags_reviewed_by_fkey FOREIGN KEY (reviewed_by)
        REFERENCES auth.users (id) ON DELETE SET NULL;

-- A new ledger row names its user; only the anonymisation may take the name away.
CREATE FUNCTION platform.refuse_null_on_insert()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF pg_catalog.to_jsonb(NEW) -> TG_ARGV[0] = 'null'::jsonb THEN
        RAISE EXCEPTION 'null value in column "%" of relation "%" violates not-null constraint', TG_ARGV[0], TG_TABLE_NAME
            USING ERRCODE = 'not_null_violation', COLUMN = TG_ARGV[0], TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER credit_ledger_needs_user BEFORE INSERT ON algorhythmic.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION platform.refuse_null_on_insert('user_id');
CREATE TRIGGER credit_transactions_needs_user BEFORE INSERT ON delula.credit_transactions
    FOR EACH ROW EXECUTE FUNCTION platform.refuse_null_on_insert('user_id');

UPDATE platform.ledger_bindings SET entries_sql =
    'SELECT l.user_id, l.id AS entry_id, l.amount, l.balance_after, ROW(l.created_at, l.id) AS ord '
        || 'FROM algorhythmic.credit_ledger l WHERE l.user_id IS NOT NULL'
WHERE app = 'algorhythmic';
UPDATE platform.ledger_bindings SET entries_sql =
    'SELECT t.user_id, t.id::text AS entry_id, t.amount, t.balance_after, t.id AS ord '
        || 'FROM delula.credit_transactions t WHERE t.user_id IS NOT NULL'
WHERE app = 'delula';
