-- =============================================================================================
-- V79: a Delula guest who gives an e-mail becomes Registered. An anonymous identity is
-- provisioned as a Guest (account_type 2: V52 gives every identity without e-mail that type,
-- with the opening balance every user starts with). When the identity stops being anonymous
-- (V77's hook), the same users row becomes Registered (3) with the e-mail: same id, so its
-- generations, assets and credits stay where they are. Nothing is granted on conversion: the
-- balance carries over as it is, and a guest converts once (an identity never becomes anonymous
-- again), so converting cannot mint credits. System accounts (1) are left alone.
-- =============================================================================================

CREATE FUNCTION delula.upgrade_app_user(p_auth_user_id uuid, p_email text, p_meta jsonb)
RETURNS void
LANGUAGE sql
SET search_path = ''
AS $$
    UPDATE delula.users
    SET account_type = 3, email = coalesce(p_email, email)
    WHERE id = p_auth_user_id::text AND account_type = 2
$$;

REVOKE ALL ON FUNCTION delula.upgrade_app_user(uuid, text, jsonb) FROM PUBLIC;

UPDATE platform.identity_provisioners SET upgrade_function = 'delula.upgrade_app_user' WHERE app = 'delula';
