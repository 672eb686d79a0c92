-- A function that raises SQLSTATE 'PGRST' with a MESSAGE or DETAIL that is not PostgREST's JSON,
-- for PGRST121's three answers (MediaTypesTest, scenarios/postgrest-media.js).
CREATE FUNCTION rest_fixture.raise_pgrst(kind text)
RETURNS integer LANGUAGE plpgsql
AS $$
BEGIN
    IF kind = 'message' THEN
        RAISE SQLSTATE 'PGRST' USING MESSAGE = 'not json', DETAIL = '{"status":400,"headers":{}}';
    ELSIF kind = 'no-detail' THEN
        RAISE SQLSTATE 'PGRST' USING MESSAGE = '{"code":"X1","message":"m"}';
    ELSIF kind = 'detail' THEN
        RAISE SQLSTATE 'PGRST' USING MESSAGE = '{"code":"X1","message":"m"}', DETAIL = 'not json';
    END IF;
    RAISE SQLSTATE 'PGRST' USING MESSAGE = '{"code":"X1","message":"m"}', DETAIL = '{"status":418,"headers":{"X-Tea":"green"}}';
END
$$;

GRANT EXECUTE ON FUNCTION rest_fixture.raise_pgrst(text) TO anon, authenticated;
