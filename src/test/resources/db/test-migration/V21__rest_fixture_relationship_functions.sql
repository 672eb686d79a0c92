-- Computed fields and computed relationships: functions of one table's row (PostgREST's
-- "Computed Fields" and "Computed Relationships").

-- A computed field of characters: selectable, filterable and orderable like a column.
CREATE FUNCTION rest_fixture.full_name(rest_fixture.characters) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT $1.name || ' the ' || $1.primary_trait $$;

-- A computed field no request role may execute: naming it is PostgreSQL's permission error.
CREATE FUNCTION rest_fixture.sealed_rank(rest_fixture.characters) RETURNS integer
    LANGUAGE sql STABLE AS $$ SELECT length($1.name) $$;

-- A computed to-many relationship: a character's tales with the most plays first.
CREATE FUNCTION rest_fixture.top_tales(rest_fixture.characters) RETURNS SETOF rest_fixture.tales
    LANGUAGE sql STABLE AS $$
        SELECT * FROM rest_fixture.tales WHERE character_id = $1.id ORDER BY play_count DESC, title $$;

-- A computed to-one relationship (ROWS 1) replacing the two foreign keys books have to authors.
CREATE FUNCTION rest_fixture.rel_authors(rest_fixture.rel_books) RETURNS SETOF rest_fixture.rel_authors
    ROWS 1 LANGUAGE sql STABLE AS $$ SELECT * FROM rest_fixture.rel_authors WHERE id = $1.author_id $$;

-- A computed to-one relationship returning a single row, not a set.
CREATE FUNCTION rest_fixture.editor(rest_fixture.rel_books) RETURNS rest_fixture.rel_authors
    LANGUAGE sql STABLE AS $$ SELECT * FROM rest_fixture.rel_authors WHERE id = $1.editor_id $$;

-- A computed field of a view.
CREATE FUNCTION rest_fixture.title_length(rest_fixture.rel_book_cards) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT length($1.title) $$;
