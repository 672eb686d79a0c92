-- Grants and row-level security for V20/V21: the seeded tables are readable by every request role.

GRANT SELECT ON rest_fixture.rel_authors, rest_fixture.rel_books, rest_fixture.rel_nodes,
    rest_fixture.rel_book_cards, rest_fixture.rel_author_names, rest_fixture.rel_book_titles,
    rest_fixture.rel_odd_cards, rest_fixture.rel_everyone
    TO anon, authenticated;
GRANT ALL ON rest_fixture.rel_authors, rest_fixture.rel_books, rest_fixture.rel_nodes,
    rest_fixture.rel_book_cards, rest_fixture.rel_author_names, rest_fixture.rel_book_titles,
    rest_fixture.rel_odd_cards, rest_fixture.rel_everyone TO service_role;

-- Functions are not executable by PUBLIC (V47's default privileges): sealed_rank stays the service role's.
GRANT EXECUTE ON FUNCTION rest_fixture.full_name(rest_fixture.characters),
    rest_fixture.top_tales(rest_fixture.characters), rest_fixture.rel_authors(rest_fixture.rel_books),
    rest_fixture.editor(rest_fixture.rel_books), rest_fixture.title_length(rest_fixture.rel_book_cards)
    TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION rest_fixture.sealed_rank(rest_fixture.characters) TO service_role;

ALTER TABLE rest_fixture.rel_authors ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.rel_books   ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.rel_nodes   ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Readable by every request role" ON rest_fixture.rel_authors FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture.rel_books FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture.rel_nodes FOR SELECT USING (true);
