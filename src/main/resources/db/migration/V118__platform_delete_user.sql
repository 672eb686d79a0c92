-- =============================================================================================
-- V118: deleting a user, everywhere, in one transaction (docs/adr/0020-user-administration.md).
--   * the user's storage objects (owner or owner_id): rows deleted here; their versions are
--     returned, and the server removes the bytes once this has committed (a failure there leaves
--     orphaned bytes, which the storage sweep reports and removes; never a row without bytes);
--   * the identity: auth.users, whose foreign keys carry the rest through every app (CASCADE:
--     the user's rows go; SET NULL: rows that stay, such as ledgers and Rotation's anonymous
--     play counts, lose the reference);
--   * then the columns of platform.user_references (V115): rows deleted or, for ledgers,
--     anonymised (after the identity, as the guard of V116 requires).
-- No row of the user is left that names them. Runs as the owner (SECURITY DEFINER): the app
-- rows, the platform's ledgers and storage are beyond atelier_auth, which calls it.
-- Returns nothing when there is no such user.
-- =============================================================================================

CREATE FUNCTION platform.delete_user(p_user uuid)
RETURNS TABLE (bucket_id text, version text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    ref      record;
    col_type text;
BEGIN
    PERFORM 1 FROM auth.users u WHERE u.id = p_user FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- Marks the transaction as an erasure for triggers that must not copy the rows it removes
    -- (InfiniteStories' audit trail, V119); cleared again below.
    PERFORM pg_catalog.set_config('atelier.erasing_user', p_user::text, true);
    RETURN QUERY
        DELETE FROM storage.objects o WHERE o.owner = p_user OR o.owner_id = p_user::text
        RETURNING o.bucket_id, o.version;
    DELETE FROM auth.users u WHERE u.id = p_user;
    -- After the identity is gone: the guard lets a ledger's reference go only then (V116).
    FOR ref IN SELECT pg_catalog.to_regclass(r.table_name) AS target, r.column_name, r.action
               FROM platform.user_references r
               WHERE pg_catalog.to_regclass(r.table_name) IS NOT NULL
               ORDER BY r.table_name, r.column_name LOOP
        SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) INTO col_type
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = ref.target AND a.attname = ref.column_name AND NOT a.attisdropped;
        CONTINUE WHEN col_type IS NULL;
        IF ref.action = 'delete' THEN
            EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I = $1::text::%s', ref.target, ref.column_name, col_type)
                USING p_user;
        ELSE
            EXECUTE pg_catalog.format('UPDATE %s SET %I = NULL WHERE %I = $1::text::%s',
                                      ref.target, ref.column_name, ref.column_name, col_type)
                USING p_user;
        END IF;
    END LOOP;
    PERFORM pg_catalog.set_config('atelier.erasing_user', '', true);
END;
$$;

GRANT USAGE ON SCHEMA platform TO atelier_auth;
GRANT EXECUTE ON FUNCTION platform.delete_user(uuid) TO atelier_auth;
