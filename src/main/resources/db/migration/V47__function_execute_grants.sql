-- =============================================================================================
-- V47: who may execute which function (issue 6, finding 3), and the Data API's size guard.
--
-- PostgreSQL gives EXECUTE to PUBLIC on every new function, so anon could call any function
-- through rpc: rotation.murmur3_32 on a 1 MB input burns CPU, rotation.evaluate_flag_condition
-- is an internal of evaluate_feature_flag. From here on no function in the eight schemas is
-- executable by PUBLIC, anon or authenticated unless it is granted below, and functions created
-- later by the owner are not executable by PUBLIC either (a migration grants what it means).
--
-- Reviewed grants to anon and authenticated (src/test/resources/function-privileges.txt is the
-- list a test holds the database to), each because:
--   * a client is meant to call it via rpc (seeds/*.md, docs/apps/*.md), or
--   * PostgreSQL evaluates it as the calling role: in an RLS policy, a column default, a view,
--     a generated column or CHECK, or inside a SECURITY INVOKER function or trigger that does.
-- Trigger functions need no EXECUTE (checked when the trigger is created, not when it fires);
-- a SECURITY DEFINER function runs what it calls as its owner.
--
-- service_role keeps its explicit grants (V4, V12, V22, V32, V42: the policy helpers, the
-- maintenance jobs, the Discogs import, the flag internals): it is the server's own key and
-- operators' tool, and those grants were reviewed with each app. It loses only what it held
-- through PUBLIC and does not use (uuid-ossp's other generators); uuid_generate_v4, which the
-- column defaults of rows it inserts call, is granted back explicitly.
-- =============================================================================================

-- ---------------------------------------------------------------------------------------------
-- The Data API's response-size guard (platform.rest.ReadSql): a read raises this before it builds
-- a row, array or page larger than atelier.rest.max-response-bytes. It raises PostgREST's
-- "RAISE SQLSTATE 'PGRST'" form, so the client gets {code, message, details, hint} with status
-- 400. STABLE and row-dependent arguments: the planner never folds it, and it does not stop a
-- lateral subquery from being pulled up as VOLATILE would. COST 1000 makes the planner compute
-- a guarded row object after a sort and limit, not for every row before them.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION platform.rest_response_too_large(observed bigint, max_bytes bigint)
RETURNS json
LANGUAGE plpgsql
STABLE
COST 1000
SET search_path = ''
AS $$
BEGIN
    RAISE SQLSTATE 'PGRST' USING
        MESSAGE = pg_catalog.json_build_object(
            'code', 'PGRSTX02',
            'message', pg_catalog.format('The response would be larger than %s bytes', max_bytes),
            'details', pg_catalog.format('atelier.rest.max-response-bytes is %s; this request needed at least %s',
                                         max_bytes, observed),
            'hint', 'Select fewer or smaller columns, or fewer rows (limit, offset, Range).')::text,
        DETAIL = '{"status": 400}';
END
$$;

-- Callers need the schema to reach the guard; platform holds no table the request roles are granted.
GRANT USAGE ON SCHEMA platform TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Everything off, for every function that exists now (V43–V46 included) ...
-- ---------------------------------------------------------------------------------------------
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA algorhythmic, infinitestories, rotation, moodscale, delula,
    auth, platform, public FROM PUBLIC, anon, authenticated;

-- ... and for functions created later by the owner (migrations). Per-schema default privileges
-- can only add to the global ones, so PUBLIC's EXECUTE is revoked globally for the owner.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- The reviewed list.
-- ---------------------------------------------------------------------------------------------

-- Supabase's claim helpers: every policy calls auth.uid() (which calls auth.jwt() as the caller);
-- clients' own SQL may use all four.
GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role(), auth.email() TO anon, authenticated;

-- Column defaults (id columns of tables clients insert into).
GRANT EXECUTE ON FUNCTION public.uuid_generate_v4() TO anon, authenticated, service_role;

-- The response-size guard above.
GRANT EXECUTE ON FUNCTION platform.rest_response_too_large(bigint, bigint) TO anon, authenticated, service_role;

-- Algorhythmic: policies; documented as rpc/is_admin.
GRANT EXECUTE ON FUNCTION algorhythmic.is_admin() TO anon, authenticated;

-- Rotation: policy helpers (is_admin also in the protect_store_columns trigger, SECURITY INVOKER);
-- current_user_id is also the default of user_id columns and documented as rpc;
-- evaluate_feature_flag is the rpc clients call, granted where it is defined (V90) (SECURITY
-- DEFINER: murmur3_32, murmur3_32_bytes, feature_flag_bucket and evaluate_flag_condition run inside
-- it as its owner and stay service_role's).
GRANT EXECUTE ON FUNCTION rotation.current_user_id(), rotation.is_admin(), rotation.managed_store_ids()
    TO anon, authenticated;

-- MoodScale: policies; current_user_id is mood_entries.user_id's default and documented as rpc.
GRANT EXECUTE ON FUNCTION moodscale.current_user_id(), moodscale.is_admin() TO anon, authenticated;

-- Delula: is_admin in policies anon evaluates too; soft_delete_user_asset is documented as rpc and
-- called by the handle_user_asset_delete trigger (SECURITY INVOKER) as the deleting user.
GRANT EXECUTE ON FUNCTION delula.is_admin() TO anon, authenticated;
GRANT EXECUTE ON FUNCTION delula.soft_delete_user_asset(integer) TO authenticated;
