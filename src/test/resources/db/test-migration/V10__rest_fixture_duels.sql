-- duels: two foreign keys to the same table (characters), for embedding one table twice under
-- different hints (challenger_id / opponent_id). User-owned rows, as characters.
CREATE TABLE rest_fixture.duels (
    id            serial PRIMARY KEY,
    user_id       uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    challenger_id uuid NOT NULL REFERENCES rest_fixture.characters (id) ON DELETE CASCADE,
    opponent_id   uuid NOT NULL REFERENCES rest_fixture.characters (id) ON DELETE CASCADE
);
CREATE INDEX duels_user_id_idx ON rest_fixture.duels (user_id);

GRANT SELECT, INSERT, DELETE ON rest_fixture.duels TO authenticated;
GRANT ALL ON rest_fixture.duels TO service_role;
GRANT USAGE ON SEQUENCE rest_fixture.duels_id_seq TO authenticated, service_role;
ALTER TABLE rest_fixture.duels ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users manage own duels" ON rest_fixture.duels
    FOR ALL USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
CREATE POLICY "Service role has full access" ON rest_fixture.duels
    FOR ALL TO service_role USING (true) WITH CHECK (true);
