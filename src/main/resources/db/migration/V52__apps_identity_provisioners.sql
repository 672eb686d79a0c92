-- =============================================================================================
-- V52: each app registers the function that gives a new identity its app user, for the one
-- identity hook of V53. Rotation (create_app_user) and MoodScale (create_user_for_identity)
-- already had one; Algorhythmic and Delula had their logic inside their trigger functions,
-- which the hook cannot call, so it becomes a function of the same contract here:
-- (identity id, e-mail, raw_user_meta_data), idempotent (a row already there is kept),
-- run as the owner (the hook is SECURITY DEFINER), executable by nobody else.
-- =============================================================================================

-- Algorhythmic: users.id is the identity's uuid as text; users.email is UNIQUE here but only
-- case-insensitively unique in auth.users, and the service role may have given the address to
-- another app user first: then the row is made without an e-mail rather than not at all.
-- Names and avatar come from the sign-up metadata (supabase-js options.data); ->> on metadata
-- that is not an object yields NULL, never an error.
CREATE FUNCTION algorhythmic.create_app_user(p_auth_user_id uuid, p_email text, p_meta jsonb)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
    INSERT INTO algorhythmic.users (id, email, first_name, last_name, profile_image_url)
    SELECT p_auth_user_id::text,
           CASE WHEN NOT EXISTS (SELECT 1 FROM algorhythmic.users taken WHERE taken.email = p_email) THEN p_email END,
           p_meta ->> 'first_name', p_meta ->> 'last_name', p_meta ->> 'avatar_url'
    ON CONFLICT (id) DO NOTHING
$$;

-- Delula: an identity without an e-mail is a Guest (account type 2), otherwise Registered (3).
CREATE FUNCTION delula.create_app_user(p_auth_user_id uuid, p_email text, p_meta jsonb)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
    INSERT INTO delula.users (id, email, account_type)
    VALUES (p_auth_user_id::text, p_email, CASE WHEN p_email IS NULL THEN 2 ELSE 3 END)
    ON CONFLICT (id) DO NOTHING
$$;

INSERT INTO platform.identity_provisioners (app, function_name) VALUES
    ('algorhythmic', 'algorhythmic.create_app_user'),
    ('delula',       'delula.create_app_user'),
    ('moodscale',    'moodscale.create_user_for_identity'),
    ('rotation',     'rotation.create_app_user');
