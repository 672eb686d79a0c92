-- =============================================================================================
-- V90: Unleash's model on Rotation's feature flags (docs/adr/0015-feature-flags.md).
--
-- A flag keeps its Rotation type (boolean, percentage, user_list, condition), which decides
-- whether it is on, or takes the new type 'strategies': on when one of its Unleash strategies
-- (default, userWithId, flexibleRollout, gradualRollout*, remoteAddress, applicationHostname,
-- with constraints and segments) holds. Every flag may have Unleash variants (weights,
-- stickiness, overrides) and dependencies on parent flags. The platform's Java engine
-- (dev.atelier.platform.flags) evaluates all of it; the columns hold the JSON of Unleash's
-- client API (/api/client/features) so that it is served as stored.
-- rotation.evaluate_feature_flag stays the SQL evaluator of the four types: it answers false
-- for a 'strategies' flag and ignores variants and dependencies (documented in rotation.md).
-- =============================================================================================

ALTER TYPE rotation.feature_flag_type ADD VALUE 'strategies';

ALTER TABLE rotation.feature_flags
    ADD COLUMN strategies   jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN variants     jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN dependencies jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD CONSTRAINT feature_flags_unleash_arrays CHECK (
        pg_catalog.jsonb_typeof(strategies) = 'array'
        AND pg_catalog.jsonb_typeof(variants) = 'array'
        AND pg_catalog.jsonb_typeof(dependencies) = 'array'
        AND pg_catalog.octet_length(strategies::text) <= 65536
        AND pg_catalog.octet_length(variants::text) <= 65536
        AND pg_catalog.octet_length(dependencies::text) <= 8192);

-- ---------------------------------------------------------------------------------------------
-- evaluate_feature_flag(key, user_id, context). A missing or disabled flag is false. Then:
--   boolean    -> true
--   percentage -> feature_flag_bucket(key, stickiness) <= rollout_percentage, where stickiness
--                 is the user id (argument, else the caller's) or else context sessionId /
--                 session_id; with neither it is false
--   user_list  -> user id in target_users
--   condition  -> evaluate_flag_condition(conditions, context)
-- Each evaluation of an existing flag is recorded in feature_flag_evaluations when the flag's
-- track_evaluations is on. SECURITY DEFINER: callers (anon included) evaluate flags without
-- being able to read feature_flags.
-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------
-- V45 (4b): evaluate_feature_flag appended whatever context it was given to
-- feature_flag_evaluations: twenty anonymous calls stored 20 MB. Now:
--   * a context over 4 KB (its JSON text) is refused, whoever calls, before anything is looked
--     up or stored: 22023, so the data API answers 400 naming the limit. A targeting context
--     (country, app version, plan, session id) is a few hundred bytes; refusing rather than
--     truncating keeps conditions from being evaluated against a context the caller did not send;
--   * an anonymous caller's evaluation is still recorded (exposure counts per flag, bucket and
--     session are what percentage rollouts are checked with) but without its context: the
--     context is free-form input from someone without an account, and keeping it would let anyone
--     fill the table with whatever they like; the session id is kept up to 128 characters.
-- "Anonymous" is a client request without a Rotation user: rotation.current_user_id() is NULL and
-- the request runs as anon or authenticated (the session's role setting, which SECURITY DEFINER
-- does not change). The platform (service_role, the owner) is never anonymous.
-- ---------------------------------------------------------------------------------------------

-- V45's body, with an ELSE for the new type (CASE without ELSE raised 20000 for it). The seed's
-- first body (V21) and V45's were folded into this one (docs/adr/0007-migrations.md, "Folding").
CREATE OR REPLACE FUNCTION rotation.evaluate_feature_flag(key text, user_id integer DEFAULT NULL,
                                                          context jsonb DEFAULT '{}'::jsonb)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    max_context_bytes constant integer := 4096;
    flag       rotation.feature_flags%ROWTYPE;
    caller     integer := rotation.current_user_id();
    uid        integer := coalesce(evaluate_feature_flag.user_id, caller);
    ctx        jsonb := coalesce(evaluate_feature_flag.context, '{}'::jsonb);
    sess       text;
    stickiness text;
    bucket     integer;
    result     boolean := false;
    anonymous  boolean;
BEGIN
    IF evaluate_feature_flag.user_id IS NOT NULL
       AND coalesce(auth.role(), '') IN ('anon', 'authenticated')
       AND evaluate_feature_flag.user_id IS DISTINCT FROM caller
       AND NOT rotation.is_admin() THEN
        RAISE EXCEPTION 'a user may evaluate feature flags only for themselves'
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    IF pg_catalog.octet_length(ctx::text) > max_context_bytes THEN
        RAISE EXCEPTION 'the evaluation context is % bytes of JSON; at most % are accepted',
                pg_catalog.octet_length(ctx::text), max_context_bytes
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Send only the attributes the flag conditions use.';
    END IF;
    sess := coalesce(ctx ->> 'sessionId', ctx ->> 'session_id');

    SELECT f.* INTO flag FROM rotation.feature_flags f WHERE f.key = evaluate_feature_flag.key;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    IF flag.is_enabled THEN
        CASE flag.flag_type::text
            WHEN 'boolean' THEN
                result := true;
            WHEN 'percentage' THEN
                stickiness := coalesce(uid::text, sess);
                IF stickiness IS NOT NULL THEN
                    bucket := rotation.feature_flag_bucket(flag.key, stickiness);
                    result := bucket <= flag.rollout_percentage;
                END IF;
            WHEN 'user_list' THEN
                result := coalesce(uid = ANY (flag.target_users), false);
            WHEN 'condition' THEN
                result := coalesce(rotation.evaluate_flag_condition(flag.conditions, ctx), false);
            ELSE
                result := false; -- 'strategies': evaluated by the platform's engine only
        END CASE;
    END IF;

    IF flag.track_evaluations THEN
        anonymous := caller IS NULL AND pg_catalog.current_setting('role') IN ('anon', 'authenticated');
        INSERT INTO rotation.feature_flag_evaluations (feature_flag_id, user_id, session_id,
                                                       evaluation_result, bucket, evaluation_context)
        VALUES (flag.id, (SELECT u.id FROM rotation.users u WHERE u.id = uid),
                CASE WHEN anonymous THEN pg_catalog.left(sess, 128) ELSE sess END,
                result, bucket, CASE WHEN anonymous THEN '{}'::jsonb ELSE ctx END);
    END IF;
    RETURN result;
END;
$$;

-- The rpc clients call (V22, V47 granted it where it was first defined).
GRANT EXECUTE ON FUNCTION rotation.evaluate_feature_flag(text, integer, jsonb) TO anon, authenticated, service_role;
