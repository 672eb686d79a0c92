-- MoodScale users for platform identities: anyone who signs up (a row in auth.users) can use
-- MoodScale at once. The sign-up trigger runs inside every sign-up of every app, so it must not
-- fail for a valid new identity: the only thing that could collide, the username, is derived
-- collision-free. Functions pin search_path = '' and qualify every name.

-- ---------------------------------------------------------------------------------------------
-- The one place an app user is made for an identity (trigger and backfill both use it).
-- The username is the identity's chosen one (raw_user_meta_data.username, as supabase-js sends
-- options.data), else the e-mail's local part, else 'user', cut to 24 characters; when taken,
-- '-' and 8, then 32 hex digits of the identity's id follow, then random hex until one is free.
-- ON CONFLICT DO NOTHING waits for a concurrent sign-up holding the same name and then moves on,
-- so two sign-ups racing for "alice" both succeed. Returns the app user id.
-- Not SECURITY DEFINER and not executable by request roles: it runs as the owner, called from the
-- SECURITY DEFINER trigger function or by the migration itself.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION moodscale.create_user_for_identity(p_auth_user_id uuid, p_email text, p_meta jsonb)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    base      text;
    candidate text;
    attempt   integer := 0;
    new_id    integer;
BEGIN
    SELECT u.id INTO new_id FROM moodscale.users u WHERE u.auth_user_id = p_auth_user_id;
    IF new_id IS NOT NULL THEN
        RETURN new_id;
    END IF;

    base := pg_catalog.left(pg_catalog.btrim(coalesce(
                nullif(pg_catalog.btrim(p_meta ->> 'username'), ''),
                nullif(pg_catalog.split_part(coalesce(p_email, ''), '@', 1), ''),
                'user')), 24);
    IF base = '' THEN
        base := 'user';
    END IF;
    candidate := base;

    LOOP
        INSERT INTO moodscale.users (auth_user_id, username)
        VALUES (p_auth_user_id, candidate)
        ON CONFLICT DO NOTHING
        RETURNING id INTO new_id;
        IF new_id IS NOT NULL THEN
            RETURN new_id;
        END IF;
        -- Nothing inserted: either the name is taken, or this identity got its row meanwhile.
        SELECT u.id INTO new_id FROM moodscale.users u WHERE u.auth_user_id = p_auth_user_id;
        IF new_id IS NOT NULL THEN
            RETURN new_id;
        END IF;
        attempt := attempt + 1;
        candidate := base || '-' || CASE attempt
            WHEN 1 THEN pg_catalog.left(pg_catalog.replace(p_auth_user_id::text, '-', ''), 8)
            WHEN 2 THEN pg_catalog.replace(p_auth_user_id::text, '-', '')
            ELSE pg_catalog.left(pg_catalog.md5(pg_catalog.random()::text || pg_catalog.clock_timestamp()::text), 12)
        END;
    END LOOP;
END;
$$;

REVOKE ALL ON FUNCTION moodscale.create_user_for_identity(uuid, text, jsonb) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Sign-up trigger. SECURITY DEFINER: the auth endpoints insert identities as atelier_auth, which
-- may not write moodscale.users itself.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION moodscale.handle_new_auth_user()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    PERFORM moodscale.create_user_for_identity(NEW.id, NEW.email, NEW.raw_user_meta_data);
    RETURN NULL; -- AFTER ROW trigger: the result is ignored
END;
$$;

REVOKE ALL ON FUNCTION moodscale.handle_new_auth_user() FROM PUBLIC;

CREATE TRIGGER on_auth_user_created_moodscale AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION moodscale.handle_new_auth_user();

-- ---------------------------------------------------------------------------------------------
-- Backfill: identities that signed up before this migration get their app user now, oldest
-- first so that earlier identities keep the plain usernames.
-- ---------------------------------------------------------------------------------------------

SELECT moodscale.create_user_for_identity(a.id, a.email, a.raw_user_meta_data)
FROM (SELECT id, email, raw_user_meta_data FROM auth.users ORDER BY created_at, id) a;
