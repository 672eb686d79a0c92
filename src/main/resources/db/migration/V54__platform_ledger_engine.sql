-- =============================================================================================
-- V54: the platform's credit ledger engine (issue 8, docs/adr/0009-credit-ledger-engine.md).
-- One mechanism for every app's credits, working on the app's own tables as its document defines
-- them. An app binds its balance row and its ledger table in platform.ledger_bindings (V55
-- binds Algorhythmic and Delula); the engine then:
--   * platform.ledger_move(...)    locks the user's balance row (FOR UPDATE: one user's operations
--                                  serialise, different users never wait for each other), checks
--                                  that the balance stays >= 0 and covers the credits on hold, and
--                                  writes the new balance. Each app's ledger table calls it from
--                                  its BEFORE INSERT trigger, so every ledger row, whoever inserts
--                                  it, moves the balance in the same transaction and records
--                                  balance_after: the two can never disagree.
--   * platform.ledger_execute(...) one idempotent operation (spend, refund, grant, adjust, hold,
--                                  capture, release) under a key kept in platform.ledger_requests:
--                                  the same key with the same request returns the first response
--                                  and does nothing again, with another request answers 409.
--   * platform.ledger_holds         reservations: they lower what may be spent until captured,
--                                  released or expired.
--   * platform.ledger_reconcile()   every balance against the sum of its ledger, every
--                                  balance_after against the running sum.
-- Only the owner and service_role (the server) reach any of it: request roles get no EXECUTE and
-- no table privilege; the server decides who may do what before it calls in.
-- =============================================================================================

-- How an app's tables are reached. The SQL texts are the owner's (written by migrations only,
-- never by a request) and take positional parameters:
--   lock_sql      $1 user id (text)                 -> balance integer, bucket integer; locks the row
--   store_sql     $1 user id, $2 balance, $3 bucket -> writes them
--   append_sql    $1 user id, $2 amount, $3 kind, $4 description, $5 idempotency key,
--                 $6 metadata (jsonb)               -> id text, balance_after integer (one new row)
--   balances_sql  reconcile: user_id text, balance integer (every balance row)
--   entries_sql   reconcile: user_id text, entry_id text, amount integer, balance_after integer,
--                 ord (anything sortable: the order rows were applied in, per user)
-- kinds maps the engine's operations (spend, refund, grant, adjust) to the app's own row types.
-- bucket_kind: credits of this kind go to a separate bucket (Algorhythmic's rollover credits) that
-- debits use up first. unguarded_kinds may spend credits that are on hold (adjustments, decay).
CREATE TABLE platform.ledger_bindings (
    app                text PRIMARY KEY CHECK (app ~ '^[a-z][a-z0-9_]*$'),
    lock_sql           text NOT NULL,
    store_sql          text NOT NULL,
    append_sql         text NOT NULL,
    balances_sql       text NOT NULL,
    entries_sql        text NOT NULL,
    kinds              jsonb NOT NULL CHECK (kinds ?& ARRAY['spend', 'refund', 'grant', 'adjust']),
    bucket_kind        text,
    unguarded_kinds    text[] NOT NULL DEFAULT '{}',
    balance_constraint text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Idempotency keys, durable: (app, user, key) -> the request as first made and its response.
-- refunded_by: the key of the refund that gave a spend back (at most one).
CREATE TABLE platform.ledger_requests (
    app         text NOT NULL REFERENCES platform.ledger_bindings (app),
    user_id     text NOT NULL,
    key         text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request     jsonb NOT NULL,
    response    jsonb,
    refunded_by text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (app, user_id, key)
);

-- Holds. 'held' until captured (spent), released or expired; one past expires_at no longer counts
-- even before the sweep (platform.ledger_expire_holds) marks it.
CREATE TABLE platform.ledger_holds (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    app             text NOT NULL REFERENCES platform.ledger_bindings (app),
    user_id         text NOT NULL,
    amount          integer NOT NULL CHECK (amount > 0),
    status          text NOT NULL DEFAULT 'held'
                    CHECK (status IN ('held', 'captured', 'released', 'expired')),
    description     text,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    captured_amount integer CHECK (captured_amount > 0 AND captured_amount <= amount),
    entry_id        text,
    CONSTRAINT ledger_holds_resolution CHECK ((status = 'held') = (resolved_at IS NULL))
);
CREATE INDEX ledger_holds_user_idx ON platform.ledger_holds (app, user_id, created_at DESC);
CREATE INDEX ledger_holds_active_idx ON platform.ledger_holds (app, user_id) WHERE status = 'held';
CREATE INDEX ledger_holds_expiry_idx ON platform.ledger_holds (expires_at) WHERE status = 'held';

-- Processed webhook events (Stripe's and any later provider's), each applied once by event id.
CREATE TABLE platform.webhook_events (
    provider    text NOT NULL,
    event_id    text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
    event_type  text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

REVOKE ALL ON platform.ledger_bindings, platform.ledger_requests, platform.ledger_holds,
    platform.webhook_events FROM PUBLIC;
GRANT SELECT ON platform.ledger_bindings, platform.ledger_requests, platform.ledger_holds,
    platform.webhook_events TO service_role;
CALL platform.secure_table('platform.ledger_bindings');
CALL platform.secure_table('platform.ledger_requests');
CALL platform.secure_table('platform.ledger_holds');
CALL platform.secure_table('platform.webhook_events');

-- ---------------------------------------------------------------------------------------------
-- The core: lock, check, write. Returns the new balance and the bucket before and after.
-- Debits use the bucket first; credits of the binding's bucket_kind fill it; the bucket never
-- exceeds the balance. A debit may not leave less than what is on hold (at p_now), unless its
-- kind is unguarded; the balance itself may never go below zero (the apps' tables refuse it
-- too). The error is the one the apps' documents already gave: check_violation on the balance
-- constraint, "insufficient credits: <user> has <balance> and needs <amount>".
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION platform.ledger_move(p_app text, p_user text, p_amount integer, p_kind text,
                                     p_now timestamptz DEFAULT now(),
                                     OUT balance_after integer, OUT bucket_before integer,
                                     OUT bucket_after integer)
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    b       platform.ledger_bindings;
    balance integer;
    bucket  integer;
    held    integer := 0;
BEGIN
    -- A ledger row appended by platform.ledger_perform reaches here through the app table's
    -- trigger, which cannot pass the operation's time: perform leaves it in platform.ledger_now,
    -- so the holds it counted are the holds counted here (its clock may differ from now()).
    p_now := coalesce(nullif(pg_catalog.current_setting('platform.ledger_now', true), '')::timestamptz, p_now);
    SELECT * INTO b FROM platform.ledger_bindings WHERE app = p_app;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no ledger binding for app %', p_app USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE b.lock_sql INTO balance, bucket USING p_user;
    IF balance IS NULL THEN
        RAISE EXCEPTION 'no % user %', p_app, p_user USING ERRCODE = 'foreign_key_violation';
    END IF;
    bucket_before := coalesce(bucket, 0);
    balance_after := balance + p_amount;
    IF p_amount < 0 THEN
        IF NOT p_kind = ANY (b.unguarded_kinds) THEN
            held := platform.ledger_held(p_app, p_user, p_now);
        END IF;
        IF balance_after < held OR balance_after < 0 THEN
            RAISE EXCEPTION 'insufficient credits: % has % and needs %', p_user, balance - held, -p_amount
                USING ERRCODE = 'check_violation', CONSTRAINT = b.balance_constraint,
                      DETAIL = pg_catalog.format('balance %s, on hold %s', balance, held);
        END IF;
        bucket_after := greatest(0, bucket_before + p_amount);
    ELSIF p_kind = b.bucket_kind THEN
        bucket_after := bucket_before + p_amount;
    ELSE
        bucket_after := bucket_before;
    END IF;
    bucket_after := least(bucket_after, balance_after);
    EXECUTE b.store_sql USING p_user, balance_after, bucket_after;
END;
$$;

-- Credits on hold for a user at p_now.
CREATE FUNCTION platform.ledger_held(p_app text, p_user text, p_now timestamptz)
RETURNS integer
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
    SELECT coalesce(sum(h.amount), 0)::integer FROM platform.ledger_holds h
    WHERE h.app = p_app AND h.user_id = p_user AND h.status = 'held' AND h.expires_at > p_now
$$;

-- Locks the balance row and returns it (and what is on hold), for operations that decide before
-- they append.
CREATE FUNCTION platform.ledger_lock(p_app text, p_user text, p_now timestamptz,
                                     OUT balance integer, OUT bucket integer, OUT held integer)
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    lock_sql text;
BEGIN
    SELECT b.lock_sql INTO lock_sql FROM platform.ledger_bindings b WHERE b.app = p_app;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no ledger binding for app %', p_app USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE lock_sql INTO balance, bucket USING p_user;
    IF balance IS NULL THEN
        RAISE EXCEPTION 'no % user %', p_app, p_user USING ERRCODE = 'foreign_key_violation';
    END IF;
    held := platform.ledger_held(p_app, p_user, p_now);
END;
$$;

-- Appends one row of an engine operation to the app's ledger (whose trigger moves the balance).
CREATE FUNCTION platform.ledger_append(p_app text, p_user text, p_amount integer, p_op text,
                                       p_description text, p_key text, p_metadata jsonb,
                                       OUT entry_id text, OUT balance_after integer)
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    b platform.ledger_bindings;
BEGIN
    SELECT * INTO b FROM platform.ledger_bindings WHERE app = p_app;
    EXECUTE b.append_sql INTO entry_id, balance_after
        USING p_user, p_amount, coalesce(b.kinds ->> p_op, p_op), p_description, p_key, p_metadata;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- One operation. p_request is the operation as the client asked for it (op and its fields, and
-- nothing that varies between retries); it is what a retry is compared with. The response is a
-- JSON object whose "status" is the HTTP status the server answers (200, 402, 404, 409); a
-- refusal is recorded like a success, so a retry gets the same refusal.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION platform.ledger_execute(p_app text, p_user text, p_key text, p_request jsonb,
                                        p_now timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    earlier  platform.ledger_requests;
    answer   jsonb;
BEGIN
    -- A concurrent request with the same key waits here for the first one to commit.
    INSERT INTO platform.ledger_requests (app, user_id, key, request)
    VALUES (p_app, p_user, p_key, p_request)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        SELECT * INTO earlier FROM platform.ledger_requests r
        WHERE r.app = p_app AND r.user_id = p_user AND r.key = p_key;
        IF earlier.request IS DISTINCT FROM p_request THEN
            RETURN pg_catalog.jsonb_build_object(
                'status', 409, 'reused_key', true,
                'detail', 'this Idempotency-Key was already used for a different request');
        END IF;
        RETURN earlier.response;
    END IF;
    answer := platform.ledger_perform(p_app, p_user, p_key, p_request, p_now);
    UPDATE platform.ledger_requests r SET response = answer
    WHERE r.app = p_app AND r.user_id = p_user AND r.key = p_key;
    RETURN answer;
END;
$$;

CREATE FUNCTION platform.ledger_perform(p_app text, p_user text, p_key text, p_request jsonb,
                                        p_now timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    op          constant text := p_request ->> 'op';
    v_amount    integer := (p_request ->> 'amount')::integer;
    v_desc      text := p_request ->> 'description';
    row_key     constant text := p_user || ':' || p_key;
    acct        record;
    entry       record;
    hold        platform.ledger_holds;
    spent       platform.ledger_requests;
    ttl         integer;
BEGIN
    PERFORM pg_catalog.set_config('platform.ledger_now', p_now::text, true);
    acct := platform.ledger_lock(p_app, p_user, p_now);
    CASE op
    WHEN 'spend' THEN
        IF acct.balance - acct.held < v_amount THEN
            RETURN platform.ledger_short(acct.balance, acct.held, v_amount);
        END IF;
        entry := platform.ledger_append(p_app, p_user, -v_amount, 'spend', v_desc, row_key, NULL);
    WHEN 'grant' THEN
        entry := platform.ledger_append(p_app, p_user, v_amount, 'grant', v_desc, row_key, NULL);
    WHEN 'adjust' THEN
        IF acct.balance + v_amount < 0 THEN
            RETURN platform.ledger_short(acct.balance, 0, -v_amount);
        END IF;
        entry := platform.ledger_append(p_app, p_user, v_amount, 'adjust', v_desc, row_key, NULL);
    WHEN 'refund' THEN
        UPDATE platform.ledger_requests r SET refunded_by = p_key
        WHERE r.app = p_app AND r.user_id = p_user AND r.key = p_request ->> 'of'
          AND r.request ->> 'op' IN ('spend', 'capture') AND (r.response ->> 'status')::integer = 200
          AND r.refunded_by IS NULL
        RETURNING * INTO spent;
        IF NOT FOUND THEN
            IF EXISTS (SELECT 1 FROM platform.ledger_requests r
                       WHERE r.app = p_app AND r.user_id = p_user AND r.key = p_request ->> 'of'
                         AND r.refunded_by IS NOT NULL) THEN
                RETURN pg_catalog.jsonb_build_object('status', 409, 'detail', 'that spend was already refunded');
            END IF;
            RETURN pg_catalog.jsonb_build_object('status', 404, 'detail', 'no successful spend under that key');
        END IF;
        v_amount := (spent.response ->> 'amount')::integer;
        entry := platform.ledger_append(p_app, p_user, v_amount, 'refund',
                                        coalesce(v_desc, 'Refund of ' || (p_request ->> 'of')), row_key,
                                        pg_catalog.jsonb_build_object('refund_of', p_request ->> 'of'));
    WHEN 'hold' THEN
        IF acct.balance - acct.held < v_amount THEN
            RETURN platform.ledger_short(acct.balance, acct.held, v_amount);
        END IF;
        ttl := coalesce((p_request ->> 'ttl_seconds')::integer, 900);
        INSERT INTO platform.ledger_holds (app, user_id, amount, description, expires_at, created_at)
        VALUES (p_app, p_user, v_amount, v_desc, p_now + pg_catalog.make_interval(secs => ttl), p_now)
        RETURNING * INTO hold;
        RETURN pg_catalog.jsonb_build_object(
            'status', 200, 'hold_id', hold.id, 'amount', v_amount, 'expires_at', hold.expires_at,
            'balance', acct.balance, 'available', acct.balance - acct.held - v_amount);
    WHEN 'capture', 'release' THEN
        SELECT * INTO hold FROM platform.ledger_holds h
        WHERE h.id = (p_request ->> 'hold_id')::uuid AND h.app = p_app AND h.user_id = p_user
        FOR UPDATE;
        IF NOT FOUND THEN
            RETURN pg_catalog.jsonb_build_object('status', 404, 'detail', 'no such hold');
        END IF;
        IF hold.status = 'held' AND hold.expires_at <= p_now THEN
            UPDATE platform.ledger_holds h SET status = 'expired', resolved_at = p_now WHERE h.id = hold.id;
            hold.status := 'expired';
        END IF;
        IF hold.status <> 'held' THEN
            RETURN pg_catalog.jsonb_build_object('status', 409, 'hold_status', hold.status,
                                                 'detail', 'the hold is ' || hold.status);
        END IF;
        IF op = 'release' THEN
            UPDATE platform.ledger_holds h SET status = 'released', resolved_at = p_now WHERE h.id = hold.id;
            RETURN pg_catalog.jsonb_build_object(
                'status', 200, 'hold_id', hold.id, 'hold_status', 'released', 'balance', acct.balance,
                'available', acct.balance - acct.held + hold.amount);
        END IF;
        v_amount := coalesce(v_amount, hold.amount);
        IF v_amount > hold.amount THEN
            RETURN pg_catalog.jsonb_build_object('status', 409, 'detail',
                                                 'a capture may take at most the held amount ' || hold.amount);
        END IF;
        -- The hold's credits are gone when another operation took the hold for expired (a server
        -- whose clock is ahead of this one's) or when decay took them: it is expired then.
        IF acct.balance - (acct.held - hold.amount) < v_amount THEN
            UPDATE platform.ledger_holds h SET status = 'expired', resolved_at = p_now WHERE h.id = hold.id;
            RETURN pg_catalog.jsonb_build_object('status', 409, 'hold_status', 'expired',
                                                 'detail', 'the hold is expired');
        END IF;
        -- The hold stops counting first, so the debit may use the credits it reserved.
        UPDATE platform.ledger_holds h SET status = 'captured', resolved_at = p_now, captured_amount = v_amount
        WHERE h.id = hold.id;
        entry := platform.ledger_append(p_app, p_user, -v_amount, 'spend', coalesce(v_desc, hold.description),
                                        row_key, pg_catalog.jsonb_build_object('hold_id', hold.id));
        UPDATE platform.ledger_holds h SET entry_id = entry.entry_id WHERE h.id = hold.id;
        acct.held := acct.held - hold.amount;
    ELSE
        RAISE EXCEPTION 'unknown ledger operation %', op USING ERRCODE = 'invalid_parameter_value';
    END CASE;
    RETURN pg_catalog.jsonb_build_object(
        'status', 200, 'entry_id', entry.entry_id, 'amount', abs(v_amount),
        'balance', entry.balance_after, 'available', entry.balance_after - acct.held)
        || CASE WHEN op = 'capture' THEN pg_catalog.jsonb_build_object('hold_id', hold.id, 'hold_status', 'captured')
                ELSE '{}'::jsonb END;
END;
$$;

CREATE FUNCTION platform.ledger_short(p_balance integer, p_held integer, p_needed integer)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
    SELECT pg_catalog.jsonb_build_object(
        'status', 402, 'balance', p_balance, 'available', p_balance - p_held, 'needed', p_needed,
        'detail', pg_catalog.format('insufficient credits: %s available (%s on hold), %s needed',
                                    p_balance - p_held, p_held, p_needed))
$$;

-- Marks holds past their expiry; returns how many. Safe from several servers at once (SKIP
-- LOCKED: a hold being captured is left to its capture, which checks expiry itself).
CREATE FUNCTION platform.ledger_expire_holds(p_now timestamptz DEFAULT now(), p_limit integer DEFAULT 1000)
RETURNS integer
LANGUAGE sql
SET search_path = ''
AS $$
    WITH due AS (
        SELECT h.id FROM platform.ledger_holds h
        WHERE h.status = 'held' AND h.expires_at <= p_now
        ORDER BY h.expires_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), expired AS (
        UPDATE platform.ledger_holds h SET status = 'expired', resolved_at = p_now
        FROM due WHERE h.id = due.id
        RETURNING 1
    )
    SELECT count(*)::integer FROM expired
$$;

-- ---------------------------------------------------------------------------------------------
-- Reconcile: one row per drift, for every bound app.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION platform.ledger_reconcile()
RETURNS TABLE (app text, user_id text, entry_id text, problem text)
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
    b platform.ledger_bindings;
BEGIN
    FOR b IN SELECT * FROM platform.ledger_bindings ORDER BY app LOOP
        RETURN QUERY EXECUTE pg_catalog.format($q$
            WITH e AS (%s),
            running AS (
                SELECT e.user_id, e.entry_id, e.balance_after,
                       sum(e.amount) OVER (PARTITION BY e.user_id ORDER BY e.ord
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS total
                FROM e),
            totals AS (SELECT e.user_id, sum(e.amount) AS total FROM e GROUP BY e.user_id),
            balances AS (%s)
            SELECT %L::text, r.user_id::text, r.entry_id::text,
                   pg_catalog.format('balance_after %%s but the running sum is %%s', r.balance_after, r.total)
            FROM running r WHERE r.balance_after IS DISTINCT FROM r.total
            UNION ALL
            SELECT %L::text, bal.user_id::text, NULL::text,
                   pg_catalog.format('balance %%s but the ledger sums to %%s', bal.balance, coalesce(t.total, 0))
            FROM balances bal LEFT JOIN totals t ON t.user_id = bal.user_id
            WHERE bal.balance IS DISTINCT FROM coalesce(t.total, 0)
            $q$, b.entries_sql, b.balances_sql, b.app, b.app);
    END LOOP;
END;
$$;

-- The server calls these as service_role; nothing else may.
GRANT EXECUTE ON FUNCTION
    platform.ledger_execute(text, text, text, jsonb, timestamptz),
    platform.ledger_expire_holds(timestamptz, integer),
    platform.ledger_reconcile()
    TO service_role;
ALTER FUNCTION platform.ledger_execute(text, text, text, jsonb, timestamptz) SECURITY DEFINER;
ALTER FUNCTION platform.ledger_expire_holds(timestamptz, integer) SECURITY DEFINER;
ALTER FUNCTION platform.ledger_reconcile() SECURITY DEFINER;
