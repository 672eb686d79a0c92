-- =============================================================================================
-- V53: one sign-up hook on auth.users instead of four. The four per-app triggers ran in the
-- sign-up's transaction and only Rotation's caught its errors, so a fault in Algorhythmic's,
-- MoodScale's or Delula's provisioning failed every sign-up of all five apps. The kit's hook
-- (V48) provisions each registered app (V52) in its own subtransaction and records a failure
-- in platform.provisioning_failures instead. The triggers are swapped in one transaction, so no
-- sign-up sees both or neither. Since the fold (docs/adr/0007-migrations.md, "Folding"), a new
-- database never had Algorhythmic's and Delula's: V11 and V41 no longer make them.
-- =============================================================================================

DROP TRIGGER IF EXISTS on_auth_user_created_algorhythmic ON auth.users;
DROP TRIGGER IF EXISTS on_auth_user_created_delula ON auth.users;
DROP TRIGGER on_auth_user_created_moodscale ON auth.users;
DROP TRIGGER on_auth_user_created_rotation ON auth.users;

CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION platform.on_identity_created();

-- Their trigger functions have no trigger left (the logic lives on in V52's provisioners).
DROP FUNCTION IF EXISTS algorhythmic.handle_new_auth_user();
DROP FUNCTION IF EXISTS delula.handle_new_auth_user();
DROP FUNCTION moodscale.handle_new_auth_user();
DROP FUNCTION rotation.handle_new_auth_user();

-- Identities without an app user get it now: Rotation's old trigger only warned when it
-- failed. Every provisioner keeps a row that is already there, so for the rest this is a
-- look-up per app; what still fails is recorded like a failure at sign-up.
SELECT platform.provision_identity(u) FROM (SELECT a FROM auth.users a ORDER BY a.created_at, a.id) ordered (u);
