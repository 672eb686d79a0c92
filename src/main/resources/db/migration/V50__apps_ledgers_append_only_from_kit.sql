-- =============================================================================================
-- V50: the apps' append-only ledgers are guarded by the kit's one rule (V48,
-- platform.refuse_ledger_change: only roles holding the table owner's privileges may UPDATE,
-- DELETE or TRUNCATE) instead of three copies with three rules (V11 MEMBER of the owner, V21
-- USAGE of the owner, V41 "not a request role"). For the paths the apps really use nothing
-- changes: request roles were refused by all three and still are; migrations, SECURITY DEFINER
-- retention jobs and foreign-key actions run as the owner and still pass. What tightens is
-- Delula's: a role outside its deny-list (atelier_auth, the pool's login role) given a grant by
-- mistake is now refused as well. Rotation's ledgers gain the TRUNCATE guard the others had.
-- Triggers keep their names (<table>_append_only, <table>_no_truncate) except Algorhythmic's
-- row trigger, which took another; no row is touched.
-- =============================================================================================

DROP TRIGGER IF EXISTS credit_ledger_no_update_or_delete ON algorhythmic.credit_ledger;
CALL platform.make_append_only('algorhythmic.credit_ledger',
                               'Correct a balance with a new entry (refund or admin_adjustment).');

CALL platform.make_append_only('delula.credit_transactions',
                               'Correct a balance with a new row (refund or admin_adjustment).');

CALL platform.make_append_only('rotation.audit_logs');
CALL platform.make_append_only('rotation.audio_match_history');
CALL platform.make_append_only('rotation.feature_flag_history');
CALL platform.make_append_only('rotation.feature_flag_evaluations');
CALL platform.make_append_only('rotation.job_logs');
CALL platform.make_append_only('rotation.usage_metrics');
CALL platform.make_append_only('rotation.performance_metrics');

-- The three per-app guards guard nothing now. A database made since the fold never had them
-- (V11, V21, V41; docs/adr/0007-migrations.md, "Folding").
DROP FUNCTION IF EXISTS algorhythmic.credit_ledger_append_only();
DROP FUNCTION IF EXISTS rotation.prevent_ledger_change();
DROP FUNCTION IF EXISTS delula.prevent_ledger_mutation();
