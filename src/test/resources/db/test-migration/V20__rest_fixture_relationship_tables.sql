-- Tables and views for computed fields, computed relationships, relationships through views and
-- self-references (ComputedRelationshipsTest, the Node scenario postgrest-relationships.js). Rows
-- are seeded here: every test reads them, none writes them.

-- Books have two foreign keys to authors: embedding rel_authors from rel_books is ambiguous until
-- the computed relationship rel_authors(rel_books) (V21) overrides both, as in PostgREST's docs.
CREATE TABLE rest_fixture.rel_authors (
    id   integer PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE rest_fixture.rel_books (
    id        integer PRIMARY KEY,
    title     text NOT NULL,
    author_id integer NOT NULL REFERENCES rest_fixture.rel_authors (id),
    editor_id integer REFERENCES rest_fixture.rel_authors (id)
);
CREATE INDEX rel_books_author_id_idx ON rest_fixture.rel_books (author_id);
CREATE INDEX rel_books_editor_id_idx ON rest_fixture.rel_books (editor_id);

-- A tree: a foreign key of a table to itself.
CREATE TABLE rest_fixture.rel_nodes (
    id        integer PRIMARY KEY,
    name      text NOT NULL,
    parent_id integer REFERENCES rest_fixture.rel_nodes (id)
);
CREATE INDEX rel_nodes_parent_id_idx ON rest_fixture.rel_nodes (parent_id);

INSERT INTO rest_fixture.rel_authors VALUES (1, 'Ursula'), (2, 'Terry'), (3, 'Neil');
INSERT INTO rest_fixture.rel_books VALUES
    (1, 'Earthsea', 1, 3), (2, 'The Dispossessed', 1, NULL), (3, 'Mort', 2, 3), (4, 'Good Omens', 2, 1);
INSERT INTO rest_fixture.rel_nodes VALUES
    (1, 'root', NULL), (2, 'left', 1), (3, 'right', 1), (4, 'leaf', 2);

-- Views whose columns trace to the tables' keys: a view of books showing author_id (not editor_id),
-- a view of authors, and a view on the view of books with a renamed column.
CREATE VIEW rest_fixture.rel_book_cards WITH (security_invoker = true) AS
    SELECT b.id, b.title, b.author_id FROM rest_fixture.rel_books b;
CREATE VIEW rest_fixture.rel_author_names WITH (security_invoker = true) AS
    SELECT a.id AS author_id, upper(a.name) AS shout, a.name FROM rest_fixture.rel_authors a;
CREATE VIEW rest_fixture.rel_book_titles WITH (security_invoker = true) AS
    SELECT c.title AS book_title, c.author_id AS written_by FROM rest_fixture.rel_book_cards c WHERE c.id < 4;

-- Column names that pg_node_tree escapes ("(", "{", " ", "\"), a subquery between the view and its
-- table, and a UNION whose columns have no single origin (no relationship then).
CREATE VIEW rest_fixture.rel_odd_cards WITH (security_invoker = true) AS
    SELECT s."x (y) {z} \ w" AS "odd (name) {1}", s."by ""who""" AS "written by"
    FROM (SELECT id AS "x (y) {z} \ w", author_id AS "by ""who""" FROM rest_fixture.rel_books) s;
CREATE VIEW rest_fixture.rel_everyone WITH (security_invoker = true) AS
    SELECT id, name FROM rest_fixture.rel_authors UNION SELECT id, name FROM rest_fixture.rel_nodes;
