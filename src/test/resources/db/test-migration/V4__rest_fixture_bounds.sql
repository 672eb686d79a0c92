-- Tables for the per-request bounds (RestBoundsTest): a ten-column row for select lists made of
-- stars, and parents with many children: 20,000 small rows under parent 1. Parent 2's children,
-- twelve rows of 1 MB text, arrive in the test through the Data API, as a client's would.

CREATE TABLE rest_fixture.bounds_wide (
    c0 integer, c1 integer, c2 integer, c3 integer, c4 integer,
    c5 integer, c6 integer, c7 integer, c8 integer, c9 integer
);
INSERT INTO rest_fixture.bounds_wide VALUES (0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

CREATE TABLE rest_fixture.bounds_parents (id integer PRIMARY KEY);
INSERT INTO rest_fixture.bounds_parents VALUES (1), (2);

CREATE TABLE rest_fixture.bounds_texts (
    id        integer PRIMARY KEY,
    parent_id integer REFERENCES rest_fixture.bounds_parents (id),
    content   text
);
CREATE INDEX bounds_texts_parent_id_idx ON rest_fixture.bounds_texts (parent_id);
INSERT INTO rest_fixture.bounds_texts SELECT i, 1, 'row ' || i FROM generate_series(100, 99 + 20000) i;

GRANT SELECT ON rest_fixture.bounds_wide TO anon;
GRANT SELECT ON rest_fixture.bounds_parents, rest_fixture.bounds_texts TO anon, authenticated;
GRANT ALL ON rest_fixture.bounds_wide, rest_fixture.bounds_parents, rest_fixture.bounds_texts TO service_role;

ALTER TABLE rest_fixture.bounds_wide    ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.bounds_parents ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture.bounds_texts   ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Readable by every request role" ON rest_fixture.bounds_wide FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture.bounds_parents FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture.bounds_texts FOR SELECT USING (true);
CREATE POLICY "Service role has full access" ON rest_fixture.bounds_wide
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.bounds_parents
    FOR ALL TO service_role USING (true) WITH CHECK (true);
CREATE POLICY "Service role has full access" ON rest_fixture.bounds_texts
    FOR ALL TO service_role USING (true) WITH CHECK (true);
