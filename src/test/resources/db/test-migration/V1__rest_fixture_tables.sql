-- The Data API tests' own schema: a small catalog with every shape /rest/v1 has to handle, so that
-- the platform's tests never read or change an app's tables. Applied by the tests only
-- (dev.atelier.testing.TestSchema), after the product's migrations, with its own history table
-- (rest_fixture.flyway_test_history); Flyway creates the schema itself.
--
-- characters   user-owned rows (RLS on user_id), text / jsonb / boolean / timestamptz columns, CHECKs
-- tales        one-to-many from characters (character_id), long text for full-text search, jsonb, integer
-- scenes       one-to-many from tales, numeric, a composite UNIQUE
-- events       public or private rows (anon reads the public ones), a text[] column
-- labels       self-reference (parent_id), a column-level UPDATE privilege
-- character_labels   many-to-many junction between characters and labels
-- vault_entries      a table only service_role may use
-- notes        a sealed column: request roles may read every column but sealed_secret
-- tale_titles  a security-invoker view over tales

CREATE TABLE rest_fixture.characters (
    id              uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id         uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    name            text NOT NULL,
    primary_trait   text NOT NULL,
    secondary_trait text NOT NULL,
    appearance      text,
    visual_profile  jsonb,
    created_at      timestamptz DEFAULT now(),
    is_active       boolean DEFAULT true,
    CONSTRAINT character_name_length CHECK (length(name) BETWEEN 1 AND 50),
    CONSTRAINT distinct_traits CHECK (primary_trait != secondary_trait)
);
CREATE INDEX characters_user_id_idx ON rest_fixture.characters (user_id);

CREATE TABLE rest_fixture.tales (
    id           uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id      uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    character_id uuid REFERENCES rest_fixture.characters (id) ON DELETE SET NULL,
    title        text NOT NULL,
    content      text NOT NULL,
    event_data   jsonb NOT NULL,
    play_count   integer DEFAULT 0 CHECK (play_count >= 0),
    created_at   timestamptz DEFAULT now()
);
CREATE INDEX tales_user_id_idx ON rest_fixture.tales (user_id);
CREATE INDEX tales_character_id_idx ON rest_fixture.tales (character_id);

CREATE TABLE rest_fixture.scenes (
    id                  uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    tale_id             uuid REFERENCES rest_fixture.tales (id) ON DELETE CASCADE,
    scene_number        integer NOT NULL CHECK (scene_number > 0),
    text_segment        text NOT NULL,
    illustration_prompt text NOT NULL,
    timestamp_seconds   numeric NOT NULL CHECK (timestamp_seconds >= 0),
    UNIQUE (tale_id, scene_number)
);

CREATE TABLE rest_fixture.events (
    id          uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id     uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    title       text NOT NULL,
    prompt_seed text NOT NULL,
    keywords    text[],
    is_public   boolean DEFAULT false
);
CREATE INDEX events_user_id_idx ON rest_fixture.events (user_id);

CREATE TABLE rest_fixture.labels (
    id        serial PRIMARY KEY,
    name      text NOT NULL UNIQUE,
    parent_id integer REFERENCES rest_fixture.labels (id)
);

CREATE TABLE rest_fixture.character_labels (
    character_id uuid REFERENCES rest_fixture.characters (id) ON DELETE CASCADE,
    label_id     integer REFERENCES rest_fixture.labels (id),
    PRIMARY KEY (character_id, label_id)
);

CREATE TABLE rest_fixture.vault_entries (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE TABLE rest_fixture.notes (
    id            integer PRIMARY KEY,
    body          text,
    sealed_secret text
);
INSERT INTO rest_fixture.notes VALUES (1, 'open to everyone', 'for the service role only');

CREATE VIEW rest_fixture.tale_titles WITH (security_invoker = true) AS
    SELECT id, user_id, title FROM rest_fixture.tales;
