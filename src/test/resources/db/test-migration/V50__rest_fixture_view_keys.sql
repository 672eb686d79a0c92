-- Views that get their base tables' keys (ViewKeysTest, the Node scenario postgrest-relationships.js):
-- PostgREST gives a view the primary key of a base table when it shows every column of that key,
-- under the view's column names, so one-to-one, many-to-many through a view junction, upserts and
-- PUT work on views as on their tables. The tables sit in the unexposed schema rest_fixture_private
-- (V23) or in rest_fixture; rel_books and rel_authors are V20's. Seeded rows are only read; the
-- pins are written by the tests, each user its own.

-- Many-to-many through a view of a hidden junction table (PostgREST's "exposed view of the junction").
CREATE TABLE rest_fixture.rel_tags (
    id   integer PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE rest_fixture_private.book_tags (
    book_id integer NOT NULL REFERENCES rest_fixture.rel_books (id),
    tag_id  integer NOT NULL REFERENCES rest_fixture.rel_tags (id),
    PRIMARY KEY (book_id, tag_id)
);
CREATE INDEX book_tags_tag_id_idx ON rest_fixture_private.book_tags (tag_id);
INSERT INTO rest_fixture.rel_tags VALUES (1, 'fantasy'), (2, 'satire'), (3, 'utopia');
INSERT INTO rest_fixture_private.book_tags VALUES (1, 1), (2, 3), (3, 1), (3, 2), (4, 2);
CREATE VIEW rest_fixture.rel_book_tags WITH (security_invoker = true) AS
    SELECT book_id, tag_id FROM rest_fixture_private.book_tags;

-- One-to-one through views: a foreign key that is also the referencing table's primary key (bios),
-- and one that is a unique key of a table whose primary key the view hides (seats: no key then).
CREATE TABLE rest_fixture_private.author_bios (
    author_id integer PRIMARY KEY REFERENCES rest_fixture.rel_authors (id),
    bio       text NOT NULL
);
CREATE TABLE rest_fixture_private.author_seats (
    id        integer PRIMARY KEY,
    author_id integer NOT NULL UNIQUE REFERENCES rest_fixture.rel_authors (id),
    seat      text NOT NULL
);
INSERT INTO rest_fixture_private.author_bios VALUES (1, 'Wrote of Earthsea'), (2, 'Wrote of the Disc');
INSERT INTO rest_fixture_private.author_seats VALUES (10, 1, 'A1'), (20, 3, 'C3');
CREATE VIEW rest_fixture.rel_author_bios WITH (security_invoker = true) AS
    SELECT author_id AS writer, bio FROM rest_fixture_private.author_bios;
-- A view on the view: the key traced through both.
CREATE VIEW rest_fixture.rel_bio_lines WITH (security_invoker = true) AS
    SELECT b.writer AS author, b.bio AS line FROM rest_fixture.rel_author_bios b;
CREATE VIEW rest_fixture.rel_author_seats WITH (security_invoker = true) AS
    SELECT author_id, seat FROM rest_fixture_private.author_seats;

-- A join showing both tables' keys: its key is both (in constraint-name order).
CREATE VIEW rest_fixture.rel_book_authors WITH (security_invoker = true) AS
    SELECT b.id AS book, a.id AS author, a.name FROM rest_fixture.rel_books b
    JOIN rest_fixture.rel_authors a ON a.id = b.author_id;

-- Upserts and PUT through a view, a view on it, and a view hiding the key.
CREATE TABLE rest_fixture_private.pins (
    id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
    label   text NOT NULL
);
CREATE INDEX pins_user_id_idx ON rest_fixture_private.pins (user_id);
CREATE VIEW rest_fixture.rel_pins WITH (security_invoker = true) AS
    SELECT id AS pin, user_id AS owner, label FROM rest_fixture_private.pins;
CREATE VIEW rest_fixture.rel_pin_labels WITH (security_invoker = true) AS
    SELECT p.pin AS pin_no, p.label FROM rest_fixture.rel_pins p;
CREATE VIEW rest_fixture.rel_pin_drafts WITH (security_invoker = true) AS
    SELECT label FROM rest_fixture_private.pins;
