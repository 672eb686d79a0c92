-- =============================================================================================
-- V77: anonymous identities (GoTrue's signInAnonymously) and their conversion.
--   * auth.users.is_anonymous: GoTrue's column. An anonymous identity has no e-mail and no
--     password; the server sets the flag at sign-up and clears it when the user gives an e-mail
--     (PUT /auth/v1/user). Only atelier_auth writes auth.users; no request role can set it.
--   * The kit's identity hook, second half: apps register a function to call when an identity
--     stops being anonymous (platform.identity_provisioners.upgrade_function, called as
--     f(id uuid, email text, raw_user_meta_data jsonb)). The hook calls each in its own
--     subtransaction, as sign-up provisioning does (V48): one app's failure is a row in
--     platform.provisioning_failures and never blocks the conversion or the other apps.
-- =============================================================================================

ALTER TABLE auth.users ADD COLUMN is_anonymous boolean NOT NULL DEFAULT false;
ALTER TABLE auth.users ADD CONSTRAINT users_anonymous_without_email CHECK (NOT is_anonymous OR email IS NULL);

ALTER TABLE platform.identity_provisioners
    ADD COLUMN upgrade_function text CHECK (upgrade_function ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$');

CREATE FUNCTION platform.upgrade_identity(identity auth.users)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    upgrader record;
    failed   integer := 0;
    state    text;
    reason   text;
BEGIN
    FOR upgrader IN SELECT p.app, p.upgrade_function FROM platform.identity_provisioners p
                    WHERE p.upgrade_function IS NOT NULL ORDER BY p.app LOOP
        BEGIN
            EXECUTE pg_catalog.format('SELECT %s($1, $2, $3)', upgrader.upgrade_function)
                USING identity.id, identity.email, identity.raw_user_meta_data;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, reason = MESSAGE_TEXT;
            RAISE WARNING 'identity % was not upgraded in %: % (%)', identity.id, upgrader.app, reason, state;
            INSERT INTO platform.provisioning_failures (user_id, app, sqlstate, message)
            VALUES (identity.id, upgrader.app, state, 'upgrade: ' || reason);
            failed := failed + 1;
        END;
    END LOOP;
    RETURN failed;
END;
$$;

-- SECURITY DEFINER: conversions update identities as atelier_auth, which may write no app's schema.
CREATE FUNCTION platform.on_identity_upgraded() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
    AS 'BEGIN PERFORM platform.upgrade_identity(NEW); RETURN NULL; END';

REVOKE ALL ON FUNCTION platform.upgrade_identity(auth.users), platform.on_identity_upgraded() FROM PUBLIC;

CREATE TRIGGER on_auth_user_upgraded AFTER UPDATE OF is_anonymous ON auth.users
    FOR EACH ROW WHEN (OLD.is_anonymous AND NOT NEW.is_anonymous)
    EXECUTE FUNCTION platform.on_identity_upgraded();
