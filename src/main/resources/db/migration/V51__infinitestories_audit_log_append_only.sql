-- =============================================================================================
-- V51: InfiniteStories' audit trail (the document's "Audit Logging") becomes a ledger like
-- Rotation's audit_logs: it was append-only for users (no grants) but service_role held
-- UPDATE, DELETE and TRUNCATE through V4's "GRANT ALL ON ALL TABLES", so a leaked service key
-- could rewrite the trail of what was done with it. Only the SECURITY DEFINER audit trigger
-- (the owner) writes it; nothing in the server updates or deletes it.
-- =============================================================================================

CALL platform.make_append_only('infinitestories.audit_log', 'An audit trail is never edited.');
