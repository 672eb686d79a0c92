-- Rotation tables, enums, constraints and indexes, as seeds/rotation.md specifies them.
-- The document names tables, key fields, uniques, enums and indexes but gives few full
-- definitions; the remaining columns are designed from its descriptions and recorded, with the
-- reasons, in docs/apps/rotation.md ("Designed columns"). Every object is schema-qualified.
-- Unnamed inline CHECKs get PostgreSQL's names (<table>_<column>_check); multi-column CHECKs are
-- named. Enums that the document elides with "..." are completed as docs/apps/rotation.md says.

CREATE SCHEMA rotation;

-- ---------------------------------------------------------------------------------------------
-- Enums ("Data Types and Enums").
-- ---------------------------------------------------------------------------------------------

CREATE TYPE rotation.user_role AS ENUM ('admin', 'store_manager', 'general_user');
CREATE TYPE rotation.store_status AS ENUM ('active', 'pending', 'suspended', 'inactive');

CREATE TYPE rotation.record_status AS ENUM ('active', 'sold', 'reserved', 'draft', 'removed');
-- The Goldmine grading scale, spelled exactly as Discogs' marketplace API writes "condition".
CREATE TYPE rotation.record_condition AS ENUM (
    'Mint (M)', 'Near Mint (NM or M-)', 'Very Good Plus (VG+)', 'Very Good (VG)',
    'Good Plus (G+)', 'Good (G)', 'Fair (F)', 'Poor (P)');
-- Discogs' "sleeve_condition": the same scale plus its three sleeve-only values.
CREATE TYPE rotation.sleeve_condition AS ENUM (
    'Mint (M)', 'Near Mint (NM or M-)', 'Very Good Plus (VG+)', 'Very Good (VG)',
    'Good Plus (G+)', 'Good (G)', 'Fair (F)', 'Poor (P)',
    'Generic', 'Not Graded', 'No Cover');

CREATE TYPE rotation.match_status AS ENUM ('unverified', 'verified', 'needs_review', 'rejected', 'auto_approved');
CREATE TYPE rotation.audio_platform AS ENUM ('youtube', 'soundcloud', 'spotify', 'bandcamp', 'discogs');

CREATE TYPE rotation.feedback_type AS ENUM (
    'bad_match', 'missing_audio', 'wrong_metadata', 'copyright_issue', 'quality_issue', 'suggestion');
CREATE TYPE rotation.feedback_status AS ENUM ('open', 'in_review', 'resolved', 'dismissed');
CREATE TYPE rotation.play_action AS ENUM ('play', 'pause', 'skip', 'complete', 'seek');

CREATE TYPE rotation.job_type AS ENUM (
    'store_sync', 'audio_matching', 'metadata_refresh', 'image_processing', 'backup', 'cleanup', 'migration');
CREATE TYPE rotation.job_status AS ENUM ('pending', 'running', 'completed', 'failed', 'cancelled', 'retrying');
CREATE TYPE rotation.log_level AS ENUM ('debug', 'info', 'warning', 'error', 'critical');
CREATE TYPE rotation.setting_type AS ENUM ('string', 'number', 'boolean', 'json', 'array');
CREATE TYPE rotation.feature_flag_type AS ENUM ('boolean', 'percentage', 'user_list', 'condition');

-- ---------------------------------------------------------------------------------------------
-- Layer 1: identity.
-- ---------------------------------------------------------------------------------------------

-- One row per auth.users identity, created by rotation.handle_new_auth_user() (V21). The serial
-- id stays the app's user id; auth_user_id links it to the identity and is what policies compare.
CREATE TABLE rotation.users (
    id                serial PRIMARY KEY,
    auth_user_id      uuid NOT NULL UNIQUE REFERENCES auth.users (id) ON DELETE CASCADE,
    -- Copied from auth.users at sign-up; nullable because an identity's e-mail is.
    email             text UNIQUE,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    username          text UNIQUE CHECK (username ~ '^[a-z0-9_]{3,64}$'),
    role              rotation.user_role NOT NULL DEFAULT 'general_user',
    profile_image_url text,
    bio               text CHECK (length(bio) <= 2000),
    location          text,
    website_url       text,
    is_verified       boolean NOT NULL DEFAULT false,
    is_active         boolean NOT NULL DEFAULT true,
    last_login_at     timestamptz,
    email_verified_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
-- The document's four indexes. idx_users_email and idx_users_username repeat the indexes behind
-- the UNIQUE constraints; they exist because the document names them.
CREATE INDEX idx_users_email ON rotation.users (email);
CREATE INDEX idx_users_username ON rotation.users (username);
CREATE INDEX idx_users_role ON rotation.users (role);
CREATE INDEX idx_users_is_active ON rotation.users (is_active);

CREATE TABLE rotation.stores (
    id                   serial PRIMARY KEY,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug                 text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    discogs_username     text NOT NULL UNIQUE,
    discogs_store_id     text,
    owner_user_id        integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    status               rotation.store_status NOT NULL DEFAULT 'pending',
    description          text,
    website_url          text,
    location             text,
    country_code         text CHECK (country_code ~ '^[A-Z]{2}$'),
    logo_url             text,
    banner_url           text,
    contact_email        text,
    phone                text,
    business_hours       jsonb,
    shipping_info        jsonb,
    policies             text,
    average_rating       numeric(3, 2) NOT NULL DEFAULT 0 CHECK (average_rating BETWEEN 0 AND 5),
    total_reviews        integer NOT NULL DEFAULT 0 CHECK (total_reviews >= 0),
    total_releases       integer NOT NULL DEFAULT 0 CHECK (total_releases >= 0),
    verified_at          timestamptz,
    last_sync_at         timestamptz,
    sync_frequency_hours integer NOT NULL DEFAULT 24 CHECK (sync_frequency_hours > 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_stores_slug ON rotation.stores (slug);
CREATE INDEX idx_stores_discogs_username ON rotation.stores (discogs_username);
CREATE INDEX idx_stores_status ON rotation.stores (status);
CREATE INDEX idx_stores_owner_user_id ON rotation.stores (owner_user_id);

CREATE TABLE rotation.store_managers (
    id          serial PRIMARY KEY,
    store_id    integer NOT NULL REFERENCES rotation.stores (id) ON DELETE CASCADE,
    user_id     integer NOT NULL REFERENCES rotation.users (id) ON DELETE CASCADE,
    role        text NOT NULL DEFAULT 'manager' CHECK (role IN ('owner', 'manager', 'staff')),
    permissions jsonb NOT NULL DEFAULT '[]'::jsonb,
    invited_by  integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (store_id, user_id)
);
-- store_id is the leading column of the UNIQUE index; user_id (policies, FK) needs its own.
CREATE INDEX idx_store_managers_user_id ON rotation.store_managers (user_id);
CREATE INDEX idx_store_managers_invited_by ON rotation.store_managers (invited_by);

-- Discogs OAuth 1.0a credentials. Never plaintext: each secret is an AES-256-GCM ciphertext made
-- by the server (additional authenticated data "rotation.discogs_tokens.<column>:<user_id>"),
-- with the id of the key that made it. Only service_role can read or write these columns (V22).
CREATE TABLE rotation.discogs_tokens (
    id                      serial PRIMARY KEY,
    user_id                 integer NOT NULL REFERENCES rotation.users (id) ON DELETE CASCADE,
    username                text NOT NULL UNIQUE,
    access_token_encrypted  bytea NOT NULL,
    -- NULL for a personal access token, which has no secret.
    access_secret_encrypted bytea,
    encryption_key_id       text NOT NULL,
    token_type              text NOT NULL DEFAULT 'oauth' CHECK (token_type IN ('oauth', 'personal')),
    scope                   text,
    expires_at              timestamptz,
    last_used_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT discogs_tokens_oauth_has_secret
        CHECK (token_type <> 'oauth' OR access_secret_encrypted IS NOT NULL)
);
CREATE INDEX idx_discogs_tokens_user_id ON rotation.discogs_tokens (user_id);
CREATE INDEX idx_discogs_tokens_expires_at ON rotation.discogs_tokens (expires_at)
    WHERE expires_at IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Layer 2: core content. A Discogs release maps onto records (one row) and tracks (one row per
-- playable tracklist entry); a marketplace listing onto store_inventory. The mapping is in
-- docs/apps/rotation.md and in rotation.upsert_discogs_release() (V21).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE rotation.records (
    id                     serial PRIMARY KEY,
    discogs_release_id     bigint NOT NULL UNIQUE CHECK (discogs_release_id > 0),
    title                  text NOT NULL,
    -- Display artist: Discogs artists[] names joined with their "join" words.
    artist                 text NOT NULL,
    -- Sort key: lower-case, a leading "The "/"A "/"An " dropped.
    artist_sort            text,
    artists                jsonb NOT NULL DEFAULT '[]'::jsonb,  -- Discogs artists[]: id, name, anv, join, role
    extra_artists          jsonb NOT NULL DEFAULT '[]'::jsonb,  -- Discogs extraartists[] (release credits)
    label                  text,                                -- first label's name
    catalog_number         text,                                -- first label's catno
    labels                 jsonb NOT NULL DEFAULT '[]'::jsonb,  -- Discogs labels[]: id, name, catno
    companies              jsonb NOT NULL DEFAULT '[]'::jsonb,  -- Discogs companies[]
    release_year           integer CHECK (release_year BETWEEN 1850 AND 2100),
    released               text,                                -- Discogs "released" as given ("1999-03-00")
    release_date           date,                                -- set only when "released" is a full date
    country                text,
    genres                 text[] NOT NULL DEFAULT '{}',
    styles                 text[] NOT NULL DEFAULT '{}',
    format                 text,                                -- first format's name (Vinyl, CD, ...)
    formats                jsonb NOT NULL DEFAULT '[]'::jsonb,  -- Discogs formats[]: name, qty, text, descriptions
    identifiers            jsonb NOT NULL DEFAULT '[]'::jsonb,  -- Discogs identifiers[]: type, value, description
    barcode                text,                                -- first identifier of type Barcode
    images                 jsonb NOT NULL DEFAULT '[]'::jsonb,
    videos                 jsonb NOT NULL DEFAULT '[]'::jsonb,
    thumbnail_url          text,
    notes                  text,
    data_quality           text,
    master_id              bigint,
    master_url             text,
    discogs_url            text,
    total_tracks           integer NOT NULL DEFAULT 0 CHECK (total_tracks >= 0),
    total_duration_seconds integer NOT NULL DEFAULT 0 CHECK (total_duration_seconds >= 0),
    metadata_last_updated  timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
-- Repeats the UNIQUE index; named by the document.
CREATE INDEX idx_records_discogs_release_id ON rotation.records (discogs_release_id);
CREATE INDEX idx_records_artist ON rotation.records (artist);
CREATE INDEX idx_records_artist_sort ON rotation.records (artist_sort);
CREATE INDEX idx_records_release_year ON rotation.records (release_year);
CREATE INDEX idx_records_genres ON rotation.records USING gin (genres);
-- Not in the document's list: "GIN Indexes: for array and JSONB columns"; styles are filtered
-- exactly like genres.
CREATE INDEX idx_records_styles ON rotation.records USING gin (styles);
CREATE INDEX idx_records_master_id ON rotation.records (master_id);

CREATE TABLE rotation.store_inventory (
    id                 serial PRIMARY KEY,
    store_id           integer NOT NULL REFERENCES rotation.stores (id) ON DELETE CASCADE,
    record_id          integer NOT NULL REFERENCES rotation.records (id) ON DELETE CASCADE,
    discogs_listing_id bigint UNIQUE,
    status             rotation.record_status NOT NULL DEFAULT 'active',
    price              numeric(10, 2) CHECK (price >= 0),
    currency           text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    condition          rotation.record_condition,
    sleeve_condition   rotation.sleeve_condition,
    description        text,                          -- Discogs listing "comments"
    quantity           integer NOT NULL DEFAULT 1 CHECK (quantity >= 0),
    weight_grams       integer CHECK (weight_grams > 0),
    ships_from         text,
    shipping_cost      numeric(10, 2) CHECK (shipping_cost >= 0),
    allow_offers       boolean NOT NULL DEFAULT false,
    featured           boolean NOT NULL DEFAULT false,
    view_count         integer NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    wishlist_count     integer NOT NULL DEFAULT 0 CHECK (wishlist_count >= 0),
    listed_at          timestamptz NOT NULL DEFAULT now(),   -- Discogs listing "posted"
    sold_at            timestamptz,
    reserved_until     timestamptz,
    last_synced_at     timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- store_id leads: the store page query, and the store-manager policies filter on it.
CREATE INDEX idx_store_inventory_store_status_price ON rotation.store_inventory (store_id, status, price);
CREATE INDEX idx_store_inventory_record_id ON rotation.store_inventory (record_id);
CREATE INDEX idx_store_inventory_status_listed_at ON rotation.store_inventory (status, listed_at DESC);

CREATE TABLE rotation.tracks (
    id               serial PRIMARY KEY,
    record_id        integer NOT NULL REFERENCES rotation.records (id) ON DELETE CASCADE,
    position         text NOT NULL,                          -- Discogs position: A1, B2, 1-01, 11.a
    title            text NOT NULL,
    duration_seconds integer CHECK (duration_seconds >= 0),
    duration_display text,                                   -- Discogs duration as given: "4:45"
    artists          jsonb NOT NULL DEFAULT '[]'::jsonb,     -- track artists[] (empty: the release's)
    credits          jsonb NOT NULL DEFAULT '[]'::jsonb,     -- track extraartists[]
    track_index      integer NOT NULL CHECK (track_index >= 0), -- 0-based order in the tracklist
    side_index       integer CHECK (side_index >= 0),        -- vinyl side: A = 0, B = 1, ...
    track_on_side    integer CHECK (track_on_side > 0),
    bpm              integer CHECK (bpm BETWEEN 1 AND 400),
    key_signature    text,
    genre_tags       text[] NOT NULL DEFAULT '{}',
    mood_tags        text[] NOT NULL DEFAULT '{}',
    instrument_tags  text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tracks_record_id_track_index_key UNIQUE (record_id, track_index)
);
CREATE INDEX idx_tracks_record_position ON rotation.tracks (record_id, position);
CREATE INDEX idx_tracks_genre_tags ON rotation.tracks USING gin (genre_tags);

-- ---------------------------------------------------------------------------------------------
-- Layer 3: matching and enrichment.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE rotation.audio_matches (
    id               serial PRIMARY KEY,
    track_id         integer NOT NULL REFERENCES rotation.tracks (id) ON DELETE CASCADE,
    platform         rotation.audio_platform NOT NULL,
    external_id      text NOT NULL,                          -- YouTube video id, SoundCloud track id, ...
    url              text NOT NULL,
    title            text,
    artist           text,
    duration_seconds integer CHECK (duration_seconds >= 0),
    thumbnail_url    text,
    embed_url        text,
    confidence_score numeric(4, 3) NOT NULL CHECK (confidence_score BETWEEN 0 AND 1),
    status           rotation.match_status NOT NULL DEFAULT 'unverified',
    match_reason     text,
    quality_score    numeric(4, 3) CHECK (quality_score BETWEEN 0 AND 1),
    popularity_score bigint NOT NULL DEFAULT 0 CHECK (popularity_score >= 0), -- views/likes exceed 2^31
    is_official      boolean NOT NULL DEFAULT false,
    is_explicit      boolean NOT NULL DEFAULT false,
    language         text,
    last_checked_at  timestamptz DEFAULT now(),
    verified_by      integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    verified_at      timestamptz,
    rejection_reason text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (track_id, platform, external_id)
);
CREATE INDEX idx_audio_matches_track_platform_status ON rotation.audio_matches (track_id, platform, status);
CREATE INDEX idx_audio_matches_status_confidence ON rotation.audio_matches (status, confidence_score DESC);
CREATE INDEX idx_audio_matches_verified_by ON rotation.audio_matches (verified_by);

CREATE TABLE rotation.metadata_cache (
    id                serial PRIMARY KEY,
    entity_type       text NOT NULL CHECK (entity_type IN ('audio_match', 'record', 'track', 'store')),
    entity_id         integer NOT NULL,
    cache_key         text NOT NULL,
    data              jsonb NOT NULL,
    expires_at        timestamptz,
    last_refreshed_at timestamptz NOT NULL DEFAULT now(),
    refresh_count     integer NOT NULL DEFAULT 1 CHECK (refresh_count >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entity_type, entity_id, cache_key)
);
CREATE INDEX idx_metadata_cache_expires_at ON rotation.metadata_cache (expires_at);

-- Written by the match-history trigger (V21); append-only.
CREATE TABLE rotation.audio_match_history (
    id             serial PRIMARY KEY,
    audio_match_id integer NOT NULL REFERENCES rotation.audio_matches (id) ON DELETE CASCADE,
    action         text NOT NULL CHECK (action IN ('created', 'verified', 'rejected', 'updated')),
    old_status     rotation.match_status,
    new_status     rotation.match_status,
    old_confidence numeric(4, 3),
    new_confidence numeric(4, 3),
    notes          text,
    performed_by   integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    performed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audio_match_history_match_id ON rotation.audio_match_history (audio_match_id, performed_at);
CREATE INDEX idx_audio_match_history_performed_by ON rotation.audio_match_history (performed_by);

CREATE TABLE rotation.match_candidates (
    id                 serial PRIMARY KEY,
    track_id           integer NOT NULL REFERENCES rotation.tracks (id) ON DELETE CASCADE,
    session_id         text NOT NULL,
    platform           rotation.audio_platform NOT NULL,
    external_id        text NOT NULL,
    url                text NOT NULL,
    title              text,
    artist             text,
    duration_seconds   integer CHECK (duration_seconds >= 0),
    confidence_score   numeric(4, 3) NOT NULL CHECK (confidence_score BETWEEN 0 AND 1),
    quality_indicators jsonb NOT NULL DEFAULT '{}'::jsonb,
    metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL DEFAULT now() + interval '1 hour'
);
CREATE INDEX idx_match_candidates_track_id ON rotation.match_candidates (track_id);
CREATE INDEX idx_match_candidates_session_id ON rotation.match_candidates (session_id);
CREATE INDEX idx_match_candidates_expires_at ON rotation.match_candidates (expires_at);

CREATE TABLE rotation.audio_quality_metrics (
    id               serial PRIMARY KEY,
    audio_match_id   integer NOT NULL REFERENCES rotation.audio_matches (id) ON DELETE CASCADE,
    bitrate          integer CHECK (bitrate > 0),            -- kbit/s
    sample_rate      integer CHECK (sample_rate > 0),        -- Hz
    channels         integer CHECK (channels BETWEEN 1 AND 16),
    format           text,
    file_size_bytes  bigint CHECK (file_size_bytes >= 0),
    dynamic_range    numeric(5, 2),                          -- dB
    peak_volume      numeric(5, 2),                          -- dBFS
    loudness_lufs    numeric(6, 2),
    silence_ratio    numeric(4, 3) CHECK (silence_ratio BETWEEN 0 AND 1),
    distortion_score numeric(4, 3) CHECK (distortion_score BETWEEN 0 AND 1),
    noise_floor      numeric(5, 2),                          -- dBFS
    analysis_version text NOT NULL DEFAULT '1.0',
    analyzed_at      timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audio_quality_metrics_match_id ON rotation.audio_quality_metrics (audio_match_id);

-- ---------------------------------------------------------------------------------------------
-- Layer 4: user features. user_id / follower_id default to the caller's app user id, so clients
-- need not know their serial id; the insert policies check it either way.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE rotation.favorites (
    id               serial PRIMARY KEY,
    user_id          integer NOT NULL REFERENCES rotation.users (id) ON DELETE CASCADE,
    favoritable_type text NOT NULL CHECK (favoritable_type IN ('track', 'record', 'store', 'audio_match')),
    favoritable_id   integer NOT NULL,
    notes            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, favoritable_type, favoritable_id)
);
CREATE INDEX idx_favorites_user_type ON rotation.favorites (user_id, favoritable_type);
CREATE INDEX idx_favorites_favoritable ON rotation.favorites (favoritable_type, favoritable_id);

CREATE TABLE rotation.play_history (
    id                        serial PRIMARY KEY,
    -- Nullable, SET NULL: plays the server records for anonymous listeners, and a deleted
    -- account's plays stay in the aggregates without pointing at anyone.
    user_id                   integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    track_id                  integer NOT NULL REFERENCES rotation.tracks (id) ON DELETE CASCADE,
    audio_match_id            integer REFERENCES rotation.audio_matches (id) ON DELETE SET NULL,
    session_id                text,
    action                    rotation.play_action NOT NULL DEFAULT 'play',
    position_seconds          integer NOT NULL DEFAULT 0 CHECK (position_seconds >= 0),
    duration_listened_seconds integer NOT NULL DEFAULT 0 CHECK (duration_listened_seconds >= 0),
    completion_percentage     numeric(5, 2) NOT NULL DEFAULT 0 CHECK (completion_percentage BETWEEN 0 AND 100),
    source_context            text,                          -- feed, search, store_page, recommendation, ...
    device_type               text,                          -- desktop, mobile, tablet
    device_info               jsonb NOT NULL DEFAULT '{}'::jsonb,
    user_agent                text,
    ip_address                inet,
    country_code              text CHECK (country_code ~ '^[A-Z]{2}$'),
    city                      text,
    referrer_url              text,
    played_at                 timestamptz NOT NULL DEFAULT now(),
    created_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_play_history_user_played_at ON rotation.play_history (user_id, played_at DESC);
CREATE INDEX idx_play_history_track_played_at ON rotation.play_history (track_id, played_at);
CREATE INDEX idx_play_history_played_at ON rotation.play_history (played_at);
CREATE INDEX idx_play_history_audio_match_id ON rotation.play_history (audio_match_id);
CREATE INDEX idx_play_history_session_id ON rotation.play_history (session_id);

CREATE TABLE rotation.feedback (
    id               serial PRIMARY KEY,
    user_id          integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    feedback_type    rotation.feedback_type NOT NULL,
    status           rotation.feedback_status NOT NULL DEFAULT 'open',
    subject_type     text NOT NULL CHECK (subject_type IN ('track', 'audio_match', 'record', 'store')),
    subject_id       integer NOT NULL,
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description      text NOT NULL,
    suggested_fix    text,
    priority         integer NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5), -- 1 = highest
    tags             text[] NOT NULL DEFAULT '{}',
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    assigned_to      integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    assigned_at      timestamptz,
    resolved_at      timestamptz,
    resolution_notes text,
    is_duplicate_of  integer REFERENCES rotation.feedback (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_feedback_user_id ON rotation.feedback (user_id);
CREATE INDEX idx_feedback_status_priority ON rotation.feedback (status, priority);
CREATE INDEX idx_feedback_subject ON rotation.feedback (subject_type, subject_id);
CREATE INDEX idx_feedback_assigned_to ON rotation.feedback (assigned_to);
CREATE INDEX idx_feedback_is_duplicate_of ON rotation.feedback (is_duplicate_of);

CREATE TABLE rotation.user_collections (
    id                     serial PRIMARY KEY,
    user_id                integer NOT NULL REFERENCES rotation.users (id) ON DELETE CASCADE,
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description            text,
    is_public              boolean NOT NULL DEFAULT false,
    -- Other users may add tracks to a public collaborative collection (V22).
    is_collaborative       boolean NOT NULL DEFAULT false,
    cover_image_url        text,
    color_scheme           text CHECK (color_scheme ~ '^#[0-9A-Fa-f]{6}$'),
    tags                   text[] NOT NULL DEFAULT '{}',
    -- Maintained by the collection-stats trigger (V21); users cannot write them (V22).
    total_tracks           integer NOT NULL DEFAULT 0 CHECK (total_tracks >= 0),
    total_duration_seconds integer NOT NULL DEFAULT 0 CHECK (total_duration_seconds >= 0),
    play_count             integer NOT NULL DEFAULT 0 CHECK (play_count >= 0),
    like_count             integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    share_count            integer NOT NULL DEFAULT 0 CHECK (share_count >= 0),
    last_played_at         timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_user_collections_user_id ON rotation.user_collections (user_id);
CREATE INDEX idx_user_collections_public ON rotation.user_collections (updated_at DESC) WHERE is_public;
CREATE INDEX idx_user_collections_tags ON rotation.user_collections USING gin (tags);

CREATE TABLE rotation.user_collection_items (
    id            serial PRIMARY KEY,
    collection_id integer NOT NULL REFERENCES rotation.user_collections (id) ON DELETE CASCADE,
    track_id      integer NOT NULL REFERENCES rotation.tracks (id) ON DELETE CASCADE,
    position      integer NOT NULL DEFAULT 1 CHECK (position > 0),
    added_by      integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    notes         text,
    added_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection_id, track_id)
);
CREATE INDEX idx_user_collection_items_collection_position ON rotation.user_collection_items (collection_id, position);
CREATE INDEX idx_user_collection_items_track_id ON rotation.user_collection_items (track_id);
CREATE INDEX idx_user_collection_items_added_by ON rotation.user_collection_items (added_by);

CREATE TABLE rotation.user_follows (
    id                    serial PRIMARY KEY,
    follower_id           integer NOT NULL REFERENCES rotation.users (id) ON DELETE CASCADE,
    followable_type       text NOT NULL CHECK (followable_type IN ('user', 'store')),
    followable_id         integer NOT NULL,
    notifications_enabled boolean NOT NULL DEFAULT true,
    followed_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (follower_id, followable_type, followable_id),
    CONSTRAINT user_follows_not_self CHECK (NOT (followable_type = 'user' AND followable_id = follower_id))
);
CREATE INDEX idx_user_follows_followable ON rotation.user_follows (followable_type, followable_id);

CREATE TABLE rotation.user_preferences (
    id                         serial PRIMARY KEY,
    user_id                    integer NOT NULL UNIQUE REFERENCES rotation.users (id) ON DELETE CASCADE,
    preferred_audio_platforms  rotation.audio_platform[] NOT NULL DEFAULT '{youtube,soundcloud}',
    auto_play_enabled          boolean NOT NULL DEFAULT true,
    crossfade_enabled          boolean NOT NULL DEFAULT false,
    crossfade_duration_seconds integer NOT NULL DEFAULT 3 CHECK (crossfade_duration_seconds BETWEEN 0 AND 30),
    volume_level               numeric(4, 3) NOT NULL DEFAULT 0.75 CHECK (volume_level BETWEEN 0 AND 1),
    preferred_genres           text[] NOT NULL DEFAULT '{}',
    excluded_genres            text[] NOT NULL DEFAULT '{}',
    preferred_decades          integer[] NOT NULL DEFAULT '{}',
    feed_algorithm_preference  text NOT NULL DEFAULT 'balanced'
        CHECK (feed_algorithm_preference IN ('discovery', 'balanced', 'familiar')),
    show_explicit_content      boolean NOT NULL DEFAULT true,
    data_usage_preference      text NOT NULL DEFAULT 'auto' CHECK (data_usage_preference IN ('low', 'auto', 'high')),
    notification_preferences   jsonb NOT NULL DEFAULT '{}'::jsonb,
    privacy_settings           jsonb NOT NULL DEFAULT '{}'::jsonb,
    theme_preference           text NOT NULL DEFAULT 'dark' CHECK (theme_preference IN ('light', 'dark', 'auto')),
    language_preference        text NOT NULL DEFAULT 'en',
    timezone                   text NOT NULL DEFAULT 'UTC',
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- Layer 5: analytics and admin.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE rotation.jobs (
    id                      serial PRIMARY KEY,
    type                    rotation.job_type NOT NULL,
    status                  rotation.job_status NOT NULL DEFAULT 'pending',
    title                   text NOT NULL,
    description             text,
    priority                integer NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10), -- 1 = highest
    progress_percentage     numeric(5, 2) NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
    current_step            text,
    total_steps             integer,                         -- >= 0 follows from jobs_steps_within_total
    completed_steps         integer NOT NULL DEFAULT 0 CHECK (completed_steps >= 0),
    parameters              jsonb NOT NULL DEFAULT '{}'::jsonb,
    result                  jsonb NOT NULL DEFAULT '{}'::jsonb,
    error_message           text,
    error_details           jsonb,
    retry_count             integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries             integer NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    timeout_seconds         integer CHECK (timeout_seconds > 0),
    scheduled_at            timestamptz,
    started_at              timestamptz,
    heartbeat_at            timestamptz,
    completed_at            timestamptz,
    estimated_completion_at timestamptz,
    initiated_by            integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    assigned_to             text,                            -- worker that claimed the job
    parent_job_id           integer REFERENCES rotation.jobs (id) ON DELETE SET NULL,
    depends_on_job_id       integer REFERENCES rotation.jobs (id) ON DELETE SET NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_steps_within_total CHECK (total_steps IS NULL OR completed_steps <= total_steps)
);
CREATE INDEX idx_jobs_status_type_priority ON rotation.jobs (status, type, priority);
-- Claiming work: runnable jobs in priority order.
CREATE INDEX idx_jobs_runnable ON rotation.jobs (priority, scheduled_at)
    WHERE status IN ('pending', 'retrying');
CREATE INDEX idx_jobs_initiated_by ON rotation.jobs (initiated_by);
CREATE INDEX idx_jobs_parent_job_id ON rotation.jobs (parent_job_id);
CREATE INDEX idx_jobs_depends_on_job_id ON rotation.jobs (depends_on_job_id);

CREATE TABLE rotation.job_logs (
    id                serial PRIMARY KEY,
    job_id            integer NOT NULL REFERENCES rotation.jobs (id) ON DELETE CASCADE,
    level             rotation.log_level NOT NULL DEFAULT 'info',
    message           text NOT NULL,
    details           jsonb NOT NULL DEFAULT '{}'::jsonb,
    step_name         text,
    execution_time_ms integer CHECK (execution_time_ms >= 0),
    memory_usage_mb   integer CHECK (memory_usage_mb >= 0),
    logged_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_job_logs_job_id ON rotation.job_logs (job_id, logged_at);
CREATE INDEX idx_job_logs_logged_at ON rotation.job_logs (logged_at);

-- Written by the audit trigger (V21) and by the server; append-only.
CREATE TABLE rotation.audit_logs (
    id           serial PRIMARY KEY,
    user_id      integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    actor_role   text,                                       -- anon, authenticated, service_role, or the owner
    action       text NOT NULL,                              -- create, update, delete (trigger); approve, ... (server)
    entity_type  text NOT NULL,                              -- the table name for trigger rows
    entity_id    integer,
    old_values   jsonb,
    new_values   jsonb,
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
    performed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_logs_user_id ON rotation.audit_logs (user_id);
CREATE INDEX idx_audit_logs_entity ON rotation.audit_logs (entity_type, entity_id);
CREATE INDEX idx_audit_logs_performed_at ON rotation.audit_logs (performed_at);

CREATE TABLE rotation.usage_metrics (
    id                 serial PRIMARY KEY,
    user_id            integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    session_id         text,
    event_type         text NOT NULL,                        -- page_view, track_play, search, click, scroll
    event_name         text NOT NULL,
    entity_type        text,
    entity_id          integer,
    properties         jsonb NOT NULL DEFAULT '{}'::jsonb,
    user_agent         text,
    ip_address         inet,
    country_code       text CHECK (country_code ~ '^[A-Z]{2}$'),
    city               text,
    device_type        text,
    device_fingerprint text,
    browser            text,
    referrer_url       text,
    page_url           text,
    "timestamp"        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_usage_metrics_user_timestamp ON rotation.usage_metrics (user_id, "timestamp" DESC);
CREATE INDEX idx_usage_metrics_timestamp ON rotation.usage_metrics ("timestamp");
CREATE INDEX idx_usage_metrics_session_id ON rotation.usage_metrics (session_id);

CREATE TABLE rotation.daily_metrics (
    id              serial PRIMARY KEY,
    metric_date     date NOT NULL,
    metric_type     text NOT NULL,
    entity_type     text,                                    -- user, store, track, record, global
    entity_id       integer,                                 -- NULL for global metrics
    metric_name     text NOT NULL,
    metric_value    numeric(15, 2) NOT NULL,
    additional_data jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- NULLS NOT DISTINCT: global metrics have entity_id NULL and must still be unique, or
    -- re-running aggregate_daily_metrics() would add a second row instead of updating.
    CONSTRAINT daily_metrics_unique_metric
        UNIQUE NULLS NOT DISTINCT (metric_date, metric_type, entity_type, entity_id, metric_name)
);
CREATE INDEX idx_daily_metrics_date_type ON rotation.daily_metrics (metric_date, metric_type);
CREATE INDEX idx_daily_metrics_entity ON rotation.daily_metrics (entity_type, entity_id);

CREATE TABLE rotation.recommendation_data (
    id                  serial PRIMARY KEY,
    user_id             integer NOT NULL REFERENCES rotation.users (id) ON DELETE CASCADE,
    recommendation_type text NOT NULL,                       -- genre_preference, artist_affinity, listening_pattern
    data_key            text NOT NULL,
    data_value          numeric(10, 6) NOT NULL,
    confidence          numeric(5, 4) NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
    evidence_count      integer NOT NULL DEFAULT 1 CHECK (evidence_count >= 0),
    expires_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, recommendation_type, data_key)
);
CREATE INDEX idx_recommendation_data_expires_at ON rotation.recommendation_data (expires_at);

CREATE TABLE rotation.content_similarity (
    id                 serial PRIMARY KEY,
    source_type        text NOT NULL CHECK (source_type IN ('track', 'record', 'artist')),
    source_id          integer NOT NULL,
    target_type        text NOT NULL CHECK (target_type IN ('track', 'record', 'artist')),
    target_id          integer NOT NULL,
    similarity_score   numeric(5, 4) NOT NULL CHECK (similarity_score BETWEEN 0 AND 1),
    similarity_type    text NOT NULL,                        -- audio_features, collaborative, metadata
    calculation_method text,
    confidence         numeric(5, 4) NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
    calculated_at      timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz DEFAULT now() + interval '30 days',
    UNIQUE (source_type, source_id, target_type, target_id, similarity_type),
    CONSTRAINT content_similarity_not_self CHECK (NOT (source_type = target_type AND source_id = target_id))
);
CREATE INDEX idx_content_similarity_source_score
    ON rotation.content_similarity (source_type, source_id, similarity_score DESC);
CREATE INDEX idx_content_similarity_expires_at ON rotation.content_similarity (expires_at);

CREATE TABLE rotation.performance_metrics (
    id          serial PRIMARY KEY,
    metric_type text NOT NULL,                               -- api_response_time, cache_hit_rate, db_query_time
    endpoint    text,
    operation   text,
    duration_ms integer CHECK (duration_ms >= 0),
    status_code integer CHECK (status_code BETWEEN 100 AND 599),
    success     boolean NOT NULL DEFAULT true,
    error_type  text,
    metadata    jsonb NOT NULL DEFAULT '{}'::jsonb,
    measured_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_performance_metrics_type_measured_at ON rotation.performance_metrics (metric_type, measured_at);
CREATE INDEX idx_performance_metrics_measured_at ON rotation.performance_metrics (measured_at);

-- ---------------------------------------------------------------------------------------------
-- Layer 6: configuration.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE rotation.settings (
    id                serial PRIMARY KEY,
    key               text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9_]+(\.[a-z0-9_]+)*$'),
    value             text,
    value_type        rotation.setting_type NOT NULL DEFAULT 'string',
    category          text NOT NULL DEFAULT 'general',
    description       text,
    -- Public settings are readable by anyone, anon included (V22).
    is_public         boolean NOT NULL DEFAULT false,
    -- "Encryption support": an encrypted setting keeps no plaintext; the server writes
    -- value_encrypted (AES-256-GCM, AAD "rotation.settings.value_encrypted:<key>") and its key id.
    is_encrypted      boolean NOT NULL DEFAULT false,
    value_encrypted   bytea,
    encryption_key_id text,
    default_value     text,
    validation_rules  jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_modified_by  integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT settings_encryption_consistent CHECK (
        (is_encrypted AND value IS NULL AND default_value IS NULL
            AND value_encrypted IS NOT NULL AND encryption_key_id IS NOT NULL)
        OR (NOT is_encrypted AND value_encrypted IS NULL AND encryption_key_id IS NULL)),
    CONSTRAINT settings_public_not_encrypted CHECK (NOT (is_public AND is_encrypted)),
    CONSTRAINT settings_value_matches_type CHECK (
        value IS NULL
        OR (value_type = 'number' AND value ~ '^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$')
        OR (value_type = 'boolean' AND value IN ('true', 'false'))
        OR (value_type = 'array' AND value ~ '^\s*\[')
        OR (value_type = 'json' AND value ~ '^\s*[\[{"0-9tfn-]')
        OR value_type = 'string')
);
CREATE INDEX idx_settings_category ON rotation.settings (category);
CREATE INDEX idx_settings_public ON rotation.settings (key) WHERE is_public;

CREATE TABLE rotation.feature_flags (
    id                 serial PRIMARY KEY,
    key                text NOT NULL UNIQUE CHECK (key ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$'),
    name               text NOT NULL,
    description        text,
    flag_type          rotation.feature_flag_type NOT NULL DEFAULT 'boolean',
    is_enabled         boolean NOT NULL DEFAULT false,
    rollout_percentage integer NOT NULL DEFAULT 0 CHECK (rollout_percentage BETWEEN 0 AND 100),
    target_users       integer[] NOT NULL DEFAULT '{}',     -- rotation.users ids, for user_list flags
    conditions         jsonb NOT NULL DEFAULT '{}'::jsonb,  -- for condition flags; format in the notes
    metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
    environment        text NOT NULL DEFAULT 'production'
        CHECK (environment IN ('development', 'staging', 'production')),
    -- Whether evaluate_feature_flag() records each evaluation in feature_flag_evaluations.
    track_evaluations  boolean NOT NULL DEFAULT true,
    created_by         integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    last_modified_by   integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_feature_flags_target_users ON rotation.feature_flags USING gin (target_users);

-- Written by log_feature_flag_change() (V21); append-only. feature_flag_id is nullable and SET
-- NULL so the history of a deleted flag (including its "deleted" row) survives; flag_key keeps
-- saying which flag it was.
CREATE TABLE rotation.feature_flag_history (
    id                     serial PRIMARY KEY,
    feature_flag_id        integer REFERENCES rotation.feature_flags (id) ON DELETE SET NULL,
    flag_key               text NOT NULL,
    action                 text NOT NULL CHECK (action IN ('created', 'enabled', 'disabled', 'updated', 'deleted')),
    old_value              jsonb,
    new_value              jsonb,
    rollout_percentage_old integer,
    rollout_percentage_new integer,
    changed_by             integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    change_reason          text,
    changed_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_feature_flag_history_flag_id ON rotation.feature_flag_history (feature_flag_id, changed_at);
CREATE INDEX idx_feature_flag_history_flag_key ON rotation.feature_flag_history (flag_key, changed_at);
CREATE INDEX idx_feature_flag_history_changed_by ON rotation.feature_flag_history (changed_by);

-- Written by evaluate_feature_flag() (V21); append-only.
CREATE TABLE rotation.feature_flag_evaluations (
    id                 serial PRIMARY KEY,
    feature_flag_id    integer NOT NULL REFERENCES rotation.feature_flags (id) ON DELETE CASCADE,
    user_id            integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    session_id         text,
    evaluation_result  boolean NOT NULL,
    bucket             integer CHECK (bucket BETWEEN 1 AND 100), -- percentage flags: the user's bucket
    evaluation_context jsonb NOT NULL DEFAULT '{}'::jsonb,
    evaluated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_feature_flag_evaluations_flag_id ON rotation.feature_flag_evaluations (feature_flag_id, evaluated_at);
CREATE INDEX idx_feature_flag_evaluations_user_id ON rotation.feature_flag_evaluations (user_id);
CREATE INDEX idx_feature_flag_evaluations_evaluated_at ON rotation.feature_flag_evaluations (evaluated_at);

CREATE TABLE rotation.config_profiles (
    id             serial PRIMARY KEY,
    name           text NOT NULL UNIQUE,
    description    text,
    environment    text NOT NULL CHECK (environment IN ('development', 'staging', 'production')),
    is_active      boolean NOT NULL DEFAULT false,
    config_data    jsonb NOT NULL DEFAULT '{}'::jsonb,
    schema_version text NOT NULL DEFAULT '1.0',
    created_by     integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    activated_by   integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    activated_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- At most one active profile per environment.
CREATE UNIQUE INDEX config_profiles_one_active_per_environment
    ON rotation.config_profiles (environment) WHERE is_active;

CREATE TABLE rotation.rate_limits (
    id                      serial PRIMARY KEY,
    identifier              text NOT NULL,                   -- an IP, a user id, an API key id
    identifier_type         text NOT NULL CHECK (identifier_type IN ('ip', 'user', 'api_key')),
    endpoint_pattern        text NOT NULL,                   -- /api/tracks/*, /api/search
    requests_per_window     integer NOT NULL CHECK (requests_per_window > 0),
    window_duration_seconds integer NOT NULL CHECK (window_duration_seconds > 0),
    burst_allowance         integer NOT NULL DEFAULT 0 CHECK (burst_allowance >= 0),
    current_count           integer NOT NULL DEFAULT 0 CHECK (current_count >= 0),
    window_start            timestamptz NOT NULL DEFAULT now(),
    is_blocked              boolean NOT NULL DEFAULT false,
    blocked_until           timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (identifier, identifier_type, endpoint_pattern)
);
CREATE INDEX idx_rate_limits_blocked_until ON rotation.rate_limits (blocked_until) WHERE is_blocked;

CREATE TABLE rotation.cache_config (
    id                  serial PRIMARY KEY,
    cache_key_pattern   text NOT NULL UNIQUE,                -- match:*, user:profile:*
    ttl_seconds         integer NOT NULL DEFAULT 86400 CHECK (ttl_seconds > 0), -- the document's 24-hour TTL
    max_size_mb         integer CHECK (max_size_mb > 0),
    compression_enabled boolean NOT NULL DEFAULT false,
    cache_strategy      text NOT NULL DEFAULT 'lru' CHECK (cache_strategy IN ('lru', 'lfu', 'ttl')),
    invalidation_rules  jsonb NOT NULL DEFAULT '[]'::jsonb,
    monitoring_enabled  boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rotation.maintenance_windows (
    id                serial PRIMARY KEY,
    title             text NOT NULL,
    description       text,
    maintenance_type  text NOT NULL CHECK (maintenance_type IN ('database', 'api', 'full_system', 'feature')),
    affected_services text[] NOT NULL DEFAULT '{}',
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    is_emergency      boolean NOT NULL DEFAULT false,
    status            text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled')),
    impact_level      text NOT NULL DEFAULT 'medium' CHECK (impact_level IN ('low', 'medium', 'high', 'critical')),
    notification_sent boolean NOT NULL DEFAULT false,
    created_by        integer REFERENCES rotation.users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT maintenance_windows_valid_period CHECK (ends_at > starts_at)
);
CREATE INDEX idx_maintenance_windows_starts_at ON rotation.maintenance_windows (starts_at);

-- ---------------------------------------------------------------------------------------------
-- Layer 7: legacy. Deprecated in favour of audio_matches; kept with its original shape (keyed by
-- Discogs release id and track index, not by tracks.id) for backward compatibility.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE rotation.track_matches (
    id          serial PRIMARY KEY,
    release_id  bigint NOT NULL,                             -- Discogs release id
    track_index integer NOT NULL CHECK (track_index >= 0),
    platform    text NOT NULL,
    match_url   text NOT NULL,
    confidence  real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    approved    boolean NOT NULL DEFAULT false,
    verified_by text,
    verified_at timestamptz DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT unique_track_match UNIQUE (release_id, track_index)
);
CREATE INDEX idx_track_matches_platform ON rotation.track_matches (platform);

COMMENT ON TABLE rotation.track_matches IS 'Deprecated: use rotation.audio_matches';
