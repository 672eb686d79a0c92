-- =============================================================================================
-- V116: the append-only guard (V48) lets through exactly one kind of UPDATE, and only on the
-- owner's paths: setting to NULL a column that holds a reference which may be removed, i.e.
--   * a foreign-key column whose key says ON DELETE SET NULL (the referenced row, e.g. the
--     user's app row or a deleted generation, is gone: PostgreSQL's own action makes the change,
--     as the referencing table's owner), or
--   * a column listed with action 'anonymise' in platform.user_references (V115), which
--     platform.delete_user (V118, the owner) clears.
-- Any other UPDATE of a ledger row is refused, to every role, owner and migrations included (a
-- migration that must rewrite a ledger disables the trigger for that statement, visibly).
-- Request roles are refused before anything else, as before; DELETE and TRUNCATE keep the one
-- rule (the owner's paths only: retention jobs). docs/adr/0020-user-administration.md.
-- =============================================================================================

-- The columns of a table an UPDATE of a ledger row may set to NULL.
CREATE FUNCTION platform.removable_reference_columns(target regclass)
RETURNS text[]
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT c.name), '{}')
    FROM (SELECT a.attname::text AS name
          FROM pg_catalog.pg_constraint k
          JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
          WHERE k.conrelid = target AND k.contype = 'f' AND k.confdeltype = 'n'
          UNION ALL
          SELECT r.column_name
          FROM platform.user_references r
          WHERE r.action = 'anonymise' AND pg_catalog.to_regclass(r.table_name) = target) c
$$;

CREATE OR REPLACE FUNCTION platform.refuse_ledger_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    -- The first rule, as in V48: whoever holds the table owner's privileges right now.
    owner_path constant boolean := pg_catalog.pg_has_role(
        current_user, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'USAGE');
    hint constant text := coalesce(TG_ARGV[0], 'Correct it with a new row.');
    changed text[];
BEGIN
    IF NOT owner_path THEN
        RAISE EXCEPTION '%.% is append-only: % is not allowed', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege', HINT = hint;
    ELSIF TG_LEVEL = 'STATEMENT' THEN
        RETURN NULL; -- TRUNCATE by the owner's paths: the result is ignored
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT pg_catalog.array_agg(n.key) INTO changed
        FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(NEW)) n
        WHERE n.value IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) -> n.key);
        IF changed IS NOT NULL AND (
               NOT changed OPERATOR(pg_catalog.<@) platform.removable_reference_columns(TG_RELID)
               OR EXISTS (SELECT 1 FROM pg_catalog.unnest(changed) c
                          WHERE pg_catalog.to_jsonb(NEW) -> c OPERATOR(pg_catalog.<>) 'null'::jsonb)) THEN
            RAISE EXCEPTION '%.% is append-only: an UPDATE may only set to NULL a reference to a removed row (%), not change %',
                            TG_TABLE_SCHEMA, TG_TABLE_NAME,
                            pg_catalog.array_to_string(platform.removable_reference_columns(TG_RELID), ', '),
                            pg_catalog.array_to_string(changed, ', ')
                USING ERRCODE = 'insufficient_privilege', HINT = hint;
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
