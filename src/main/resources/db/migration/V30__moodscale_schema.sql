-- MoodScale tables, constraints and indexes, as seeds/moodscale.md specifies them, plus the
-- identity helpers that mood_entries' default and every policy rely on.
-- Every object is schema-qualified: Flyway's search_path is not something a migration may rely on.
-- Unnamed inline CHECKs get PostgreSQL's names (<table>_<column>_check). Deviations from the
-- document are marked "Not in the document" and listed in docs/apps/moodscale.md.
--
-- Timestamps are timestamptz, not the document's TIMESTAMP (Drizzle's timestamp() default): a
-- timestamp without time zone filled by now() stores the session's wall-clock time, so rows
-- written by sessions with different TimeZone settings would not sort in the order they happened.

CREATE SCHEMA moodscale;

-- ---------------------------------------------------------------------------------------------
-- users. The serial id stays (every other table references it); the identity is linked through
-- auth_user_id. Spotify tokens are never stored in plaintext: the document's
-- spotify_access_token / spotify_refresh_token become AES-256-GCM ciphertexts written and read
-- by the server only (see V32's column grants), with the id of the key that sealed them.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE moodscale.users (
    id                              serial PRIMARY KEY,
    -- Not in the document: the platform identity this app user belongs to.
    auth_user_id                    uuid NOT NULL UNIQUE REFERENCES auth.users (id) ON DELETE CASCADE,
    username                        text NOT NULL UNIQUE,
    spotify_id                      text,
    -- Not in the document (replace its plaintext token columns): ciphertext, key id, expiry.
    spotify_access_token_encrypted  bytea,
    spotify_refresh_token_encrypted bytea,
    encryption_key_id               text,
    spotify_token_expires_at        timestamptz,
    -- Not in the document: the app's admin role.
    role                            text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at                      timestamptz NOT NULL DEFAULT now(),
    -- Not in the document: a username is something a person can read and type.
    CONSTRAINT users_username_length CHECK (char_length(username) BETWEEN 1 AND 64),
    -- A sealed token is useless without the id of the key that sealed it; a row without any
    -- token has no key id (there is nothing to decrypt).
    CONSTRAINT users_encrypted_tokens_have_key_id CHECK (
        encryption_key_id IS NOT NULL
        OR (spotify_access_token_encrypted IS NULL AND spotify_refresh_token_encrypted IS NULL)),
    CONSTRAINT users_encryption_key_id_not_blank CHECK (encryption_key_id IS NULL OR encryption_key_id <> '')
);
-- Duplicates the index behind UNIQUE (username); kept because the document names it.
CREATE INDEX idx_users_username ON moodscale.users (username);

-- ---------------------------------------------------------------------------------------------
-- Identity helpers. STABLE SECURITY DEFINER with an empty search_path: they read users as its
-- owner, so policies on users itself can call them without recursing into users' own RLS.
-- ---------------------------------------------------------------------------------------------

-- The app user id of the signed-in identity, NULL for anon and for the service role without claims.
CREATE FUNCTION moodscale.current_user_id()
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT u.id FROM moodscale.users u WHERE u.auth_user_id = auth.uid()
$$;

-- True when the signed-in identity's app user has role 'admin'.
CREATE FUNCTION moodscale.is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT coalesce((SELECT u.role = 'admin' FROM moodscale.users u WHERE u.auth_user_id = auth.uid()), false)
$$;

-- ---------------------------------------------------------------------------------------------
-- mood_entries: a user's journal. user_id defaults to the caller's app user id, so a client
-- that only holds its access token can log a mood without knowing its serial id (a column
-- default may not contain a subquery, hence the plain call; it runs once per inserted row).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE moodscale.mood_entries (
    id         serial PRIMARY KEY,
    user_id    integer NOT NULL DEFAULT moodscale.current_user_id()
               REFERENCES moodscale.users (id) ON DELETE CASCADE,
    mood_score integer NOT NULL CHECK (mood_score BETWEEN 1 AND 10),
    emotions   text[],
    notes      text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_mood_entries_user_created ON moodscale.mood_entries (user_id, created_at DESC);

-- ---------------------------------------------------------------------------------------------
-- music_analysis: one user's analysis of one track ("User who analyzed the track"), not a
-- shared per-track cache: the document gives it a NOT NULL user_id, a per-user history index and
-- a non-unique track index, and predicted_mood / mood_confidence are that user's results. A user
-- may analyse the same track again (a newer model); idx_music_analysis_track finds every
-- analysis of a track.
--
-- audio_features keeps Spotify's /v1/audio-features object as it came. Not in the document: the
-- numeric features are also stored generated columns, so they are typed, range-checked and
-- directly filterable (valence and energy are what a mood is matched on). A client writes only
-- audio_features; a value of the wrong type fails the insert (22P02) instead of being kept.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE moodscale.music_analysis (
    id               serial PRIMARY KEY,
    user_id          integer NOT NULL REFERENCES moodscale.users (id) ON DELETE CASCADE,
    spotify_track_id text NOT NULL,
    track_name       text NOT NULL,
    artist_name      text NOT NULL,
    album_image      text,
    audio_features   jsonb,
    predicted_mood   text,
    mood_confidence  real CHECK (mood_confidence >= 0 AND mood_confidence <= 1),
    created_at       timestamptz NOT NULL DEFAULT now(),
    danceability     real GENERATED ALWAYS AS ((audio_features ->> 'danceability')::real) STORED,
    energy           real GENERATED ALWAYS AS ((audio_features ->> 'energy')::real) STORED,
    key              integer GENERATED ALWAYS AS ((audio_features ->> 'key')::integer) STORED,
    loudness         real GENERATED ALWAYS AS ((audio_features ->> 'loudness')::real) STORED,
    mode             integer GENERATED ALWAYS AS ((audio_features ->> 'mode')::integer) STORED,
    speechiness      real GENERATED ALWAYS AS ((audio_features ->> 'speechiness')::real) STORED,
    acousticness     real GENERATED ALWAYS AS ((audio_features ->> 'acousticness')::real) STORED,
    instrumentalness real GENERATED ALWAYS AS ((audio_features ->> 'instrumentalness')::real) STORED,
    liveness         real GENERATED ALWAYS AS ((audio_features ->> 'liveness')::real) STORED,
    valence          real GENERATED ALWAYS AS ((audio_features ->> 'valence')::real) STORED,
    tempo            real GENERATED ALWAYS AS ((audio_features ->> 'tempo')::real) STORED,
    duration_ms      integer GENERATED ALWAYS AS ((audio_features ->> 'duration_ms')::integer) STORED,
    time_signature   integer GENERATED ALWAYS AS ((audio_features ->> 'time_signature')::integer) STORED,
    -- Not in the document: the ranges Spotify's audio-features reference gives. Loudness
    -- ("typically -60 to 0 dB") is not bounded: real tracks exceed 0.
    CONSTRAINT music_analysis_audio_features_object
        CHECK (audio_features IS NULL OR jsonb_typeof(audio_features) = 'object'),
    CONSTRAINT music_analysis_danceability_check CHECK (danceability BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_energy_check CHECK (energy BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_key_check CHECK (key BETWEEN -1 AND 11),
    CONSTRAINT music_analysis_mode_check CHECK (mode IN (0, 1)),
    CONSTRAINT music_analysis_speechiness_check CHECK (speechiness BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_acousticness_check CHECK (acousticness BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_instrumentalness_check CHECK (instrumentalness BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_liveness_check CHECK (liveness BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_valence_check CHECK (valence BETWEEN 0 AND 1),
    CONSTRAINT music_analysis_tempo_check CHECK (tempo >= 0),
    CONSTRAINT music_analysis_duration_ms_check CHECK (duration_ms >= 0),
    CONSTRAINT music_analysis_time_signature_check CHECK (time_signature BETWEEN 3 AND 7)
);
CREATE INDEX idx_music_analysis_user_created ON moodscale.music_analysis (user_id, created_at DESC);
CREATE INDEX idx_music_analysis_track ON moodscale.music_analysis (spotify_track_id);

-- ---------------------------------------------------------------------------------------------
-- recommendations and personality_insights: AI output for one user.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE moodscale.recommendations (
    id               serial PRIMARY KEY,
    user_id          integer NOT NULL REFERENCES moodscale.users (id) ON DELETE CASCADE,
    -- Nullable as in the document: deleting the mood entry keeps the recommendation.
    mood_entry_id    integer REFERENCES moodscale.mood_entries (id) ON DELETE SET NULL,
    spotify_track_id text NOT NULL,
    track_name       text NOT NULL,
    artist_name      text NOT NULL,
    album_image      text,
    reason           text,
    match_score      real CHECK (match_score >= 0 AND match_score <= 1),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_recommendations_user_created ON moodscale.recommendations (user_id, created_at DESC);
-- Not in the document: deleting a mood entry sets recommendations.mood_entry_id to NULL, which
-- without this index scans every recommendation.
CREATE INDEX idx_recommendations_mood_entry ON moodscale.recommendations (mood_entry_id);

CREATE TABLE moodscale.personality_insights (
    id               serial PRIMARY KEY,
    user_id          integer NOT NULL REFERENCES moodscale.users (id) ON DELETE CASCADE,
    music_dna        text,
    energy_level     real CHECK (energy_level >= 0 AND energy_level <= 1),
    positivity_level real CHECK (positivity_level >= 0 AND positivity_level <= 1),
    ai_suggestion    text,
    generated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_personality_insights_user_generated
    ON moodscale.personality_insights (user_id, generated_at DESC);
