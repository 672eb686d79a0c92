-- =============================================================================================
-- V116: the append-only guard (V48) lets through exactly one kind of UPDATE, and only on the
-- owner's paths: setting to NULL a reference to something that no longer exists, i.e.
--   * a foreign-key column whose key says ON DELETE SET NULL, once the referenced row is gone
--     (PostgreSQL's own action makes the change, as the referencing table's owner, right after
--     deleting the user's app row or a generation), or
--   * a column listed with action 'anonymise' in platform.user_references (V115), once the
--     identity it names is gone from auth.users (platform.delete_user, V118, clears it right
--     after deleting the identity).
-- Taking a live user's name off their ledger rows is refused like any other rewrite.
-- Any other UPDATE of a ledger row is refused, to every role, owner and migrations included (a
-- migration that must rewrite a ledger disables the trigger for that statement, visibly).
-- Request roles are refused before anything else, as before; DELETE and TRUNCATE keep the one
-- rule (the owner's paths only: retention jobs). docs/adr/0020-user-administration.md.
-- =============================================================================================

-- Whether the value a column of a ledger row held is a reference that may now be removed: the
-- column is a single-column ON DELETE SET NULL foreign key and the referenced row is gone, or it
-- is listed as 'anonymise' in platform.user_references and no identity has that id any more.
CREATE FUNCTION platform.reference_is_gone(target regclass, column_name text, old_value text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = ''
AS $$
DECLARE
    fk      record;
    present boolean;
BEGIN
    SELECT k.confrelid::regclass AS parent, p.attname AS referenced,
           pg_catalog.format_type(p.atttypid, p.atttypmod) AS type
    INTO fk
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
    JOIN pg_catalog.pg_attribute p ON p.attrelid = k.confrelid AND p.attnum = k.confkey[1]
    WHERE k.conrelid = target AND k.contype = 'f' AND k.confdeltype = 'n'
      AND pg_catalog.array_length(k.conkey, 1) = 1 AND a.attname = column_name
    LIMIT 1;
    IF FOUND THEN
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I = $1::%s)', fk.parent, fk.referenced, fk.type)
            INTO present USING old_value;
        RETURN NOT present;
    END IF;
    IF EXISTS (SELECT 1 FROM platform.user_references r
               WHERE r.action = 'anonymise' AND pg_catalog.to_regclass(r.table_name) = target
                 AND r.column_name = reference_is_gone.column_name) THEN
        RETURN NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.id::text = old_value);
    END IF;
    RETURN false;
END;
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
        IF EXISTS (SELECT 1 FROM pg_catalog.unnest(changed) c
                   WHERE pg_catalog.to_jsonb(NEW) -> c OPERATOR(pg_catalog.<>) 'null'::jsonb
                      OR NOT platform.reference_is_gone(TG_RELID, c, pg_catalog.to_jsonb(OLD) ->> c)) THEN
            RAISE EXCEPTION '%.% is append-only: an UPDATE may only set to NULL a reference to a row that is gone, not change %',
                            TG_TABLE_SCHEMA, TG_TABLE_NAME, pg_catalog.array_to_string(changed, ', ')
                USING ERRCODE = 'insufficient_privilege', HINT = hint;
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
