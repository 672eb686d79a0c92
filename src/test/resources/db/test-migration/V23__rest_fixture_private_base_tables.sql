-- Views in the exposed schema over tables in a schema the Data API does not expose (the way
-- Supabase projects hide tables behind views): their relationship comes from the hidden tables'
-- foreign key (ComputedRelationshipsTest, postgrest-relationships.js).
CREATE SCHEMA rest_fixture_private;

CREATE TABLE rest_fixture_private.shelves (
    id    integer PRIMARY KEY,
    label text NOT NULL
);
CREATE TABLE rest_fixture_private.volumes (
    id       integer PRIMARY KEY,
    title    text NOT NULL,
    shelf_id integer NOT NULL REFERENCES rest_fixture_private.shelves (id)
);
CREATE INDEX volumes_shelf_id_idx ON rest_fixture_private.volumes (shelf_id);
INSERT INTO rest_fixture_private.shelves VALUES (1, 'fiction'), (2, 'poetry');
INSERT INTO rest_fixture_private.volumes VALUES (1, 'Dune', 1), (2, 'Emma', 1), (3, 'Odes', 2);

CREATE VIEW rest_fixture.rel_shelves WITH (security_invoker = true) AS
    SELECT id, label FROM rest_fixture_private.shelves;
CREATE VIEW rest_fixture.rel_volumes WITH (security_invoker = true) AS
    SELECT id, title, shelf_id AS on_shelf FROM rest_fixture_private.volumes;

GRANT USAGE ON SCHEMA rest_fixture_private TO anon, authenticated, service_role;
GRANT SELECT ON rest_fixture_private.shelves, rest_fixture_private.volumes TO anon, authenticated, service_role;
GRANT SELECT ON rest_fixture.rel_shelves, rest_fixture.rel_volumes TO anon, authenticated, service_role;
ALTER TABLE rest_fixture_private.shelves ENABLE ROW LEVEL SECURITY;
ALTER TABLE rest_fixture_private.volumes ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Readable by every request role" ON rest_fixture_private.shelves FOR SELECT USING (true);
CREATE POLICY "Readable by every request role" ON rest_fixture_private.volumes FOR SELECT USING (true);
