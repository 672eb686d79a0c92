-- Rotation functions and triggers: the document's "Database Functions" and "Triggers" sections,
-- the identity link to auth.users, the access helpers the policies of V22 call, murmur3 for
-- percentage flags, append-only ledgers, and the Discogs release mapping.
-- Every function pins search_path = '' and qualifies every name (pg_catalog included where a
-- SECURITY DEFINER body could otherwise be redirected).

-- ---------------------------------------------------------------------------------------------
-- updated_at on every table that has the column.
-- ---------------------------------------------------------------------------------------------

-- The platform's kit keeps it (V48): V49 puts its trigger on each table and makes
-- update_updated_at_column, this document's name, a thin declaration over it. The first body stood
-- here with its triggers until they were folded into V49 (docs/adr/0007-migrations.md, "Folding").

-- ---------------------------------------------------------------------------------------------
-- Who is calling. SECURITY DEFINER so policies can look the caller up in rotation.users without
-- being subject to that table's own policies; STABLE so "(select ...)" in a policy runs once
-- per statement.
-- ---------------------------------------------------------------------------------------------

-- The rotation.users id of auth.uid(), or NULL (anon, service_role without claims, no row).
CREATE FUNCTION rotation.current_user_id()
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT u.id FROM rotation.users u WHERE u.auth_user_id = auth.uid()
$$;

-- True when auth.uid()'s app user is an active admin (users.role = 'admin').
CREATE FUNCTION rotation.is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT EXISTS (SELECT 1 FROM rotation.users u
                   WHERE u.auth_user_id = auth.uid() AND u.role = 'admin' AND u.is_active)
$$;

-- The stores the caller manages: users.role = 'store_manager' and a store_managers row.
CREATE FUNCTION rotation.managed_store_ids()
RETURNS integer[]
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT coalesce(pg_catalog.array_agg(sm.store_id), '{}')
    FROM rotation.store_managers sm
    JOIN rotation.users u ON u.id = sm.user_id
    WHERE u.auth_user_id = auth.uid() AND u.role = 'store_manager' AND u.is_active
$$;

-- User-owned rows default to the caller, so clients need not know their serial id.
ALTER TABLE rotation.favorites ALTER COLUMN user_id SET DEFAULT rotation.current_user_id();
ALTER TABLE rotation.play_history ALTER COLUMN user_id SET DEFAULT rotation.current_user_id();
ALTER TABLE rotation.feedback ALTER COLUMN user_id SET DEFAULT rotation.current_user_id();
ALTER TABLE rotation.user_collections ALTER COLUMN user_id SET DEFAULT rotation.current_user_id();
ALTER TABLE rotation.user_collection_items ALTER COLUMN added_by SET DEFAULT rotation.current_user_id();
ALTER TABLE rotation.user_follows ALTER COLUMN follower_id SET DEFAULT rotation.current_user_id();
ALTER TABLE rotation.user_preferences ALTER COLUMN user_id SET DEFAULT rotation.current_user_id();

-- ---------------------------------------------------------------------------------------------
-- Identity: every auth.users row gets a rotation.users row, at sign-up (trigger) and for the
-- identities that already exist (backfill below). This runs inside every sign-up of every app,
-- so it must not fail: a username that is taken falls back to longer, uuid-derived ones, an
-- e-mail already used by another row is left NULL, and any other error is reported as a
-- WARNING instead of aborting the sign-up.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.create_app_user(p_auth_user_id uuid, p_email text, p_meta jsonb)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    hex       text := pg_catalog.replace(p_auth_user_id::text, '-', '');
    meta      jsonb := coalesce(p_meta, '{}'::jsonb);
    v_email   text := p_email;
    v_name    text;
    base      text;
    candidate text;
BEGIN
    IF EXISTS (SELECT 1 FROM rotation.users u WHERE u.auth_user_id = p_auth_user_id) THEN
        RETURN;
    END IF;
    IF v_email IS NOT NULL AND EXISTS (SELECT 1 FROM rotation.users u WHERE u.email = v_email) THEN
        v_email := NULL;
    END IF;

    v_name := pg_catalog.left(coalesce(nullif(pg_catalog.btrim(meta ->> 'name'), ''),
                                       nullif(pg_catalog.btrim(meta ->> 'full_name'), ''),
                                       nullif(pg_catalog.split_part(p_email, '@', 1), ''),
                                       'user'), 200);
    base := pg_catalog.left(pg_catalog.regexp_replace(
                pg_catalog.lower(coalesce(nullif(meta ->> 'username', ''),
                                          nullif(pg_catalog.split_part(p_email, '@', 1), ''),
                                          'user')),
                '[^a-z0-9_]', '', 'g'), 24);
    IF pg_catalog.length(base) < 3 THEN
        base := 'user';
    END IF;

    FOR attempt IN 0 .. 3 LOOP
        candidate := CASE attempt
            WHEN 0 THEN base
            WHEN 1 THEN base || '_' || pg_catalog.left(hex, 8)
            WHEN 2 THEN base || '_' || hex
            ELSE 'user_' || hex
        END;
        CONTINUE WHEN EXISTS (SELECT 1 FROM rotation.users u WHERE u.username = candidate);
        BEGIN
            INSERT INTO rotation.users (auth_user_id, email, name, username)
            VALUES (p_auth_user_id, v_email, v_name, candidate)
            ON CONFLICT (auth_user_id) DO NOTHING;
            RETURN;
        EXCEPTION WHEN unique_violation THEN
            NULL; -- taken concurrently: try the next candidate
        END;
    END LOOP;

    -- Every candidate taken (users renamed themselves to all of them): no username.
    INSERT INTO rotation.users (auth_user_id, email, name, username)
    VALUES (p_auth_user_id, v_email, v_name, NULL)
    ON CONFLICT (auth_user_id) DO NOTHING;
END;
$$;

CREATE FUNCTION rotation.handle_new_auth_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    BEGIN
        PERFORM rotation.create_app_user(NEW.id, NEW.email, NEW.raw_user_meta_data);
    EXCEPTION WHEN OTHERS THEN
        -- Never block a sign-up of any app; rotation.current_user_id() stays NULL for this
        -- identity until the row exists (the server can call create_app_user again).
        RAISE WARNING 'rotation: no app user created for %: % (%)', NEW.id, SQLERRM, SQLSTATE;
    END;
    RETURN NULL; -- AFTER trigger
END;
$$;

CREATE TRIGGER on_auth_user_created_rotation
    AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION rotation.handle_new_auth_user();

-- Backfill: identities that signed up before this migration.
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT au.id, au.email, au.raw_user_meta_data FROM auth.users au ORDER BY au.created_at LOOP
        PERFORM rotation.create_app_user(a.id, a.email, a.raw_user_meta_data);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Append-only ledgers: audit_logs, audio_match_history, feature_flag_history,
-- feature_flag_evaluations, job_logs, usage_metrics, performance_metrics. No request role has
-- UPDATE or DELETE on them (V22); the platform's one ledger guard refuses them to anyone
-- without the owner's privileges (V48, put on each table by V50). This file's own guard and its
-- triggers stood here until they were folded (docs/adr/0007-migrations.md, "Folding").
-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------
-- Stores: a store manager may edit their store's profile but not what the platform decides
-- (status, ownership, the Discogs identity, ratings and sync bookkeeping). Admins and
-- service_role may change everything.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.protect_store_columns()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF current_user IN ('anon', 'authenticated') AND NOT rotation.is_admin()
       AND (NEW.id, NEW.slug, NEW.discogs_username, NEW.discogs_store_id, NEW.owner_user_id,
            NEW.status, NEW.average_rating, NEW.total_reviews, NEW.total_releases,
            NEW.verified_at, NEW.last_sync_at, NEW.created_at)
           IS DISTINCT FROM
           (OLD.id, OLD.slug, OLD.discogs_username, OLD.discogs_store_id, OLD.owner_user_id,
            OLD.status, OLD.average_rating, OLD.total_reviews, OLD.total_releases,
            OLD.verified_at, OLD.last_sync_at, OLD.created_at) THEN
        RAISE EXCEPTION 'only an admin may change a store''s status, ownership, Discogs identity or statistics'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER protect_store_columns BEFORE UPDATE ON rotation.stores
    FOR EACH ROW EXECUTE FUNCTION rotation.protect_store_columns();

-- ---------------------------------------------------------------------------------------------
-- Audit logging ("Triggers: Audit Logging"). One audit_logs row per change of the tables whose
-- changes are decisions: accounts, stores and their managers, Discogs connections, inventory,
-- audio matches, feedback triage and configuration. Secret columns (*_encrypted) are never
-- copied into the log. An UPDATE that changes nothing but updated_at is not logged.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.log_audit_event()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    secrets constant text[] := ARRAY['access_token_encrypted', 'access_secret_encrypted', 'value_encrypted'];
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := pg_catalog.to_jsonb(OLD) - secrets;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_row := pg_catalog.to_jsonb(NEW) - secrets;
    END IF;
    IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN
        RETURN NULL;
    END IF;

    INSERT INTO rotation.audit_logs (user_id, actor_role, action, entity_type, entity_id,
                                     old_values, new_values)
    VALUES (
        rotation.current_user_id(),
        coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user),
        CASE TG_OP WHEN 'INSERT' THEN 'create' WHEN 'UPDATE' THEN 'update' ELSE 'delete' END,
        TG_TABLE_NAME,
        (coalesce(new_row, old_row) ->> 'id')::integer,
        old_row,
        new_row);
    RETURN NULL; -- AFTER trigger
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'users', 'stores', 'store_managers', 'discogs_tokens', 'store_inventory', 'audio_matches',
        'feedback', 'settings', 'config_profiles', 'cache_config', 'maintenance_windows']
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON rotation.%I '
            'FOR EACH ROW EXECUTE FUNCTION rotation.log_audit_event()',
            'audit_' || t, t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Collection stats ("Triggers: Collection Stats"): user_collections.total_tracks and
-- total_duration_seconds follow its items. Increments rather than recounts: under concurrent
-- inserts into one collection the row lock serialises increments, whereas a recount could read
-- a snapshot without the other transaction's item. SECURITY DEFINER: a collaborator adding to
-- someone else's collection may not update that collection.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.update_collection_stats()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE rotation.user_collections c
        SET total_tracks = pg_catalog.int4larger(c.total_tracks - 1, 0),
            total_duration_seconds = pg_catalog.int4larger(c.total_duration_seconds - coalesce(
                (SELECT t.duration_seconds FROM rotation.tracks t WHERE t.id = OLD.track_id), 0), 0)
        WHERE c.id = OLD.collection_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE rotation.user_collections c
        SET total_tracks = c.total_tracks + 1,
            total_duration_seconds = c.total_duration_seconds + coalesce(
                (SELECT t.duration_seconds FROM rotation.tracks t WHERE t.id = NEW.track_id), 0)
        WHERE c.id = NEW.collection_id;
    END IF;
    RETURN NULL; -- AFTER trigger
END;
$$;

CREATE TRIGGER update_collection_stats_trigger
    AFTER INSERT OR DELETE OR UPDATE OF collection_id, track_id ON rotation.user_collection_items
    FOR EACH ROW EXECUTE FUNCTION rotation.update_collection_stats();

-- ---------------------------------------------------------------------------------------------
-- Match history ("Triggers: History Logging"): audio_match_history gets a row when a match is
-- created and whenever its status or confidence changes. Deletions are in audit_logs.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.log_audio_match_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rotation.audio_match_history (audio_match_id, action, new_status, new_confidence, performed_by)
        VALUES (NEW.id, 'created', NEW.status, NEW.confidence_score,
                coalesce(rotation.current_user_id(), NEW.verified_by));
    ELSIF NEW.status IS DISTINCT FROM OLD.status OR NEW.confidence_score IS DISTINCT FROM OLD.confidence_score THEN
        INSERT INTO rotation.audio_match_history (audio_match_id, action, old_status, new_status,
                                                  old_confidence, new_confidence, notes, performed_by)
        VALUES (NEW.id,
                CASE WHEN NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'verified' THEN 'verified'
                     WHEN NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'rejected' THEN 'rejected'
                     ELSE 'updated' END,
                OLD.status, NEW.status, OLD.confidence_score, NEW.confidence_score,
                CASE WHEN NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'rejected'
                     THEN NEW.rejection_reason END,
                coalesce(rotation.current_user_id(), NEW.verified_by));
    END IF;
    RETURN NULL; -- AFTER trigger
END;
$$;

CREATE TRIGGER audio_match_history_trigger
    AFTER INSERT OR UPDATE ON rotation.audio_matches
    FOR EACH ROW EXECUTE FUNCTION rotation.log_audio_match_change();

-- ---------------------------------------------------------------------------------------------
-- Utility functions of the document. The server runs them on a schedule as service_role, the
-- only role with EXECUTE (V22). SECURITY DEFINER because the rows they remove are in
-- append-only tables, which only their owner may delete from.
-- ---------------------------------------------------------------------------------------------

-- Match candidates live one hour (match_candidates.expires_at). Returns the rows removed.
CREATE FUNCTION rotation.cleanup_expired_candidates()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    removed integer;
BEGIN
    DELETE FROM rotation.match_candidates WHERE expires_at < pg_catalog.now();
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$;

-- Aggregates one UTC day of play_history, usage_metrics and users into daily_metrics. Idempotent:
-- re-running a day overwrites its values. Returns the number of metric rows written.
--   track_activity / track  / <track id> / total_plays, completions
--   track_activity / global / NULL       / total_plays
--   user_activity  / global / NULL       / unique_active_users, new_users
CREATE FUNCTION rotation.aggregate_daily_metrics(
    target_date date DEFAULT ((pg_catalog.now() AT TIME ZONE 'UTC')::date - 1))
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    day_start constant timestamptz := target_date::timestamp AT TIME ZONE 'UTC';
    day_end   constant timestamptz := (target_date + 1)::timestamp AT TIME ZONE 'UTC';
    written   integer;
BEGIN
    IF target_date IS NULL THEN
        RAISE EXCEPTION 'target_date must not be null' USING ERRCODE = '22004';
    END IF;

    WITH plays AS (
        SELECT p.track_id, p.action, p.user_id FROM rotation.play_history p
        WHERE p.played_at >= day_start AND p.played_at < day_end
    ), per_track AS (
        SELECT 'track_activity' AS metric_type, 'track' AS entity_type, p.track_id AS entity_id,
               m.metric_name, m.metric_value
        FROM (SELECT track_id,
                     pg_catalog.count(*) FILTER (WHERE action = 'play') AS total_plays,
                     pg_catalog.count(*) FILTER (WHERE action = 'complete') AS completions
              FROM plays GROUP BY track_id) p
        CROSS JOIN LATERAL (VALUES ('total_plays', p.total_plays), ('completions', p.completions))
            AS m(metric_name, metric_value)
    ), globals AS (
        SELECT 'track_activity', 'global', NULL::integer, 'total_plays',
               (SELECT pg_catalog.count(*) FROM plays WHERE action = 'play')
        UNION ALL
        SELECT 'user_activity', 'global', NULL::integer, 'unique_active_users',
               (SELECT pg_catalog.count(DISTINCT a.user_id) FROM (
                    SELECT user_id FROM plays WHERE user_id IS NOT NULL
                    UNION ALL
                    SELECT u.user_id FROM rotation.usage_metrics u
                    WHERE u."timestamp" >= day_start AND u."timestamp" < day_end AND u.user_id IS NOT NULL) a)
        UNION ALL
        SELECT 'user_activity', 'global', NULL::integer, 'new_users',
               (SELECT pg_catalog.count(*) FROM rotation.users u
                WHERE u.created_at >= day_start AND u.created_at < day_end)
    )
    INSERT INTO rotation.daily_metrics (metric_date, metric_type, entity_type, entity_id, metric_name, metric_value)
    SELECT target_date, x.metric_type, x.entity_type, x.entity_id, x.metric_name, x.metric_value
    FROM (SELECT * FROM per_track UNION ALL SELECT * FROM globals) x
    ON CONFLICT ON CONSTRAINT daily_metrics_unique_metric
    DO UPDATE SET metric_value = EXCLUDED.metric_value;

    GET DIAGNOSTICS written = ROW_COUNT;
    RETURN written;
END;
$$;

-- Data retention ("Configurable cleanup policies"). Periods in days come from settings when
-- present (retention.job_logs_days, retention.usage_metrics_days, retention.performance_metrics_days,
-- retention.feature_flag_evaluations_days), else 30 / 90 / 7 / 90. Expired content_similarity,
-- recommendation_data and metadata_cache rows go too. audit_logs, history tables and
-- play_history are not analytics and are kept. Returns the rows removed per table.
CREATE FUNCTION rotation.cleanup_old_analytics_data()
RETURNS jsonb
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    result jsonb := '{}'::jsonb;
    n      integer;
    days   numeric;
BEGIN
    days := coalesce((SELECT s.value::numeric FROM rotation.settings s
                      WHERE s.key = 'retention.job_logs_days' AND s.value_type = 'number'), 30);
    DELETE FROM rotation.job_logs WHERE logged_at < pg_catalog.now() - days * interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('job_logs', n);

    days := coalesce((SELECT s.value::numeric FROM rotation.settings s
                      WHERE s.key = 'retention.usage_metrics_days' AND s.value_type = 'number'), 90);
    DELETE FROM rotation.usage_metrics WHERE "timestamp" < pg_catalog.now() - days * interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('usage_metrics', n);

    days := coalesce((SELECT s.value::numeric FROM rotation.settings s
                      WHERE s.key = 'retention.performance_metrics_days' AND s.value_type = 'number'), 7);
    DELETE FROM rotation.performance_metrics WHERE measured_at < pg_catalog.now() - days * interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('performance_metrics', n);

    days := coalesce((SELECT s.value::numeric FROM rotation.settings s
                      WHERE s.key = 'retention.feature_flag_evaluations_days' AND s.value_type = 'number'), 90);
    DELETE FROM rotation.feature_flag_evaluations WHERE evaluated_at < pg_catalog.now() - days * interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('feature_flag_evaluations', n);

    DELETE FROM rotation.content_similarity WHERE expires_at < pg_catalog.now();
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('content_similarity', n);

    DELETE FROM rotation.recommendation_data WHERE expires_at < pg_catalog.now();
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('recommendation_data', n);

    DELETE FROM rotation.metadata_cache WHERE expires_at < pg_catalog.now();
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || pg_catalog.jsonb_build_object('metadata_cache', n);

    RETURN result;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- MurmurHash3 x86_32, for percentage flags bucketed the way Unleash does. All arithmetic is in
-- bigint on values below 2^32, masked back to 32 bits. A 32 x 32-bit product does not fit in
-- bigint, so mul32(a, c) is computed as a * lo16(c) + ((a * hi16(c)) mod 2^16) << 16, which is
-- a * c mod 2^32 with every intermediate below 2^49. Note: PostgreSQL gives & | # << >> one
-- shared precedence, so every expression below is fully parenthesised.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.murmur3_32_bytes(data bytea, seed integer DEFAULT 0)
RETURNS bigint
LANGUAGE plpgsql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path = ''
AS $$
DECLARE
    mask    constant bigint := 4294967295;
    len     constant integer := pg_catalog.length(data);
    nblocks constant integer := len / 4;
    h       bigint := (seed::bigint & mask);
    k       bigint;
    i       integer;
    tail    integer;
BEGIN
    FOR i IN 0 .. nblocks - 1 LOOP
        k := (pg_catalog.get_byte(data, 4 * i)::bigint
              | (pg_catalog.get_byte(data, 4 * i + 1)::bigint << 8)
              | (pg_catalog.get_byte(data, 4 * i + 2)::bigint << 16)
              | (pg_catalog.get_byte(data, 4 * i + 3)::bigint << 24));
        k := ((k * 11601) + (((k * 52382) & 65535) << 16)) & mask;  -- k *= 0xcc9e2d51
        k := ((k << 15) | (k >> 17)) & mask;                        -- rotl32(k, 15)
        k := ((k * 13715) + (((k * 7047) & 65535) << 16)) & mask;   -- k *= 0x1b873593
        h := h # k;
        h := ((h << 13) | (h >> 19)) & mask;                        -- rotl32(h, 13)
        h := ((h * 5) + 3864292196) & mask;                         -- h = h * 5 + 0xe6546b64
    END LOOP;

    tail := nblocks * 4;
    k := 0;
    IF (len & 3) >= 3 THEN
        k := k # (pg_catalog.get_byte(data, tail + 2)::bigint << 16);
    END IF;
    IF (len & 3) >= 2 THEN
        k := k # (pg_catalog.get_byte(data, tail + 1)::bigint << 8);
    END IF;
    IF (len & 3) >= 1 THEN
        k := k # pg_catalog.get_byte(data, tail)::bigint;
        k := ((k * 11601) + (((k * 52382) & 65535) << 16)) & mask;
        k := ((k << 15) | (k >> 17)) & mask;
        k := ((k * 13715) + (((k * 7047) & 65535) << 16)) & mask;
        h := h # k;
    END IF;

    h := h # len::bigint;
    h := h # (h >> 16);
    h := ((h * 51819) + (((h * 34283) & 65535) << 16)) & mask;      -- h *= 0x85ebca6b
    h := h # (h >> 13);
    h := ((h * 44597) + (((h * 49842) & 65535) << 16)) & mask;      -- h *= 0xc2b2ae35
    h := h # (h >> 16);
    RETURN h;
END;
$$;

-- The hash of a string's UTF-8 bytes, as an unsigned 32-bit number. The seed is the 32-bit
-- pattern of the integer (pass -1 for 0xFFFFFFFF).
CREATE FUNCTION rotation.murmur3_32(input text, seed integer DEFAULT 0)
RETURNS bigint
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path = ''
AS $$
    SELECT rotation.murmur3_32_bytes(pg_catalog.convert_to(input, 'UTF8'), seed)
$$;

-- Unleash's normalizedValue: murmur3("<flag key>:<stickiness id>", seed 0) mod 100 + 1, 1..100.
CREATE FUNCTION rotation.feature_flag_bucket(flag_key text, stickiness_id text)
RETURNS integer
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path = ''
AS $$
    SELECT (rotation.murmur3_32(flag_key || ':' || stickiness_id, 0) % 100 + 1)::integer
$$;

-- ---------------------------------------------------------------------------------------------
-- evaluate_flag_condition(condition, context) and evaluate_feature_flag(key, user_id, context),
-- the seed's flag evaluation, are defined where they took their present form: V45 (conditions,
-- with a bound on nesting) and V90 (flags, with Unleash's 'strategies' type), each with the
-- description that stood here. Their first bodies stood here too, until they were folded into
-- those files (docs/adr/0007-migrations.md, "Folding").
-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------
-- log_feature_flag_change(): feature_flag_history on every insert, update and delete of
-- feature_flags. 'enabled' / 'disabled' when is_enabled flips, 'updated' otherwise; an UPDATE
-- that changes nothing but updated_at is not logged. changed_by is the caller's app user, else
-- the row's last_modified_by / created_by. change_reason comes from the transaction setting
-- rotation.change_reason when the server sets it.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.log_feature_flag_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    reason constant text := nullif(pg_catalog.current_setting('rotation.change_reason', true), '');
    actor  constant integer := rotation.current_user_id();
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO rotation.feature_flag_history (feature_flag_id, flag_key, action, new_value,
                                                   rollout_percentage_new, changed_by, change_reason)
        VALUES (NEW.id, NEW.key, 'created', pg_catalog.to_jsonb(NEW), NEW.rollout_percentage,
                coalesce(actor, NEW.created_by, NEW.last_modified_by), reason);
    ELSIF TG_OP = 'UPDATE' THEN
        IF (pg_catalog.to_jsonb(OLD) - 'updated_at') = (pg_catalog.to_jsonb(NEW) - 'updated_at') THEN
            RETURN NULL;
        END IF;
        INSERT INTO rotation.feature_flag_history (feature_flag_id, flag_key, action, old_value, new_value,
                                                   rollout_percentage_old, rollout_percentage_new,
                                                   changed_by, change_reason)
        VALUES (NEW.id, NEW.key,
                CASE WHEN NEW.is_enabled AND NOT OLD.is_enabled THEN 'enabled'
                     WHEN OLD.is_enabled AND NOT NEW.is_enabled THEN 'disabled'
                     ELSE 'updated' END,
                pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW),
                OLD.rollout_percentage, NEW.rollout_percentage,
                coalesce(actor, NEW.last_modified_by), reason);
    ELSE
        -- The flag row is gone, so the history row cannot reference it: feature_flag_id NULL,
        -- flag_key says which flag it was.
        INSERT INTO rotation.feature_flag_history (feature_flag_id, flag_key, action, old_value,
                                                   rollout_percentage_old, changed_by, change_reason)
        VALUES (NULL, OLD.key, 'deleted', pg_catalog.to_jsonb(OLD), OLD.rollout_percentage,
                coalesce(actor, OLD.last_modified_by), reason);
    END IF;
    RETURN NULL; -- AFTER trigger
END;
$$;

CREATE TRIGGER feature_flag_history_trigger
    AFTER INSERT OR UPDATE OR DELETE ON rotation.feature_flags
    FOR EACH ROW EXECUTE FUNCTION rotation.log_feature_flag_change();

-- ---------------------------------------------------------------------------------------------
-- Discogs release -> records + tracks. Takes a release as the Discogs API returns it
-- (GET /releases/{id}; the dump's XML converts to the same shape) and upserts it by
-- discogs_release_id. Tracks are upserted by (record_id, track_index) so their ids, and the
-- audio matches that hang on them, survive a re-import; surplus tracks are removed. Headings
-- are skipped and index tracks are replaced by their sub-tracks. Returns records.id.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION rotation.upsert_discogs_release(release jsonb)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    rid          integer;
    artist_text  text;
    released     text := nullif(release ->> 'released', '');
    year_value   integer;
    release_day  date;
    track_count  integer;
    duration_sum integer;
BEGIN
    IF release IS NULL OR pg_catalog.jsonb_typeof(release -> 'id') IS DISTINCT FROM 'number' THEN
        RAISE EXCEPTION 'a Discogs release needs a numeric id' USING ERRCODE = '22023';
    END IF;
    IF coalesce(release ->> 'title', '') = '' THEN
        RAISE EXCEPTION 'Discogs release % has no title', release ->> 'id' USING ERRCODE = '22023';
    END IF;

    -- "Persuader, The" is displayed "The Persuader"; "(2)" disambiguation suffixes are dropped.
    SELECT pg_catalog.string_agg(
               pg_catalog.regexp_replace(
                   pg_catalog.regexp_replace(coalesce(a.value ->> 'name', ''), ' \(\d+\)$', ''),
                   '^(.*), (The|A|An)$', '\2 \1')
               || CASE WHEN a.ordinality = pg_catalog.jsonb_array_length(release -> 'artists') THEN ''
                       WHEN coalesce(a.value ->> 'join', '') IN ('', ',') THEN ', '
                       ELSE ' ' || (a.value ->> 'join') || ' ' END,
               '' ORDER BY a.ordinality)
    INTO artist_text
    FROM pg_catalog.jsonb_array_elements(
             CASE WHEN pg_catalog.jsonb_typeof(release -> 'artists') = 'array'
                  THEN release -> 'artists' ELSE '[]'::jsonb END) WITH ORDINALITY AS a(value, ordinality);
    artist_text := coalesce(nullif(artist_text, ''), 'Unknown Artist');

    year_value := nullif(coalesce(nullif(release ->> 'year', '')::integer,
                                  pg_catalog.substring(released, '^(\d{4})')::integer), 0);
    IF released ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$' THEN
        BEGIN
            release_day := released::date;
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            release_day := NULL; -- e.g. 1999-02-30
        END;
    END IF;

    INSERT INTO rotation.records AS r (
        discogs_release_id, title, artist, artist_sort, artists, extra_artists, label, catalog_number,
        labels, companies, release_year, released, release_date, country, genres, styles, format,
        formats, identifiers, barcode, images, videos, thumbnail_url, notes, data_quality,
        master_id, master_url, discogs_url, metadata_last_updated)
    VALUES (
        (release ->> 'id')::bigint,
        release ->> 'title',
        artist_text,
        pg_catalog.lower(pg_catalog.regexp_replace(artist_text, '^(The|A|An) ', '', 'i')),
        coalesce(release -> 'artists', '[]'::jsonb),
        coalesce(release -> 'extraartists', '[]'::jsonb),
        release #>> '{labels,0,name}',
        release #>> '{labels,0,catno}',
        coalesce(release -> 'labels', '[]'::jsonb),
        coalesce(release -> 'companies', '[]'::jsonb),
        year_value,
        released,
        release_day,
        nullif(release ->> 'country', ''),
        coalesce((SELECT pg_catalog.array_agg(g ORDER BY o)
                  FROM pg_catalog.jsonb_array_elements_text(coalesce(release -> 'genres', '[]'::jsonb))
                       WITH ORDINALITY AS x(g, o)), '{}'),
        coalesce((SELECT pg_catalog.array_agg(s ORDER BY o)
                  FROM pg_catalog.jsonb_array_elements_text(coalesce(release -> 'styles', '[]'::jsonb))
                       WITH ORDINALITY AS x(s, o)), '{}'),
        release #>> '{formats,0,name}',
        coalesce(release -> 'formats', '[]'::jsonb),
        coalesce(release -> 'identifiers', '[]'::jsonb),
        (SELECT i ->> 'value' FROM pg_catalog.jsonb_array_elements(coalesce(release -> 'identifiers', '[]'::jsonb)) i
         WHERE i ->> 'type' = 'Barcode' LIMIT 1),
        coalesce(release -> 'images', '[]'::jsonb),
        coalesce(release -> 'videos', '[]'::jsonb),
        coalesce(nullif(release ->> 'thumb', ''),
                 (SELECT nullif(i ->> 'uri150', '') FROM pg_catalog.jsonb_array_elements(coalesce(release -> 'images', '[]'::jsonb)) i
                  WHERE i ->> 'type' = 'primary' LIMIT 1)),
        release ->> 'notes',
        release ->> 'data_quality',
        nullif(release ->> 'master_id', '')::bigint,
        release ->> 'master_url',
        coalesce(release ->> 'uri', release ->> 'resource_url'),
        pg_catalog.now())
    ON CONFLICT (discogs_release_id) DO UPDATE SET
        title = EXCLUDED.title, artist = EXCLUDED.artist, artist_sort = EXCLUDED.artist_sort,
        artists = EXCLUDED.artists, extra_artists = EXCLUDED.extra_artists, label = EXCLUDED.label,
        catalog_number = EXCLUDED.catalog_number, labels = EXCLUDED.labels, companies = EXCLUDED.companies,
        release_year = EXCLUDED.release_year, released = EXCLUDED.released,
        release_date = EXCLUDED.release_date, country = EXCLUDED.country, genres = EXCLUDED.genres,
        styles = EXCLUDED.styles, format = EXCLUDED.format, formats = EXCLUDED.formats,
        identifiers = EXCLUDED.identifiers, barcode = EXCLUDED.barcode, images = EXCLUDED.images,
        videos = EXCLUDED.videos, thumbnail_url = EXCLUDED.thumbnail_url, notes = EXCLUDED.notes,
        data_quality = EXCLUDED.data_quality, master_id = EXCLUDED.master_id,
        master_url = EXCLUDED.master_url, discogs_url = EXCLUDED.discogs_url,
        metadata_last_updated = EXCLUDED.metadata_last_updated
    RETURNING r.id INTO rid;

    WITH entries AS (
        SELECT t.value AS entry, t.ordinality AS o
        FROM pg_catalog.jsonb_array_elements(
                 CASE WHEN pg_catalog.jsonb_typeof(release -> 'tracklist') = 'array'
                      THEN release -> 'tracklist' ELSE '[]'::jsonb END) WITH ORDINALITY AS t(value, ordinality)
    ), flat AS (
        SELECT e.entry, e.o AS o1, 0::bigint AS o2 FROM entries e
        WHERE coalesce(e.entry ->> 'type_', 'track') = 'track'
        UNION ALL
        SELECT s.value, e.o, s.ordinality FROM entries e
        CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(coalesce(e.entry -> 'sub_tracks', '[]'::jsonb))
             WITH ORDINALITY AS s(value, ordinality)
        WHERE e.entry ->> 'type_' = 'index'
    ), numbered AS (
        SELECT f.entry, (pg_catalog.row_number() OVER (ORDER BY f.o1, f.o2) - 1)::integer AS idx,
               coalesce(f.entry ->> 'position', '') AS pos,
               nullif(f.entry ->> 'duration', '') AS dur
        FROM flat f
    )
    INSERT INTO rotation.tracks AS t (record_id, position, title, duration_seconds, duration_display,
                                      artists, credits, track_index, side_index, track_on_side)
    SELECT rid, n.pos, coalesce(n.entry ->> 'title', ''),
           CASE WHEN n.dur ~ '^\d{1,3}:\d{1,2}$'
                THEN pg_catalog.split_part(n.dur, ':', 1)::integer * 60 + pg_catalog.split_part(n.dur, ':', 2)::integer
                WHEN n.dur ~ '^\d{1,2}:\d{1,2}:\d{1,2}$'
                THEN pg_catalog.split_part(n.dur, ':', 1)::integer * 3600
                     + pg_catalog.split_part(n.dur, ':', 2)::integer * 60 + pg_catalog.split_part(n.dur, ':', 3)::integer
           END,
           n.dur,
           coalesce(n.entry -> 'artists', '[]'::jsonb),
           coalesce(n.entry -> 'extraartists', '[]'::jsonb),
           n.idx,
           CASE WHEN n.pos ~ '^[A-Za-z]([0-9]|$)' THEN pg_catalog.ascii(pg_catalog.upper(pg_catalog.left(n.pos, 1))) - 65 END,
           CASE WHEN n.pos ~ '^[A-Za-z]$' THEN 1
                WHEN n.pos ~ '^[A-Za-z][0-9]+' THEN pg_catalog.substring(n.pos, '^[A-Za-z]([0-9]+)')::integer END
    FROM numbered n
    ON CONFLICT ON CONSTRAINT tracks_record_id_track_index_key DO UPDATE SET
        position = EXCLUDED.position, title = EXCLUDED.title, duration_seconds = EXCLUDED.duration_seconds,
        duration_display = EXCLUDED.duration_display, artists = EXCLUDED.artists, credits = EXCLUDED.credits,
        side_index = EXCLUDED.side_index, track_on_side = EXCLUDED.track_on_side;

    -- Tracks beyond the new tracklist (a re-import with fewer entries).
    WITH entries AS (
        SELECT t.value AS entry
        FROM pg_catalog.jsonb_array_elements(
                 CASE WHEN pg_catalog.jsonb_typeof(release -> 'tracklist') = 'array'
                      THEN release -> 'tracklist' ELSE '[]'::jsonb END) AS t(value)
    )
    DELETE FROM rotation.tracks t
    WHERE t.record_id = rid
      AND t.track_index >= (SELECT pg_catalog.count(*) FROM entries e
                            WHERE coalesce(e.entry ->> 'type_', 'track') = 'track')
                         + (SELECT coalesce(pg_catalog.sum(pg_catalog.jsonb_array_length(e.entry -> 'sub_tracks')), 0)
                            FROM entries e
                            WHERE e.entry ->> 'type_' = 'index'
                              AND pg_catalog.jsonb_typeof(e.entry -> 'sub_tracks') = 'array');

    SELECT pg_catalog.count(*), coalesce(pg_catalog.sum(t.duration_seconds), 0)
    INTO track_count, duration_sum
    FROM rotation.tracks t WHERE t.record_id = rid;

    UPDATE rotation.records r
    SET total_tracks = track_count, total_duration_seconds = duration_sum
    WHERE r.id = rid;

    RETURN rid;
END;
$$;
