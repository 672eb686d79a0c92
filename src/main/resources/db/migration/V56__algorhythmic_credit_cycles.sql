-- =============================================================================================
-- V56: Algorhythmic's subscription tiers and billing cycles on the ledger engine.
--   * Every user gets a user_credits row at sign-up (through its identity provisioner): the free
--     tier's quota, granted as a ledger row, a cycle starting then, in UTC until changed.
--   * A cycle ends one calendar month after it starts, in the user's time zone (local wall time
--     kept across DST). At its end the unused credits expire ('decay', all of them), up to the
--     tier's rollover cap come back as rollover credits ('rollover'), and the new quota is
--     granted ('grant'): three rows, keyed by the cycle, so the roll is idempotent. Rollover
--     credits are spent first (platform.ledger_move's bucket).
--   * roll_credit_cycle catches up every missed cycle one by one; roll_due_credit_cycles works
--     through the due users with SKIP LOCKED, so several servers share the work.
--   * change_subscription_tier: an upgrade grants the difference at once, a downgrade takes
--     effect at the next cycle (the quota of a cycle is fixed in base_quota when it starts).
-- Times are parameters (p_now) so that the server's clock, and the tests', decide.
-- =============================================================================================

-- The most credits a cycle may carry into the next; NULL: one month's quota.
ALTER TABLE algorhythmic.subscription_tiers
    ADD COLUMN rollover_cap integer CHECK (rollover_cap >= 0);

-- The end of a cycle that starts at p_start, one calendar month later in p_zone.
CREATE FUNCTION algorhythmic.credit_cycle_end(p_start timestamptz, p_zone text)
RETURNS timestamptz
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
    SELECT ((p_start AT TIME ZONE p_zone) + interval '1 month') AT TIME ZONE p_zone
$$;

-- Opens a user's credit account: the tier's quota as the first cycle's grant. Idempotent.
CREATE FUNCTION algorhythmic.open_credit_account(p_user text, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    quota integer;
BEGIN
    SELECT coalesce(t.monthly_credits, 0) INTO quota
    FROM algorhythmic.users u LEFT JOIN algorhythmic.subscription_tiers t ON t.tier = u.subscription_tier
    WHERE u.id = p_user;
    INSERT INTO algorhythmic.user_credits (user_id, balance, rollover_balance, base_quota,
                                           billing_cycle_start, billing_cycle_end, timezone)
    VALUES (p_user, 0, 0, coalesce(quota, 0), p_now, algorhythmic.credit_cycle_end(p_now, 'UTC'), 'UTC')
    ON CONFLICT (user_id) DO NOTHING;
    IF FOUND AND quota > 0 THEN
        INSERT INTO algorhythmic.credit_ledger (user_id, event_type, amount, balance_after, description,
                                                metadata, idempotency_key)
        VALUES (p_user, 'grant', quota, 0, 'Monthly credits',
                pg_catalog.jsonb_build_object('cycle_start', p_now)::text,
                algorhythmic.credit_cycle_key(p_user, p_now, 'grant'));
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION algorhythmic.create_app_user(p_auth_user_id uuid, p_email text, p_meta jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    INSERT INTO algorhythmic.users (id, email, first_name, last_name, profile_image_url)
    SELECT p_auth_user_id::text,
           CASE WHEN NOT EXISTS (SELECT 1 FROM algorhythmic.users taken WHERE taken.email = p_email) THEN p_email END,
           p_meta ->> 'first_name', p_meta ->> 'last_name', p_meta ->> 'avatar_url'
    ON CONFLICT (id) DO NOTHING;
    PERFORM algorhythmic.open_credit_account(p_auth_user_id::text, pg_catalog.now());
END;
$$;

-- Rolls every cycle of one user that ended at or before p_now; returns how many.
CREATE FUNCTION algorhythmic.roll_credit_cycle(p_user text, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    account   algorhythmic.user_credits;
    quota     integer;
    cap       integer;
    unused    integer;
    carried   integer;
    next_end  timestamptz;
    rolled    integer := 0;
BEGIN
    LOOP
        -- The balance row's lock serialises this with every other operation of the user, and
        -- with a second roll: that one waits, then sees the cycle already moved on.
        SELECT * INTO account FROM algorhythmic.user_credits c WHERE c.user_id = p_user FOR UPDATE;
        EXIT WHEN NOT FOUND OR account.billing_cycle_end > p_now;

        SELECT coalesce(t.monthly_credits, 0), coalesce(t.rollover_cap, t.monthly_credits, 0) INTO quota, cap
        FROM algorhythmic.users u LEFT JOIN algorhythmic.subscription_tiers t ON t.tier = u.subscription_tier
        WHERE u.id = p_user;
        unused := coalesce(account.balance, 0);
        carried := least(unused, cap);
        next_end := algorhythmic.credit_cycle_end(account.billing_cycle_end, coalesce(account.timezone, 'UTC'));

        IF unused > 0 THEN
            INSERT INTO algorhythmic.credit_ledger (user_id, event_type, amount, balance_after, description,
                                                    metadata, idempotency_key)
            VALUES (p_user, 'decay', -unused, 0, 'Unused credits of the cycle expire',
                    pg_catalog.jsonb_build_object('cycle_end', account.billing_cycle_end, 'unused', unused,
                                                  'carried', carried, 'decayed', unused - carried)::text,
                    algorhythmic.credit_cycle_key(p_user, account.billing_cycle_end, 'decay'));
        END IF;
        IF carried > 0 THEN
            INSERT INTO algorhythmic.credit_ledger (user_id, event_type, amount, balance_after, description,
                                                    metadata, idempotency_key)
            VALUES (p_user, 'rollover', carried, 0, 'Credits carried into the new cycle',
                    pg_catalog.jsonb_build_object('cycle_start', account.billing_cycle_end, 'cap', cap)::text,
                    algorhythmic.credit_cycle_key(p_user, account.billing_cycle_end, 'rollover'));
        END IF;
        IF quota > 0 THEN
            INSERT INTO algorhythmic.credit_ledger (user_id, event_type, amount, balance_after, description,
                                                    metadata, idempotency_key)
            VALUES (p_user, 'grant', quota, 0, 'Monthly credits',
                    pg_catalog.jsonb_build_object('cycle_start', account.billing_cycle_end)::text,
                    algorhythmic.credit_cycle_key(p_user, account.billing_cycle_end, 'grant'));
        END IF;
        UPDATE algorhythmic.user_credits c
        SET billing_cycle_start = account.billing_cycle_end, billing_cycle_end = next_end, base_quota = quota
        WHERE c.user_id = p_user;
        rolled := rolled + 1;
    END LOOP;
    RETURN rolled;
END;
$$;

-- Rolls the due cycles of up to p_limit users; users another server is rolling are skipped.
CREATE FUNCTION algorhythmic.roll_due_credit_cycles(p_now timestamptz, p_limit integer DEFAULT 500)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    due    record;
    rolled integer := 0;
BEGIN
    FOR due IN
        SELECT c.user_id FROM algorhythmic.user_credits c
        WHERE c.billing_cycle_end <= p_now
        ORDER BY c.billing_cycle_end
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    LOOP
        rolled := rolled + algorhythmic.roll_credit_cycle(due.user_id, p_now);
    END LOOP;
    RETURN rolled;
END;
$$;

-- A tier change. Upgrade: the difference between the new quota and this cycle's is granted now
-- (once per cycle and tier) and becomes this cycle's quota. Downgrade: the tier changes now, its
-- smaller quota with the next cycle. Returns the credits granted now.
CREATE FUNCTION algorhythmic.change_subscription_tier(p_user text, p_tier text, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    account algorhythmic.user_credits;
    quota   integer;
    granted integer := 0;
BEGIN
    SELECT t.monthly_credits INTO quota FROM algorhythmic.subscription_tiers t WHERE t.tier = p_tier;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no subscription tier %', p_tier USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM algorhythmic.roll_credit_cycle(p_user, p_now); -- a change belongs to the current cycle
    SELECT * INTO account FROM algorhythmic.user_credits c WHERE c.user_id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no algorhythmic credit account for %', p_user USING ERRCODE = 'foreign_key_violation';
    END IF;
    UPDATE algorhythmic.users u SET subscription_tier = p_tier WHERE u.id = p_user;
    IF quota > coalesce(account.base_quota, 0) THEN
        granted := quota - coalesce(account.base_quota, 0);
        INSERT INTO algorhythmic.credit_ledger (user_id, event_type, amount, balance_after, description,
                                                metadata, idempotency_key)
        VALUES (p_user, 'grant', granted, 0, 'Upgrade to ' || p_tier,
                pg_catalog.jsonb_build_object('tier', p_tier, 'cycle_start', account.billing_cycle_start)::text,
                algorhythmic.credit_cycle_key(p_user, account.billing_cycle_start, 'upgrade:' || p_tier))
        ON CONFLICT (idempotency_key) DO NOTHING;
        UPDATE algorhythmic.user_credits c SET base_quota = quota WHERE c.user_id = p_user;
    END IF;
    RETURN granted;
END;
$$;

-- The user's time zone for cycle ends; the current cycle keeps its end, the next ones follow the
-- new zone. An unknown zone is refused (22023).
CREATE FUNCTION algorhythmic.set_credit_timezone(p_user text, p_zone text)
RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF p_zone IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = p_zone) THEN
        RAISE EXCEPTION 'unknown time zone %', p_zone USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE algorhythmic.user_credits c SET timezone = p_zone WHERE c.user_id = p_user;
END;
$$;

-- Accounts for the users there are already. One whose ledger has rows (written before the
-- engine) gets the balance its ledger sums to, and no new grant; the others open as at sign-up.
INSERT INTO algorhythmic.user_credits (user_id, balance, rollover_balance, base_quota,
                                       billing_cycle_start, billing_cycle_end, timezone)
SELECT l.user_id, greatest(sum(l.amount), 0), 0,
       coalesce((SELECT t.monthly_credits FROM algorhythmic.users u
                 JOIN algorhythmic.subscription_tiers t ON t.tier = u.subscription_tier WHERE u.id = l.user_id), 0),
       pg_catalog.now(), algorhythmic.credit_cycle_end(pg_catalog.now(), 'UTC'), 'UTC'
FROM algorhythmic.credit_ledger l
WHERE NOT EXISTS (SELECT 1 FROM algorhythmic.user_credits c WHERE c.user_id = l.user_id)
GROUP BY l.user_id;
SELECT algorhythmic.open_credit_account(u.id, pg_catalog.now()) FROM algorhythmic.users u ORDER BY u.id;

ALTER FUNCTION algorhythmic.roll_credit_cycle(text, timestamptz) SECURITY DEFINER;
ALTER FUNCTION algorhythmic.roll_due_credit_cycles(timestamptz, integer) SECURITY DEFINER;
ALTER FUNCTION algorhythmic.change_subscription_tier(text, text, timestamptz) SECURITY DEFINER;
ALTER FUNCTION algorhythmic.set_credit_timezone(text, text) SECURITY DEFINER;
GRANT EXECUTE ON FUNCTION
    algorhythmic.roll_credit_cycle(text, timestamptz),
    algorhythmic.roll_due_credit_cycles(timestamptz, integer),
    algorhythmic.change_subscription_tier(text, text, timestamptz),
    algorhythmic.set_credit_timezone(text, text)
    TO service_role;
