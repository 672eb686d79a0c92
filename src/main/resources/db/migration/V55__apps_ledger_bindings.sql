-- =============================================================================================
-- V55: Algorhythmic and Delula keep their credits through the platform's ledger engine (V54).
-- Each binds its balance row and its ledger table, and each ledger table's BEFORE INSERT trigger
-- hands the row to platform.ledger_move, so a row inserted by anyone (the engine, the generation
-- trigger, the service role, an admin through the data API) moves the balance and records
-- balance_after in the same statement. Before this, Algorhythmic's credit_ledger took any
-- balance_after it was given and moved no balance at all.
-- The order a user's rows were applied in is the order the reconcile checks running sums in:
-- Delula's id is drawn again after the balance row is locked (the serial default is drawn
-- before, so two concurrent rows could get ids in the other order), Algorhythmic's created_at
-- is the clock at that moment (its id is a random uuid).
-- =============================================================================================

INSERT INTO platform.ledger_bindings (app, lock_sql, store_sql, append_sql, balances_sql, entries_sql,
                                      kinds, bucket_kind, unguarded_kinds, balance_constraint) VALUES
(
    'algorhythmic',
    'SELECT coalesce(c.balance, 0), coalesce(c.rollover_balance, 0) FROM algorhythmic.user_credits c '
        || 'WHERE c.user_id = $1 FOR UPDATE',
    'UPDATE algorhythmic.user_credits SET balance = $2, rollover_balance = $3 WHERE user_id = $1',
    'INSERT INTO algorhythmic.credit_ledger (user_id, amount, event_type, description, idempotency_key, '
        || 'metadata, balance_after) VALUES ($1, $2, $3, $4, $5, $6::text, 0) RETURNING id::text, balance_after',
    'SELECT u.id AS user_id, coalesce(c.balance, 0) AS balance FROM algorhythmic.users u '
        || 'LEFT JOIN algorhythmic.user_credits c ON c.user_id = u.id',
    'SELECT l.user_id, l.id AS entry_id, l.amount, l.balance_after, ROW(l.created_at, l.id) AS ord '
        || 'FROM algorhythmic.credit_ledger l',
    '{"spend": "deduct", "refund": "refund", "grant": "grant", "adjust": "admin_adjustment"}',
    'rollover',
    '{admin_adjustment, decay, rollover}',
    'user_credits_balance_check'
),
(
    'delula',
    'SELECT u.credits, 0 FROM delula.users u WHERE u.id = $1 FOR UPDATE',
    'UPDATE delula.users SET credits = $2 WHERE id = $1',
    'INSERT INTO delula.credit_transactions (user_id, amount, type, description, idempotency_key, metadata, '
        || 'generation_id, balance_after) VALUES ($1, $2, $3, $4, $5, coalesce($6, ''{}''::jsonb), '
        || '($6 ->> ''generation_id'')::integer, 0) RETURNING id::text, balance_after',
    'SELECT u.id AS user_id, u.credits AS balance FROM delula.users u',
    'SELECT t.user_id, t.id::text AS entry_id, t.amount, t.balance_after, t.id AS ord '
        || 'FROM delula.credit_transactions t',
    '{"spend": "generation", "refund": "refund", "grant": "purchase", "adjust": "admin_adjustment"}',
    NULL,
    '{admin_adjustment}',
    'users_credits_non_negative'
);

-- ---------------------------------------------------------------------------------------------
-- Algorhythmic: the ledger row moves the balance. A debit says what paid for it (rollover credits
-- first, they expire first) and which of the cycle's rows granted them, by their keys.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION algorhythmic.apply_credit_ledger_entry()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    moved       record;
    cycle_start timestamptz;
    from_bucket integer;
    paid        jsonb;
BEGIN
    IF NEW.amount IS NULL OR NEW.user_id IS NULL OR NEW.event_type IS NULL THEN
        RETURN NEW; -- the NOT NULL constraints reject the row
    END IF;
    moved := platform.ledger_move('algorhythmic', NEW.user_id, NEW.amount, NEW.event_type);
    NEW.balance_after := moved.balance_after;
    NEW.created_at := pg_catalog.clock_timestamp();
    IF NEW.event_type = 'deduct' THEN
        SELECT c.billing_cycle_start INTO cycle_start FROM algorhythmic.user_credits c WHERE c.user_id = NEW.user_id;
        from_bucket := moved.bucket_before - moved.bucket_after;
        paid := pg_catalog.jsonb_build_object(
            'rollover', from_bucket,
            'quota', -NEW.amount - from_bucket,
            'rollover_grant', CASE WHEN from_bucket > 0
                                   THEN algorhythmic.credit_cycle_key(NEW.user_id, cycle_start, 'rollover') END,
            'quota_grant', CASE WHEN -NEW.amount > from_bucket
                                THEN algorhythmic.credit_cycle_key(NEW.user_id, cycle_start, 'grant') END);
        BEGIN
            NEW.metadata := (coalesce(NEW.metadata::jsonb, '{}'::jsonb)
                             || pg_catalog.jsonb_build_object('paid_from', paid))::text;
        EXCEPTION WHEN invalid_text_representation OR datatype_mismatch OR invalid_parameter_value THEN
            NULL; -- metadata that is not a JSON object is kept as it was given
        END;
    END IF;
    RETURN NEW;
END;
$$;

-- The key of one of a billing cycle's rows (grant, rollover, decay), named by the cycle's start.
CREATE FUNCTION algorhythmic.credit_cycle_key(p_user text, p_cycle_start timestamptz, p_what text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
    SELECT p_user || ':cycle:' || pg_catalog.to_char(p_cycle_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           || ':' || p_what
$$;

CREATE TRIGGER apply_credit_ledger_entry BEFORE INSERT ON algorhythmic.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION algorhythmic.apply_credit_ledger_entry();

-- ---------------------------------------------------------------------------------------------
-- Delula's credit ledger (V41). A row moves the balance: the BEFORE INSERT trigger locks the user's
-- row, skips the row if its idempotency key was already applied for that user (a retry does nothing
-- twice, also under INSERT ... ON CONFLICT DO NOTHING, whose conflict check comes after BEFORE
-- triggers), refuses a balance below zero, writes users.credits and records balance_after. Taking
-- the user's row lock before looking for the key serialises every ledger insert of one user, so the
-- look-up always sees a concurrent insert that committed first. SECURITY DEFINER: the balance is
-- written as the owner, which guard_user_credits lets through.
--
-- Delula: the same trigger name and the same rules as V41 (a retried key does nothing, the
-- error for a short balance), now through the engine, which also keeps credits on hold from
-- being spent. A user's first row may be the opening balance (signup_bonus, key 'opening'),
-- recorded at the balance the user row was created with: users.credits defaults to 10 (its
-- document's "Default 10") and every balance must be the sum of its ledger.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION delula.apply_credit_transaction()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    balance integer;
BEGIN
    IF NEW.amount IS NULL THEN
        RETURN NEW; -- the NOT NULL on amount rejects the row
    END IF;

    SELECT u.credits INTO balance FROM delula.users u WHERE u.id = NEW.user_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no delula user %', NEW.user_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'credit_transactions_user_id_fkey',
                  TABLE = 'credit_transactions', SCHEMA = 'delula';
    END IF;

    IF NEW.idempotency_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM delula.credit_transactions t
        WHERE t.user_id = NEW.user_id AND t.idempotency_key = NEW.idempotency_key) THEN
        RETURN NULL; -- already applied
    END IF;

    IF NEW.type = 'signup_bonus' AND NEW.idempotency_key = 'opening' THEN
        IF NEW.amount <> balance OR EXISTS (SELECT 1 FROM delula.credit_transactions t WHERE t.user_id = NEW.user_id) THEN
            RAISE EXCEPTION 'an opening row records the balance a new user starts with, as the user''s first row'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_transactions_opening',
                      TABLE = 'credit_transactions', SCHEMA = 'delula';
        END IF;
        NEW.balance_after := balance;
    ELSE
        NEW.balance_after := (platform.ledger_move('delula', NEW.user_id, NEW.amount, NEW.type)).balance_after;
    END IF;
    NEW.id := pg_catalog.nextval('delula.credit_transactions_id_seq');
    RETURN NEW;
END;
$$;

-- V41 created the trigger with the function's first body; since the fold both are defined here.
CREATE OR REPLACE TRIGGER apply_credit_transaction BEFORE INSERT ON delula.credit_transactions
    FOR EACH ROW EXECUTE FUNCTION delula.apply_credit_transaction();

CREATE FUNCTION delula.open_credit_account()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF NEW.credits <> 0 THEN
        INSERT INTO delula.credit_transactions (user_id, amount, type, description, idempotency_key)
        VALUES (NEW.id, NEW.credits, 'signup_bonus', 'Credits a new account starts with', 'opening');
    END IF;
    RETURN NULL; -- AFTER ROW trigger
END;
$$;

CREATE TRIGGER open_credit_account AFTER INSERT ON delula.users
    FOR EACH ROW EXECUTE FUNCTION delula.open_credit_account();

-- Users that exist already get their opening row too (nothing they have moved yet is lost:
-- a user with rows already is left to the reconcile, which reports what does not add up).
INSERT INTO delula.credit_transactions (user_id, amount, type, description, idempotency_key)
SELECT u.id, u.credits, 'signup_bonus', 'Credits a new account starts with', 'opening'
FROM delula.users u
WHERE u.credits <> 0
  AND NOT EXISTS (SELECT 1 FROM delula.credit_transactions t WHERE t.user_id = u.id)
ORDER BY u.id;
