-- =============================================================================================
-- V57: Delula's daily refresh in each user's own calendar day, through the ledger engine.
-- A user is topped up to the daily allowance of their account type (guests and registered users
-- may differ, from the server's configuration) at most once per calendar day in their time zone:
-- the row is locked (SKIP LOCKED: a second server moves on to other users), the day is checked
-- against last_credit_refresh after the lock, and the row's key is 'daily_refresh:<local date>',
-- which a second run the same day cannot use again. System accounts are never topped up.
-- =============================================================================================

-- Not in the document: the user's time zone, for their calendar day. UTC unless set.
ALTER TABLE delula.users ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';

CREATE FUNCTION delula.refresh_daily_credits(p_registered integer, p_guest integer, p_now timestamptz,
                                             p_limit integer DEFAULT 2147483647)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    topped_up integer := 0;
    inserted  integer;
    allowance integer;
    local_day date;
    u         record;
BEGIN
    IF p_registered IS NULL OR p_registered < 0 OR p_guest IS NULL OR p_guest < 0 THEN
        RAISE EXCEPTION 'daily allowances must not be negative, got % and %', p_registered, p_guest
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR u IN
        SELECT us.id, us.credits, us.account_type, us.timezone FROM delula.users us
        WHERE (p_now AT TIME ZONE us.timezone)::date > (us.last_credit_refresh AT TIME ZONE us.timezone)::date
          AND us.account_type <> 1
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    LOOP
        local_day := (p_now AT TIME ZONE u.timezone)::date;
        allowance := CASE WHEN u.account_type = 2 THEN p_guest ELSE p_registered END;
        IF u.credits < allowance THEN
            INSERT INTO delula.credit_transactions (user_id, amount, type, description, idempotency_key, metadata)
            VALUES (u.id, allowance - u.credits, 'daily_refresh', 'Daily refresh to ' || allowance || ' credits',
                    'daily_refresh:' || local_day, pg_catalog.jsonb_build_object('day', local_day, 'zone', u.timezone));
            GET DIAGNOSTICS inserted = ROW_COUNT; -- 0 when that day's key was already used
            topped_up := topped_up + inserted;
        END IF;
        UPDATE delula.users SET last_credit_refresh = p_now WHERE id = u.id;
    END LOOP;
    RETURN topped_up;
END;
$$;

-- The V41 signature stays, for its callers: the same allowance for everyone, now.
CREATE OR REPLACE FUNCTION delula.refresh_daily_credits(p_daily_credits integer DEFAULT 10)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF p_daily_credits IS NULL OR p_daily_credits <= 0 THEN
        RAISE EXCEPTION 'p_daily_credits must be positive, got %', p_daily_credits
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN delula.refresh_daily_credits(p_daily_credits, p_daily_credits, pg_catalog.now(), 2147483647);
END;
$$;

ALTER FUNCTION delula.refresh_daily_credits(integer, integer, timestamptz, integer) SECURITY DEFINER;
GRANT EXECUTE ON FUNCTION delula.refresh_daily_credits(integer, integer, timestamptz, integer) TO service_role;
