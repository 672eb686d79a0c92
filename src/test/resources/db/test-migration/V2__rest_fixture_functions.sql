-- Functions of every result shape /rest/v1/rpc has to handle: scalar with a default argument,
-- SETOF a table (so it can be filtered and embedded), RETURNS TABLE, SETOF scalar, a json
-- single-object parameter, void, a PostgREST PT error code, a writing one (refused over GET), and
-- one only service_role may execute.

CREATE FUNCTION rest_fixture.plus(a integer, b integer DEFAULT 1)
RETURNS integer LANGUAGE sql IMMUTABLE AS 'select a + b';

CREATE FUNCTION rest_fixture.characters_named(prefix text)
RETURNS SETOF rest_fixture.characters LANGUAGE sql STABLE
AS $$ select * from rest_fixture.characters where name like prefix || '%' $$;

CREATE FUNCTION rest_fixture.pairs(n integer)
RETURNS TABLE (x integer, y text) LANGUAGE sql IMMUTABLE
AS $$ select i, 'v' || i from generate_series(1, n) i $$;

CREATE FUNCTION rest_fixture.numbers(n integer)
RETURNS SETOF integer LANGUAGE sql IMMUTABLE AS $$ select generate_series(1, n) $$;

CREATE FUNCTION rest_fixture.echo(payload json)
RETURNS json LANGUAGE sql IMMUTABLE AS 'select payload';

CREATE FUNCTION rest_fixture.nothing()
RETURNS void LANGUAGE sql AS 'select';

CREATE FUNCTION rest_fixture.payment_required()
RETURNS integer LANGUAGE plpgsql
AS $$ begin raise exception 'pay first' using errcode = 'PT402', hint = 'top up'; end $$;

CREATE FUNCTION rest_fixture.touch()
RETURNS integer LANGUAGE sql VOLATILE
AS $$ update rest_fixture.labels set name = name where false; select 1 $$;

CREATE FUNCTION rest_fixture.purge_expired_vault()
RETURNS integer LANGUAGE plpgsql SET search_path = ''
AS $$
DECLARE
    deleted integer;
BEGIN
    DELETE FROM rest_fixture.vault_entries WHERE expires_at < pg_catalog.now();
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END;
$$;
