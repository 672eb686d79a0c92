-- PostgREST's request context and response settings (issue 14, ADR 0027): functions that read
-- request.method / request.path / request.headers / request.cookies and set response.headers /
-- response.status, a table whose triggers set them, and the pre-request function the test
-- servers name in atelier.rest.pre-request (it does nothing unless a request asks it to through
-- the X-Pre-Request header, so every other test runs through it unchanged).

-- One of the request settings, as text (null when unset); only request.* may be read.
CREATE FUNCTION rest_fixture.request_setting(name text)
RETURNS text LANGUAGE sql STABLE
AS $$ select current_setting(name, true) where name like 'request.%' $$;

-- Sets response.headers and response.status when given (as text, so invalid values can be tried).
CREATE FUNCTION rest_fixture.respond_with(headers text DEFAULT NULL, status text DEFAULT NULL)
RETURNS json LANGUAGE plpgsql
AS $$
BEGIN
    IF headers IS NOT NULL THEN
        PERFORM set_config('response.headers', headers, true);
    END IF;
    IF status IS NOT NULL THEN
        PERFORM set_config('response.status', status, true);
    END IF;
    RETURN json_build_object('ok', true);
END;
$$;

-- The same for a function without a result (204) and one returning a set (a page of rows).
CREATE FUNCTION rest_fixture.respond_void(headers text DEFAULT NULL, status text DEFAULT NULL)
RETURNS void LANGUAGE sql
AS $$ select rest_fixture.respond_with(headers, status) $$;

CREATE FUNCTION rest_fixture.respond_rows(n integer, headers text DEFAULT NULL, status text DEFAULT NULL)
RETURNS SETOF integer LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM rest_fixture.respond_with(headers, status);
    RETURN QUERY SELECT generate_series(1, n);
END;
$$;

-- Receipts: inserting one answers 202 with X-Receipt naming it (an AFTER trigger, which runs once
-- the statement has), changing one answers 205 (a BEFORE trigger).
CREATE TABLE rest_fixture.receipts (
    id      uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
    note    text NOT NULL
);
CREATE INDEX receipts_user_id_idx ON rest_fixture.receipts (user_id);

CREATE FUNCTION rest_fixture.receipt_inserted()
RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM set_config('response.status', '202', true);
    PERFORM set_config('response.headers', json_build_array(json_build_object('X-Receipt', NEW.note))::text, true);
    RETURN NULL;
END;
$$;
CREATE TRIGGER receipt_inserted AFTER INSERT ON rest_fixture.receipts
    FOR EACH ROW EXECUTE FUNCTION rest_fixture.receipt_inserted();

CREATE FUNCTION rest_fixture.receipt_updating()
RETURNS trigger LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM set_config('response.status', '205', true);
    RETURN NEW;
END;
$$;
CREATE TRIGGER receipt_updating BEFORE UPDATE ON rest_fixture.receipts
    FOR EACH ROW EXECUTE FUNCTION rest_fixture.receipt_updating();

GRANT SELECT, INSERT, UPDATE, DELETE ON rest_fixture.receipts TO authenticated;
GRANT ALL ON rest_fixture.receipts TO service_role;
ALTER TABLE rest_fixture.receipts ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users manage own receipts" ON rest_fixture.receipts
    FOR ALL USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
CREATE POLICY "Service role has full access" ON rest_fixture.receipts
    FOR ALL TO service_role USING (true) WITH CHECK (true);

-- The pre-request function (PostgREST's db-pre-request). X-Pre-Request says what it does:
--   refuse      raise sqlstate 'PT401' (401, with WWW-Authenticate: Bearer)
--   fail        a plain exception (P0001: 400)
--   anon-only   refuse a signed-in caller with 42501 (403)
--   headers     set X-Pre-Request: "<method> <path>" for the response
--   status      answer 299 instead of the usual status
--   bad-status  set response.status to something that is not a status (PGRST112)
--   write       write something (refused in a GET's read-only transaction: 405)
CREATE FUNCTION rest_fixture.pre_request()
RETURNS void LANGUAGE plpgsql
AS $$
DECLARE
    ask text := nullif(current_setting('request.headers', true), '')::json ->> 'x-pre-request';
BEGIN
    IF ask IS NULL THEN
        RETURN;
    END IF;
    CASE ask
        WHEN 'refuse' THEN
            RAISE SQLSTATE 'PT401' USING MESSAGE = 'refused by the pre-request', HINT = 'sign in first';
        WHEN 'fail' THEN
            RAISE EXCEPTION 'the pre-request failed';
        WHEN 'anon-only' THEN
            IF auth.uid() IS NOT NULL THEN
                RAISE insufficient_privilege USING MESSAGE = 'anonymous callers only';
            END IF;
        WHEN 'headers' THEN
            PERFORM set_config('response.headers',
                json_build_array(json_build_object('X-Pre-Request',
                    current_setting('request.method', true) || ' ' || current_setting('request.path', true)))::text,
                true);
        WHEN 'status' THEN
            PERFORM set_config('response.status', '299', true);
        WHEN 'bad-status' THEN
            PERFORM set_config('response.status', 'teapot', true);
        WHEN 'write' THEN
            UPDATE rest_fixture.labels SET name = name WHERE false;
        ELSE
            NULL;
    END CASE;
END;
$$;

GRANT EXECUTE ON FUNCTION rest_fixture.request_setting(text), rest_fixture.respond_with(text, text),
    rest_fixture.respond_void(text, text), rest_fixture.respond_rows(integer, text, text),
    rest_fixture.pre_request()
    TO anon, authenticated, service_role;
