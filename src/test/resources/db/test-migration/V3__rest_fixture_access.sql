-- Grants and row-level security, written the way the apps write theirs: (select auth.uid())
-- against an indexed user_id, a policy for service_role on every table, RLS on every table.
-- Tables are granted one by one: the schema also holds Flyway's history table, which no request
-- role may see.

GRANT USAGE ON SCHEMA rest_fixture TO anon, authenticated, service_role;

GRANT SELECT, INSERT, UPDATE, DELETE ON rest_fixture.characters, rest_fixture.tales, rest_fixture.scenes,
    rest_fixture.events TO authenticated;
GRANT SELECT ON rest_fixture.events TO anon;
GRANT SELECT ON rest_fixture.labels, rest_fixture.character_labels TO authenticated;
GRANT UPDATE (name) ON rest_fixture.labels TO authenticated;
GRANT SELECT (id, body) ON rest_fixture.notes TO anon, authenticated;
GRANT SELECT ON rest_fixture.tale_titles TO authenticated;
GRANT ALL ON rest_fixture.characters, rest_fixture.tales, rest_fixture.scenes, rest_fixture.events,
    rest_fixture.labels, rest_fixture.character_labels, rest_fixture.vault_entries, rest_fixture.notes,
    rest_fixture.tale_titles TO service_role;
GRANT USAGE ON SEQUENCE rest_fixture.labels_id_seq TO service_role;

-- Functions are not executable by PUBLIC (V47's default privileges): grant them explicitly.
GRANT EXECUTE ON FUNCTION rest_fixture.plus(integer, integer), rest_fixture.characters_named(text),
    rest_fixture.pairs(integer), rest_fixture.numbers(integer), rest_fixture.echo(json),
    rest_fixture.nothing(), rest_fixture.payment_required(), rest_fixture.touch()
    TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION rest_fixture.purge_expired_vault() TO service_role;

ALTER TABLE rest_fixture.characters       ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.tales            ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.scenes           ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.events           ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.labels           ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.character_labels ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.vault_entries    ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.notes            ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Users manage own characters" ON rest_fixture.characters
    FOR ALL USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
CREATE POLICY "Users manage own tales" ON rest_fixture.tales
    FOR ALL USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
CREATE POLICY "Users manage scenes of own tales" ON rest_fixture.scenes
    FOR ALL
    USING (EXISTS (SELECT 1 FROM rest_fixture.tales t WHERE t.id = scenes.tale_id AND t.user_id = (select auth.uid())))
    WITH CHECK (EXISTS (SELECT 1 FROM rest_fixture.tales t
                        WHERE t.id = scenes.tale_id AND t.user_id = (select auth.uid())));
CREATE POLICY "Everyone sees public events, users their own" ON rest_fixture.events
    FOR SELECT USING ((select auth.uid()) = user_id OR is_public = true);
CREATE POLICY "Users manage own events" ON rest_fixture.events
    FOR ALL USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
-- Labels are shared; the grants above decide who may read or rename them.
CREATE POLICY "Labels are shared" ON rest_fixture.labels USING (true) WITH CHECK (true);
CREATE POLICY "Label links are shared" ON rest_fixture.character_labels FOR SELECT USING (true);
CREATE POLICY "Notes are public" ON rest_fixture.notes FOR SELECT USING (true);

CREATE POLICY "Service role has full access" ON rest_fixture.characters
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.tales
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.scenes
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.events
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.labels
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.character_labels
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.vault_entries
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.notes
    FOR ALL TO service_role USING (true) WITH CHECK (true);
