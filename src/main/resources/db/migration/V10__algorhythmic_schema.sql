-- Algorhythmic tables, constraints and indexes, as seeds/algorhythmic.md specifies them.
-- Every object is schema-qualified: Flyway's search_path is not something a migration may rely on.
-- Names, nullability and defaults are the document's. Deviations and completions are marked
-- "Not in the document" (or "Completes the document") and listed in docs/apps/algorhythmic.md:
--   * TIMESTAMP is timestamptz: now() into a zone-less column stores the wall clock of whichever
--     session wrote it, so "last 24 hours" and billing cycles would shift with the session zone.
--   * VARCHAR stays varchar; the JSON-in-TEXT columns stay text, as the document writes them.
--   * The value lists the document gives in comments (status, event_type, vote, orientation)
--     are CHECK constraints named <table>_<column>_check.
--   * A user id is the auth identity's uuid as canonical text (users.id = auth.users.id::text).
--   * Foreign keys to users that the document leaves without ON DELETE cascade: deleting an
--     account (one operation for all five apps) must not be blocked by its artwork or jobs.

CREATE SCHEMA algorhythmic;

-- ---------------------------------------------------------------------------------------------
-- Subscription tiers as data. Not in the document as a table: it gives the tiers as a table of
-- values ("Subscription Tiers"); users.subscription_tier references them.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE algorhythmic.subscription_tiers (
    tier            varchar PRIMARY KEY,
    display_name    varchar NOT NULL,
    monthly_credits integer NOT NULL CHECK (monthly_credits >= 0),
    price           numeric(10, 2) NOT NULL CHECK (price >= 0), -- per month, in currency
    currency        varchar NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    is_business     boolean NOT NULL DEFAULT false,
    stripe_price_id varchar UNIQUE,  -- the Stripe price a subscription to this tier bills
    sort_order      integer NOT NULL DEFAULT 0,
    is_active       boolean NOT NULL DEFAULT true, -- false: no new subscriptions, existing ones keep it
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO algorhythmic.subscription_tiers
    (tier, display_name, monthly_credits, price, is_business, sort_order) VALUES
    ('free',             'Free',              100,    0.00, false, 10),
    ('premium',          'Premium',          1000,   10.00, false, 20),
    ('ultimate',         'Ultimate',         3000,   30.00, false, 30),
    ('enthusiast',       'Enthusiast',      10000,   50.00, false, 40),
    ('business_basic',   'Business Basic',   5000,  100.00, true,  50),
    ('business_premium', 'Business Premium', 20000, 300.00, true,  60);

-- ---------------------------------------------------------------------------------------------
-- Core tables.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE algorhythmic.users (
    id                     varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    email                  varchar,
    first_name             varchar,
    last_name              varchar,
    profile_image_url      varchar,
    subscription_tier      text DEFAULT 'free'
                           REFERENCES algorhythmic.subscription_tiers (tier) ON UPDATE CASCADE,
    stripe_customer_id     text,
    stripe_subscription_id text,
    is_active              boolean DEFAULT true,
    preferred_orientation  varchar CHECK (preferred_orientation IN ('portrait', 'landscape', 'both')),
    controller_state       text, -- JSON: credit controller state
    created_at             timestamptz DEFAULT now(),
    updated_at             timestamptz DEFAULT now(),
    -- Not in the document: the app's admin role (see is_admin()); users cannot change it.
    role                   varchar NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    -- Not in the document: the identity this row belongs to. Generated from id, so the two can
    -- never disagree; the foreign key removes the row when the account is deleted.
    auth_user_id           uuid GENERATED ALWAYS AS (id::uuid) STORED NOT NULL
                           REFERENCES auth.users (id) ON DELETE CASCADE,
    -- The document's "users_email_idx (UNIQUE)" and the column's UNIQUE are one index.
    CONSTRAINT users_email_idx UNIQUE (email),
    -- Policies compare user ids with auth.uid()::text, which is lower-case with hyphens.
    CONSTRAINT users_id_canonical_uuid CHECK (id = (id::uuid)::text)
);
CREATE UNIQUE INDEX users_auth_user_id_idx ON algorhythmic.users (auth_user_id);
-- Not in the document: renaming a tier cascades here, and admins list users by tier.
CREATE INDEX users_subscription_tier_idx ON algorhythmic.users (subscription_tier);

-- Not in the document as a table: the diagram's "sessions" (art_preferences belongs_to sessions).
-- One visit of a user; the session_id that art_preferences, art_votes, art_sessions and
-- generation_jobs carry is a sessions.id.
CREATE TABLE algorhythmic.sessions (
    id             varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        varchar NOT NULL DEFAULT (auth.uid())::text
                   REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    created_at     timestamptz DEFAULT now(),
    last_active_at timestamptz DEFAULT now()
);
CREATE INDEX sessions_user_id_idx ON algorhythmic.sessions (user_id);

CREATE TABLE algorhythmic.art_sessions (
    id                     varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id             varchar NOT NULL,
    -- Completes the document: ON DELETE CASCADE (the document has a plain REFERENCES).
    user_id                varchar REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    image_url              text NOT NULL,
    prompt                 text NOT NULL,
    dna_vector             text, -- JSON: 50-point morphing vector
    audio_features         text, -- JSON: audio analysis
    music_track            text,
    music_artist           text,
    music_genre            text,
    music_album            text,
    generation_explanation text,
    is_saved               boolean DEFAULT false,

    -- ImagePool metadata
    motifs                 text[] DEFAULT '{}',
    quality_score          integer DEFAULT 50 CHECK (quality_score BETWEEN 0 AND 100),
    perceptual_hash        varchar,
    -- Completes the document: 'active' is its default; retired (no longer served) and flagged
    -- (held back by moderation) are the other states of a pool image.
    pool_status            varchar DEFAULT 'active' CHECK (pool_status IN ('active', 'retired', 'flagged')),
    last_used_at           timestamptz,

    -- Preference tags
    styles                 text[] DEFAULT '{}',
    artists                text[] DEFAULT '{}',

    -- Catalogue metadata
    is_library             boolean DEFAULT false,
    orientation            varchar CHECK (orientation IN ('portrait', 'landscape', 'square')),
    aspect_ratio           varchar,
    catalogue_tier         varchar,
    width                  integer CHECK (width > 0),
    height                 integer CHECK (height > 0),
    safe_area              text, -- JSON: {x,y,w,h}
    focal_points           text, -- JSON: [{x,y,confidence}]
    sidefill_palette       text, -- JSON: ['#color1','#color2']

    created_at             timestamptz DEFAULT now(),
    -- Not in the CREATE TABLE; named by the document's "Session State Cache" section
    -- ("art_sessions.metadata - Generation metadata"). JSON as text, like the other JSON columns.
    metadata               text
);
CREATE INDEX art_sessions_session_id_idx ON algorhythmic.art_sessions (session_id);
CREATE INDEX art_sessions_user_id_idx ON algorhythmic.art_sessions (user_id);
CREATE INDEX art_sessions_quality_score_idx ON algorhythmic.art_sessions (quality_score);
CREATE INDEX art_sessions_is_library_idx ON algorhythmic.art_sessions (is_library);
CREATE INDEX art_sessions_orientation_idx ON algorhythmic.art_sessions (orientation);
CREATE INDEX art_sessions_styles_idx ON algorhythmic.art_sessions USING gin (styles);
-- "Partial indexes for filtered queries", for the feed: generated (not library) artwork,
-- styles overlapping, last 24 hours, best first. The planner walks one of these in
-- (quality_score DESC, created_at DESC) order, checks created_at inside the index and stops
-- after LIMIT matches; library rows never cost a look. now() cannot be part of an index
-- predicate, so the 24-hour window is checked from the index's second column.
--   the pool across users (the benchmark's feed_query):
CREATE INDEX art_sessions_feed_idx ON algorhythmic.art_sessions (quality_score DESC, created_at DESC)
    WHERE is_library = false;
--   one user's own artwork (the document's "fresh artworks" query, the data API's
--   user_id=eq.X&styles=ov.{...}&order=quality_score.desc):
CREATE INDEX art_sessions_user_feed_idx ON algorhythmic.art_sessions (user_id, quality_score DESC, created_at DESC)
    WHERE is_library = false;

-- Preferences of one session; who owns them is the session's user (diagram: belongs_to sessions).
CREATE TABLE algorhythmic.art_preferences (
    id           varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Completes the document: the foreign key its diagram draws.
    session_id   varchar NOT NULL REFERENCES algorhythmic.sessions (id) ON DELETE CASCADE,
    styles       text[] DEFAULT '{}',
    artists      text[] DEFAULT '{}',
    dynamic_mode boolean DEFAULT false,
    created_at   timestamptz DEFAULT now()
);
CREATE INDEX art_preferences_session_id_idx ON algorhythmic.art_preferences (session_id);

CREATE TABLE algorhythmic.art_votes (
    id                    varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id            varchar NOT NULL,
    art_prompt            text NOT NULL,
    vote                  integer NOT NULL CHECK (vote IN (1, -1)),
    audio_characteristics text, -- JSON
    created_at            timestamptz DEFAULT now(),
    -- Not in the document's CREATE TABLE; its diagram has "users ||--o{ art_votes : votes".
    user_id               varchar NOT NULL DEFAULT (auth.uid())::text
                          REFERENCES algorhythmic.users (id) ON DELETE CASCADE
);
CREATE INDEX art_votes_session_id_idx ON algorhythmic.art_votes (session_id);
CREATE INDEX art_votes_user_id_idx ON algorhythmic.art_votes (user_id);

-- Not in the document as a table: the diagram's "art_sessions ||--o{ user_art_impressions :
-- viewed". One row per time a user was shown an artwork: what the feed must not repeat, and
-- what dna_genomes' impression_count, skip_count and avg_view_duration are computed from.
CREATE TABLE algorhythmic.user_art_impressions (
    id            varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       varchar NOT NULL DEFAULT (auth.uid())::text
                  REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    artwork_id    varchar NOT NULL REFERENCES algorhythmic.art_sessions (id) ON DELETE CASCADE,
    session_id    varchar,            -- the session it was shown in, as on art_votes
    view_duration integer CHECK (view_duration >= 0), -- ms, as dna_genomes.avg_view_duration
    skipped       boolean NOT NULL DEFAULT false,
    created_at    timestamptz DEFAULT now()
);
-- "Has this user seen this artwork?" and the policy column, in one index.
CREATE INDEX user_art_impressions_user_artwork_idx ON algorhythmic.user_art_impressions (user_id, artwork_id);
CREATE INDEX user_art_impressions_artwork_id_idx ON algorhythmic.user_art_impressions (artwork_id);

-- ---------------------------------------------------------------------------------------------
-- Credit system.
-- ---------------------------------------------------------------------------------------------

-- Append-only (V11: a trigger refuses UPDATE, DELETE and TRUNCATE to every request role; V12:
-- nobody but the owner holds those privileges).
CREATE TABLE algorhythmic.credit_ledger (
    id              varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         varchar NOT NULL REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    event_type      varchar NOT NULL CHECK (event_type IN ('grant', 'deduct', 'refund', 'rollover',
                                                           'decay', 'admin_adjustment')),
    amount          integer NOT NULL, -- positive for credits, negative for debits
    balance_after   integer NOT NULL CHECK (balance_after >= 0),
    description     text,
    metadata        text, -- JSON
    idempotency_key varchar,
    created_at      timestamptz DEFAULT now(),
    -- The document's "credit_ledger_idempotency_idx (UNIQUE)" and the column's UNIQUE are one index.
    CONSTRAINT credit_ledger_idempotency_idx UNIQUE (idempotency_key),
    -- Not in the document: the sign its comment gives, per event type. rollover and
    -- admin_adjustment may go either way; no entry moves zero credits.
    CONSTRAINT credit_ledger_amount_sign CHECK (
        amount <> 0
        AND (event_type NOT IN ('grant', 'refund') OR amount > 0)
        AND (event_type NOT IN ('deduct', 'decay') OR amount < 0))
);
CREATE INDEX credit_ledger_user_id_idx ON algorhythmic.credit_ledger (user_id);
CREATE INDEX credit_ledger_created_at_idx ON algorhythmic.credit_ledger (created_at);
CREATE INDEX credit_ledger_event_type_idx ON algorhythmic.credit_ledger (event_type);
CREATE INDEX credit_ledger_user_created_idx ON algorhythmic.credit_ledger (user_id, created_at);

CREATE TABLE algorhythmic.user_credits (
    user_id             varchar PRIMARY KEY REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    balance             integer DEFAULT 0 CHECK (balance >= 0),
    rollover_balance    integer DEFAULT 0 CHECK (rollover_balance >= 0),
    base_quota          integer DEFAULT 100 CHECK (base_quota >= 0),
    billing_cycle_start timestamptz NOT NULL,
    billing_cycle_end   timestamptz NOT NULL,
    timezone            varchar DEFAULT 'UTC',
    last_updated        timestamptz DEFAULT now(),
    CONSTRAINT user_credits_billing_cycle_order CHECK (billing_cycle_end > billing_cycle_start)
);
CREATE INDEX user_credits_billing_cycle_end_idx ON algorhythmic.user_credits (billing_cycle_end);

-- ---------------------------------------------------------------------------------------------
-- Telemetry.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE algorhythmic.rai_sessions (
    id                     varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Completes the document: ON DELETE CASCADE.
    user_id                varchar REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    client_session_id      varchar NOT NULL,
    platform               varchar,
    screen_size            varchar,
    started_at             timestamptz DEFAULT now(),
    ended_at               timestamptz,
    total_frames_displayed integer DEFAULT 0 CHECK (total_frames_displayed >= 0),
    total_interactions     integer DEFAULT 0 CHECK (total_interactions >= 0),
    CONSTRAINT rai_sessions_ended_after_started CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX rai_sessions_user_id_idx ON algorhythmic.rai_sessions (user_id);
CREATE INDEX rai_sessions_client_session_id_idx ON algorhythmic.rai_sessions (client_session_id);

CREATE TABLE algorhythmic.telemetry_events (
    id             varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id     varchar REFERENCES algorhythmic.rai_sessions (id) ON DELETE CASCADE,
    user_id        varchar REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    event_type     text NOT NULL,
    event_data     text NOT NULL, -- JSON payload
    audio_features text,          -- JSON snapshot
    visual_state   text,          -- JSON snapshot
    "timestamp"    timestamptz DEFAULT now()
);
CREATE INDEX telemetry_events_session_id_idx ON algorhythmic.telemetry_events (session_id);
CREATE INDEX telemetry_events_event_type_idx ON algorhythmic.telemetry_events (event_type);
CREATE INDEX telemetry_events_timestamp_idx ON algorhythmic.telemetry_events ("timestamp");
CREATE INDEX telemetry_events_user_id_idx ON algorhythmic.telemetry_events (user_id);

-- ---------------------------------------------------------------------------------------------
-- Generation pipeline.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE algorhythmic.generation_jobs (
    id              varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Completes the document: ON DELETE CASCADE.
    user_id         varchar REFERENCES algorhythmic.users (id) ON DELETE CASCADE,
    session_id      varchar,
    prompt          text NOT NULL,
    status          varchar DEFAULT 'pending' CHECK (status IN ('pending', 'generating', 'completed',
                                                                'failed', 'timeout')),
    started_at      timestamptz,
    completed_at    timestamptz,
    error_message   text,
    retry_count     integer DEFAULT 0 CHECK (retry_count >= 0),
    idempotency_key varchar,
    metadata        text, -- JSON
    created_at      timestamptz DEFAULT now(),
    CONSTRAINT generation_jobs_idempotency_idx UNIQUE (idempotency_key)
);
CREATE INDEX generation_jobs_user_id_idx ON algorhythmic.generation_jobs (user_id);
CREATE INDEX generation_jobs_session_id_idx ON algorhythmic.generation_jobs (session_id);
CREATE INDEX generation_jobs_status_idx ON algorhythmic.generation_jobs (status);
-- Not in the document ("Partial indexes for filtered queries"): the jobs still in flight, oldest
-- first, which is what a worker claims and what the timeout sweep looks at. Finished jobs (nearly
-- all rows, kept 7 days) are not in it.
CREATE INDEX generation_jobs_active_idx ON algorhythmic.generation_jobs (created_at)
    WHERE status IN ('pending', 'generating');

CREATE TABLE algorhythmic.dna_genomes (
    id                varchar PRIMARY KEY DEFAULT gen_random_uuid(),
    artwork_id        varchar REFERENCES algorhythmic.art_sessions (id) ON DELETE CASCADE,
    parent_genome_ids text[],
    generation        integer DEFAULT 0 CHECK (generation >= 0),
    dna_vector        text NOT NULL, -- JSON: 50 points
    visual_traits     text NOT NULL, -- JSON
    audio_reactivity  text,          -- JSON
    fitness_score     integer,
    impression_count  integer DEFAULT 0 CHECK (impression_count >= 0),
    like_count        integer DEFAULT 0 CHECK (like_count >= 0),
    skip_count        integer DEFAULT 0 CHECK (skip_count >= 0),
    avg_view_duration integer CHECK (avg_view_duration >= 0),
    created_at        timestamptz DEFAULT now(),
    last_evaluated    timestamptz
);
CREATE INDEX dna_genomes_artwork_id_idx ON algorhythmic.dna_genomes (artwork_id);
CREATE INDEX dna_genomes_generation_idx ON algorhythmic.dna_genomes (generation);
CREATE INDEX dna_genomes_fitness_score_idx ON algorhythmic.dna_genomes (fitness_score);
