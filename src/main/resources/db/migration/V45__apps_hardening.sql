-- Hardening of the apps' schemas (issue 6, findings 5 and 9, the database side):
--   1. access checks before any look-up that reveals another user's data (Delula's ledger
--      trigger, recipe tag highlights);
--   2. counters and other values the system maintains are not writable by request roles;
--   3. InfiniteStories' user_id defaults to the caller, as in the other apps;
--   4. Rotation's flag evaluations: bounded context, no free-form context kept for anon, and a
--      bounded nesting depth for conditions.
-- Functions pin search_path = '' and qualify every name, as in the earlier migrations.

-- ---------------------------------------------------------------------------------------------
-- 1a. Delula's ledger. BEFORE ROW triggers run before the row-level security check of an INSERT,
-- and apply_credit_transaction (SECURITY DEFINER, it writes users.credits) locks and reads the
-- balance of whatever user_id the row names. A user's forged row for somebody else therefore
-- answered "insufficient credits: <their id> has 14 ...", "no delula user ..." or, for a known
-- idempotency key, silently nothing: another user's balance, existence and history.
-- This trigger runs first (triggers fire in name order: "access_check_..." < "apply_...") and is
-- not SECURITY DEFINER, so current_user is the role really inserting: a request role is refused
-- a row of another user with the error RLS itself gives, unless it is the app admin (who may
-- record adjustments for anyone and reads every balance anyway). The owner (the generation
-- trigger's own ledger rows) and service_role pass. A user's own row goes on to the ledger
-- trigger and then to the policies: their own balance is theirs to see.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.check_credit_transaction_access()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF current_user IN ('anon', 'authenticated')
       AND NEW.user_id IS DISTINCT FROM (auth.uid())::text
       AND NOT delula.is_admin() THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "credit_transactions"'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;

REVOKE ALL ON FUNCTION delula.check_credit_transaction_access() FROM PUBLIC;

CREATE TRIGGER access_check_credit_transaction BEFORE INSERT ON delula.credit_transactions
    FOR EACH ROW EXECUTE FUNCTION delula.check_credit_transaction_access();

-- ---------------------------------------------------------------------------------------------
-- 1b. Delula's recipe tag highlights. The check ran as the owner, before the insert policy, so a
-- user who may not write recipes learnt from its message whether a hidden tag id exists. Only
-- the admin and service_role write recipes, and both see every tag through their own policies,
-- so the check needs no more rights than the writer's: as the invoker, a hidden tag looks
-- exactly like a missing one to everybody else.
-- ---------------------------------------------------------------------------------------------

ALTER FUNCTION delula.validate_recipe_tag_highlights() SECURITY INVOKER;

-- The other SECURITY DEFINER functions of the five schemas were checked for the same pattern:
-- the identity helpers (current_user_id, is_admin, managed_store_ids) read only the caller's
-- row; the sign-up, audit, history, play-count, collection-stats, recipe-usage, refund and
-- tag-removal triggers run AFTER the row passed its policies; generate_short_id,
-- create_app_user and the maintenance jobs are service_role's; soft_delete_user_asset and
-- evaluate_feature_flag check the caller before they look anything up.

-- ---------------------------------------------------------------------------------------------
-- 2. Values the system maintains: counters, totals, usage and the timestamps of system jobs.
-- Column privileges, not a trigger that quietly keeps the old value: PostgreSQL checks them
-- before any trigger or policy runs, a client that sends such a column gets 42501 and knows,
-- the paths that maintain them (SECURITY DEFINER triggers running as the owner, the server's
-- jobs as service_role) keep their table privileges untouched, and it is how the earlier
-- migrations already protect delula.users.credits, rotation.user_collections' stats and
-- algorhythmic.users' role and subscription columns. For each table below a request role keeps INSERT / UPDATE on
-- every other column it had them on (the data API names only the columns a client sends, in
-- INSERT, UPDATE and ON CONFLICT DO UPDATE). Admins of an app act as authenticated and are
-- bound too: a counter is a fact, not a setting.
-- Already column-protected before this migration: delula.users (credits, last_credit_refresh),
-- delula.user_assets (usage_count, last_used_at), rotation.user_collections (total_tracks,
-- total_duration_seconds, play_count, like_count, share_count, last_played_at), rotation.users
-- (last_login_at), algorhythmic.users (all but the profile). Read-only for request roles anyway: delula.recipe_usage,
-- rotation.daily_metrics and recommendation_data, algorhythmic.dna_genomes and user_credits,
-- infinitestories.api_usage and rate_limits.
-- Not system-owned: algorhythmic.rai_sessions' totals are reported by the client that closes
-- its session; infinitestories.story_illustrations.retry_count is the user's own client's
-- retry budget (bounded by its CHECK).
-- ---------------------------------------------------------------------------------------------

DO $$
DECLARE
    spec     record;
    writable text;
    verb     text;
BEGIN
    FOR spec IN
        SELECT s.table_name::regclass AS tbl, s.system_columns
        FROM (VALUES
            -- play counting (increment_play_count) and event usage (count_custom_event_usage)
            ('infinitestories.stories',       ARRAY['play_count', 'last_played_at']),
            ('infinitestories.custom_events', ARRAY['usage_count']),
            -- synced from recipe_usage by sync_recipe_usage_counts (service_role)
            ('delula.recipes',                ARRAY['usage_count']),
            -- Discogs sync and the review system
            ('rotation.stores',               ARRAY['average_rating', 'total_reviews', 'total_releases', 'last_sync_at']),
            -- upsert_discogs_release
            ('rotation.records',              ARRAY['total_tracks', 'total_duration_seconds']),
            ('rotation.store_inventory',      ARRAY['view_count', 'wishlist_count', 'last_synced_at']),
            -- the audio matcher (views and likes of the matched video)
            ('rotation.audio_matches',        ARRAY['popularity_score', 'last_checked_at']),
            ('rotation.metadata_cache',       ARRAY['refresh_count', 'last_refreshed_at']),
            -- the rate limiter's window and the job engine's attempts
            ('rotation.rate_limits',          ARRAY['current_count']),
            ('rotation.jobs',                 ARRAY['retry_count'])
        ) AS s(table_name, system_columns)
    LOOP
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
        INTO writable
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = spec.tbl AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attgenerated = '' AND a.attname <> ALL (spec.system_columns);
        FOREACH verb IN ARRAY ARRAY['INSERT', 'UPDATE'] LOOP
            IF pg_catalog.has_table_privilege('authenticated', spec.tbl, verb) THEN
                EXECUTE pg_catalog.format('REVOKE %s ON %s FROM authenticated', verb, spec.tbl);
                EXECUTE pg_catalog.format('GRANT %s (%s) ON %s TO authenticated', verb, writable, spec.tbl);
            END IF;
            IF pg_catalog.has_table_privilege('anon', spec.tbl, verb) THEN
                EXECUTE pg_catalog.format('REVOKE %s ON %s FROM anon', verb, spec.tbl);
                EXECUTE pg_catalog.format('GRANT %s (%s) ON %s TO anon', verb, writable, spec.tbl);
            END IF;
        END LOOP;
    END LOOP;
END
$$;

-- custom_events.usage_count had no path that maintained it: it counts the stories made from the
-- event. A story counts for its event when it is created with it or moved to it, and only when
-- the event is public or the story's owner's own (a foreign key does not check RLS, so a known
-- uuid of a private event must not let anyone move its counter). SECURITY DEFINER: the author of
-- a story made from a shared event may not update that event; AFTER the row passed its policies.
CREATE FUNCTION infinitestories.count_custom_event_usage()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF NEW.custom_event_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.custom_event_id IS DISTINCT FROM OLD.custom_event_id) THEN
        UPDATE infinitestories.custom_events e
        SET usage_count = e.usage_count + 1
        WHERE e.id = NEW.custom_event_id
          AND (e.is_public OR e.user_id = NEW.user_id);
    END IF;
    RETURN NULL; -- AFTER trigger
END;
$$;

REVOKE ALL ON FUNCTION infinitestories.count_custom_event_usage() FROM PUBLIC;

CREATE TRIGGER count_custom_event_usage AFTER INSERT OR UPDATE OF custom_event_id ON infinitestories.stories
    FOR EACH ROW EXECUTE FUNCTION infinitestories.count_custom_event_usage();

-- ---------------------------------------------------------------------------------------------
-- 3. InfiniteStories: user_id defaults to the caller in every user-owned table, as play_events
-- already did and the other apps do, so a client need not send it. The policies still require
-- it to be the caller's; server rows (service_role without claims) get NULL and must name it,
-- as before.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE infinitestories.heroes        ALTER COLUMN user_id SET DEFAULT auth.uid();
ALTER TABLE infinitestories.stories       ALTER COLUMN user_id SET DEFAULT auth.uid();
ALTER TABLE infinitestories.custom_events ALTER COLUMN user_id SET DEFAULT auth.uid();
ALTER TABLE infinitestories.api_usage     ALTER COLUMN user_id SET DEFAULT auth.uid();
ALTER TABLE infinitestories.rate_limits   ALTER COLUMN user_id SET DEFAULT auth.uid();

-- ---------------------------------------------------------------------------------------------
-- Conditions of 'condition' flags (feature_flags.conditions), evaluated against the context
-- argument of evaluate_feature_flag. Format (documented in docs/apps/rotation.md):
--   {"attribute": "country", "operator": "in", "values": ["NL", "DE"]}
--   {"attribute": "app.version", "operator": "gt", "value": 3}     -- dotted path into the context
--   {"all": [c, ...]}, {"any": [c, ...]}, {"not": c}                -- combinations, nestable
-- Operators: eq, neq (value), in, not_in (values), gt, lt (value; numbers with numbers, strings
-- with strings), contains (value: substring of a string attribute, or element of an array one).
-- An attribute missing from the context (or JSON null) makes neq and not_in true and every
-- other operator false. Anything malformed (unknown operator, empty condition, empty all/any)
-- is false: a broken condition turns a flag off, never on for everyone.
-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------
-- 4a. Conditions nest at most 32 JSON levels. The evaluator recurses once per level of all/any/
-- not, and a deep enough condition (900 levels, from anyone through rpc) exhausted the stack: a
-- 500 with a max_stack_depth hint. 32 levels are 16 nested all/any or 32 nested not, far more than
-- a real targeting rule. jsonpath's .** walks the document in C without recursing into PL/pgSQL,
-- and strict mode keeps it from unwrapping arrays twice. The check repeats at each level of the
-- recursion, on an ever smaller part, so its cost stays within 32 times one walk.
-- 22023 (invalid_parameter_value): the data API answers 400 with the message.
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION rotation.evaluate_flag_condition(condition jsonb, context jsonb)
RETURNS boolean
LANGUAGE plpgsql
IMMUTABLE PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
    item  jsonb;
    op    text;
    attr  jsonb;
    val   jsonb;
    vals  jsonb;
BEGIN
    IF pg_catalog.jsonb_path_exists(condition, 'strict $.**{33}') THEN
        RAISE EXCEPTION 'a flag condition may nest at most 32 levels deep'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Flatten the condition: "all" and "any" take any number of conditions.';
    END IF;
    IF condition IS NULL OR pg_catalog.jsonb_typeof(condition) <> 'object' OR condition = '{}'::jsonb THEN
        RETURN false;
    END IF;
    context := coalesce(context, '{}'::jsonb);

    IF condition ? 'all' THEN
        IF pg_catalog.jsonb_typeof(condition -> 'all') <> 'array'
           OR pg_catalog.jsonb_array_length(condition -> 'all') = 0 THEN
            RETURN false;
        END IF;
        FOR item IN SELECT e FROM pg_catalog.jsonb_array_elements(condition -> 'all') e LOOP
            IF NOT rotation.evaluate_flag_condition(item, context) THEN
                RETURN false;
            END IF;
        END LOOP;
        RETURN true;
    ELSIF condition ? 'any' THEN
        IF pg_catalog.jsonb_typeof(condition -> 'any') <> 'array' THEN
            RETURN false;
        END IF;
        FOR item IN SELECT e FROM pg_catalog.jsonb_array_elements(condition -> 'any') e LOOP
            IF rotation.evaluate_flag_condition(item, context) THEN
                RETURN true;
            END IF;
        END LOOP;
        RETURN false;
    ELSIF condition ? 'not' THEN
        IF pg_catalog.jsonb_typeof(condition -> 'not') <> 'object' OR condition -> 'not' = '{}'::jsonb THEN
            RETURN false;
        END IF;
        RETURN NOT rotation.evaluate_flag_condition(condition -> 'not', context);
    END IF;

    op := condition ->> 'operator';
    IF op IS NULL OR pg_catalog.jsonb_typeof(condition -> 'attribute') IS DISTINCT FROM 'string' THEN
        RETURN false;
    END IF;
    attr := context #> pg_catalog.string_to_array(condition ->> 'attribute', '.');
    val := condition -> 'value';
    vals := condition -> 'values';

    IF attr IS NULL OR attr = 'null'::jsonb THEN
        RETURN op IN ('neq', 'not_in');
    END IF;

    CASE op
        WHEN 'eq' THEN
            RETURN coalesce(attr = val, false);
        WHEN 'neq' THEN
            RETURN coalesce(attr <> val, true);
        WHEN 'in' THEN
            RETURN pg_catalog.jsonb_typeof(vals) = 'array'
               AND EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(vals) v WHERE v = attr);
        WHEN 'not_in' THEN
            RETURN pg_catalog.jsonb_typeof(vals) = 'array'
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(vals) v WHERE v = attr);
        WHEN 'gt', 'lt' THEN
            IF pg_catalog.jsonb_typeof(attr) = 'number' AND pg_catalog.jsonb_typeof(val) = 'number' THEN
                RETURN CASE op WHEN 'gt' THEN (attr #>> '{}')::numeric > (val #>> '{}')::numeric
                               ELSE (attr #>> '{}')::numeric < (val #>> '{}')::numeric END;
            ELSIF pg_catalog.jsonb_typeof(attr) = 'string' AND pg_catalog.jsonb_typeof(val) = 'string' THEN
                RETURN CASE op WHEN 'gt' THEN (attr #>> '{}') COLLATE "C" > (val #>> '{}') COLLATE "C"
                               ELSE (attr #>> '{}') COLLATE "C" < (val #>> '{}') COLLATE "C" END;
            END IF;
            RETURN false;
        WHEN 'contains' THEN
            IF pg_catalog.jsonb_typeof(attr) = 'string' AND pg_catalog.jsonb_typeof(val) = 'string' THEN
                RETURN pg_catalog.strpos(attr #>> '{}', val #>> '{}') > 0;
            ELSIF pg_catalog.jsonb_typeof(attr) = 'array' AND val IS NOT NULL THEN
                RETURN EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements(attr) e WHERE e = val);
            END IF;
            RETURN false;
        ELSE
            RETURN false;
    END CASE;
END;
$$;

-- V22 granted it to service_role (V47 took only what anon and authenticated had); since the fold it
-- is defined here, so the grant is too.
GRANT EXECUTE ON FUNCTION rotation.evaluate_flag_condition(jsonb, jsonb) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- 4b. evaluate_feature_flag's bound on its context (4 KB; none of an anonymous caller's context
-- kept) is in its body, defined since the fold in V90 with the reasons that stood here
-- (docs/adr/0007-migrations.md, "Folding").
-- ---------------------------------------------------------------------------------------------
