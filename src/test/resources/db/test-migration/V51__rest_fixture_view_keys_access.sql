-- Grants and row-level security for V50: the seeded relations are readable by every request role;
-- the pins are each signed-in user's own.

GRANT SELECT ON rest_fixture.rel_tags, rest_fixture_private.book_tags, rest_fixture_private.author_bios,
    rest_fixture_private.author_seats, rest_fixture.rel_book_tags, rest_fixture.rel_author_bios,
    rest_fixture.rel_bio_lines, rest_fixture.rel_author_seats, rest_fixture.rel_book_authors
    TO anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON rest_fixture_private.pins, rest_fixture.rel_pins,
    rest_fixture.rel_pin_labels, rest_fixture.rel_pin_drafts TO authenticated, service_role;

ALTER TABLE rest_fixture.rel_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture_private.book_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture_private.author_bios ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture_private.author_seats ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture_private.pins ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Readable by every request role" ON rest_fixture.rel_tags FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture_private.book_tags FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture_private.author_bios FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture_private.author_seats FOR SELECT USING (true);
CREATE POLICY "Users manage own pins" ON rest_fixture_private.pins
    FOR ALL USING ((select auth.uid()) = user_id) WITH CHECK ((select auth.uid()) = user_id);
