-- =============================================================================================
-- V115: where a user's identity sits in columns that no foreign key ties to auth.users or to an
-- app's users table (docs/adr/0020-user-administration.md). Foreign keys already say, in the
-- catalog, which rows belong to a user and what happens to them when the user goes (CASCADE:
-- removed; SET NULL: kept without the reference). These columns carry the identity without a
-- key, on purpose (an audit trail that outlives its account) or because the table belongs to
-- the platform and is keyed by an app's user id as text. Deleting a user
-- (platform.delete_user, V118) applies each row's action; the export (GET /api/v1/me/export)
-- reads the same list; UserReferencesTest fails when a column that looks like a user reference
-- is in neither the catalog's keys nor this list (nor its reviewed exceptions).
--   action 'delete'    the user's rows go with the user;
--   action 'anonymise' the rows stay with the column set to NULL: only for ledgers, and the
--                      append-only guard lets exactly this change through (V116).
-- The column holds the identity's uuid, or an app user id equal to it as text (Algorhythmic's and
-- Delula's users.id); table_name is text, not regclass, so dropping a listed table is not
-- blocked by this list (the deletion skips a table that is gone).
-- =============================================================================================

CREATE TABLE platform.user_references (
    table_name  text NOT NULL CHECK (table_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
    column_name text NOT NULL CHECK (column_name ~ '^[a-z_][a-z0-9_]*$'),
    action      text NOT NULL CHECK (action IN ('delete', 'anonymise')),
    reason      text NOT NULL,
    PRIMARY KEY (table_name, column_name)
);

REVOKE ALL ON platform.user_references FROM PUBLIC;
GRANT SELECT ON platform.user_references TO service_role;
CALL platform.secure_table('platform.user_references');

INSERT INTO platform.user_references (table_name, column_name, action, reason) VALUES
    ('infinitestories.audit_log', 'user_id', 'anonymise',
     'the audit trail outlives the account (V2: no foreign key on purpose); its rows stay, unnamed'),
    ('infinitestories.rate_limits', 'user_id', 'delete',
     'request counters of the user'),
    ('platform.ledger_requests', 'user_id', 'delete',
     'idempotency records of the user''s credit operations (app user id as text)'),
    ('platform.ledger_holds', 'user_id', 'delete',
     'credit holds of the user (app user id as text); the balance they held against goes with the user');
