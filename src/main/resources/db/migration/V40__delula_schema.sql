-- Delula tables, constraints and indexes, as seeds/delula.md describes them.
-- The document is a Drizzle overview that lists key fields only; the full columns are designed
-- here and recorded, with their reasons, in docs/apps/delula.md ("Designed columns").
-- Column names are the document's camelCase fields in snake_case (Drizzle's mapping; the
-- document's own index name idx_tags_is_hidden spells isHidden as is_hidden).
-- Every object is schema-qualified: Flyway's search_path is not something a migration may rely on.
-- Access (grants, RLS, policies) is in V42; functions and triggers in V41.

CREATE SCHEMA delula;

-- ---------------------------------------------------------------------------------------------
-- users. The varchar id is the platform identity's uuid as text (canonical lower-case form,
-- which is what auth.uid()::text yields, so policies compare text with text).
-- auth_user_id is the same value as uuid, generated, so that a real foreign key ties the row to
-- its identity: deleting the identity deletes the Delula user and, through the cascades below,
-- everything the user owns.
-- Account types (shared/user-types.ts): 1 System, 2 Guest, 3 Registered.
-- Access roles (shared/access-roles.ts): 1 User, 2 Test, 3 Admin.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE delula.users (
    id                  varchar PRIMARY KEY,
    auth_user_id        uuid GENERATED ALWAYS AS (id::uuid) STORED NOT NULL,
    email               text,
    first_name          text,
    last_name           text,
    profile_image_url   text,
    account_type        integer NOT NULL DEFAULT 3,
    access_role         integer NOT NULL DEFAULT 1,
    credits             integer NOT NULL DEFAULT 10,
    last_credit_refresh timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    last_seen_at        timestamptz,
    CONSTRAINT users_auth_user_id_key UNIQUE (auth_user_id),
    CONSTRAINT users_auth_user_id_fkey FOREIGN KEY (auth_user_id)
        REFERENCES auth.users (id) ON DELETE CASCADE,
    CONSTRAINT users_id_canonical_uuid CHECK (id = (id::uuid)::text),
    CONSTRAINT users_account_type_check CHECK (account_type IN (1, 2, 3)),
    CONSTRAINT users_access_role_check CHECK (access_role IN (1, 2, 3)),
    CONSTRAINT users_credits_non_negative CHECK (credits >= 0)
);
-- The daily refresh looks for users not refreshed today.
CREATE INDEX idx_users_last_credit_refresh ON delula.users (last_credit_refresh);
-- is_admin() and the admin console look admins up by role; few rows match.
CREATE INDEX idx_users_access_role ON delula.users (access_role) WHERE access_role <> 1;

-- ---------------------------------------------------------------------------------------------
-- Catalogue: tags, recipes, recipe_usage, recipe_samples.
-- ---------------------------------------------------------------------------------------------

-- Public tags are shown on recipe cards; hidden tags are for internal categorisation and use the
-- category:* and workflow:* naming conventions, which the CHECK keeps hidden.
CREATE TABLE delula.tags (
    id          serial PRIMARY KEY,
    name        varchar NOT NULL,
    description text,
    color       varchar,
    is_active   boolean NOT NULL DEFAULT true,
    is_hidden   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tags_name_key UNIQUE (name),
    CONSTRAINT tags_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT tags_color_hex CHECK (color IS NULL OR color ~ '^#[0-9A-Fa-f]{6}$'),
    CONSTRAINT tags_system_prefix_hidden CHECK (name !~ '^(category|workflow):' OR is_hidden)
);
CREATE INDEX idx_tags_is_hidden ON delula.tags (is_hidden);

CREATE TABLE delula.recipes (
    id                serial PRIMARY KEY,
    name              varchar NOT NULL,
    slug              varchar NOT NULL,
    description       text,
    prompt            text,
    instructions      text,
    recipe_steps      jsonb NOT NULL DEFAULT '[]'::jsonb,
    workflow_type     varchar NOT NULL DEFAULT 'image',
    generation_type   varchar NOT NULL DEFAULT 'image',
    category          varchar,
    credit_cost       integer NOT NULL DEFAULT 1,
    usage_count       integer NOT NULL DEFAULT 0,
    tag_highlights    integer[] NOT NULL DEFAULT '{}',
    preview_image_url text,
    preview_video_url text,
    sort_order        integer NOT NULL DEFAULT 0,
    is_active         boolean NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT recipes_slug_key UNIQUE (slug),
    CONSTRAINT recipes_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT recipes_workflow_type_check CHECK (workflow_type IN ('image', 'video', 'hybrid')),
    CONSTRAINT recipes_generation_type_check CHECK (generation_type IN ('image', 'video')),
    CONSTRAINT recipes_credit_cost_check CHECK (credit_cost >= 0),
    CONSTRAINT recipes_usage_count_check CHECK (usage_count >= 0)
);
-- The public catalogue: active recipes by category, in display order.
CREATE INDEX idx_recipes_active_category ON delula.recipes (category, sort_order) WHERE is_active;
-- "which recipes carry tag X" (tag_highlights @> '{X}').
CREATE INDEX idx_recipes_tag_highlights ON delula.recipes USING gin (tag_highlights);

-- The hot counter, kept apart from recipes so that counting a use never rewrites (and locks) the
-- catalogue row.
CREATE TABLE delula.recipe_usage (
    recipe_id    integer PRIMARY KEY REFERENCES delula.recipes (id) ON DELETE CASCADE,
    usage_count  integer NOT NULL DEFAULT 0,
    last_used_at timestamptz,
    CONSTRAINT recipe_usage_usage_count_check CHECK (usage_count >= 0)
);

-- ---------------------------------------------------------------------------------------------
-- AI providers and their service endpoints (configuration). Provider API keys are never stored
-- in plaintext and never next to the configuration admins edit: see provider_credentials.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE delula.providers (
    id           serial PRIMARY KEY,
    name         varchar NOT NULL,
    display_name varchar NOT NULL,
    description  text,
    base_url     text,
    config       jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_active    boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT providers_name_key UNIQUE (name)
);

-- Not in the document as a table: the secret half of a provider's configuration. The server
-- encrypts with AES-256-GCM, additional authenticated data
-- "delula.provider_credentials.api_key_encrypted:<provider_id>"; only service_role reaches it.
CREATE TABLE delula.provider_credentials (
    provider_id       integer PRIMARY KEY REFERENCES delula.providers (id) ON DELETE CASCADE,
    api_key_encrypted bytea NOT NULL,
    encryption_key_id text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE delula.services (
    id              serial PRIMARY KEY,
    provider_id     integer NOT NULL REFERENCES delula.providers (id) ON DELETE CASCADE,
    name            varchar NOT NULL,
    display_name    varchar NOT NULL,
    description     text,
    service_type    varchar NOT NULL,
    endpoint        text NOT NULL,
    model           varchar,
    credit_cost     integer NOT NULL DEFAULT 0,
    cost_per_call   numeric(10, 4),
    timeout_seconds integer NOT NULL DEFAULT 300,
    config          jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT services_provider_id_name_key UNIQUE (provider_id, name),
    CONSTRAINT services_service_type_check CHECK (service_type IN ('image', 'video', 'audio', 'text')),
    CONSTRAINT services_credit_cost_check CHECK (credit_cost >= 0),
    CONSTRAINT services_cost_per_call_check CHECK (cost_per_call >= 0),
    CONSTRAINT services_timeout_seconds_check CHECK (timeout_seconds > 0)
);

-- ---------------------------------------------------------------------------------------------
-- generations. short_id is the YouTube-style public identifier: 11 characters of the URL-safe
-- base64 alphabet, made by the database (delula.generate_short_id(), V41) so no client has to.
-- The status flow pending -> processing -> completed | failed is a CHECK here and a trigger in V41.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE delula.generations (
    id                    serial PRIMARY KEY,
    short_id              varchar(11) NOT NULL,
    user_id               varchar NOT NULL REFERENCES delula.users (id) ON DELETE CASCADE,
    recipe_id             integer REFERENCES delula.recipes (id) ON DELETE SET NULL,
    service_id            integer REFERENCES delula.services (id) ON DELETE SET NULL,
    media_type            varchar NOT NULL DEFAULT 'image',
    status                varchar NOT NULL DEFAULT 'pending',
    prompt                text,
    parameters            jsonb NOT NULL DEFAULT '{}'::jsonb,
    image_url             text,
    video_url             text,
    thumbnail_url         text,
    s3_key                text,
    external_job_id       varchar,
    error_message         text,
    credits_cost          integer NOT NULL DEFAULT 0,
    metadata              jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    processing_started_at timestamptz,
    completed_at          timestamptz,
    refunded_at           timestamptz,
    CONSTRAINT generations_short_id_key UNIQUE (short_id),
    CONSTRAINT generations_short_id_format CHECK (short_id ~ '^[A-Za-z0-9_-]{11}$'),
    CONSTRAINT generations_media_type_check CHECK (media_type IN ('image', 'video')),
    CONSTRAINT generations_status_check CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT generations_credits_cost_check CHECK (credits_cost >= 0),
    -- Credits are given back only for generations that failed.
    CONSTRAINT generations_refund_requires_failure CHECK (refunded_at IS NULL OR status = 'failed')
);
-- A user's library, newest first (also the index behind the "own rows" policy).
CREATE INDEX idx_generations_user_created ON delula.generations (user_id, created_at DESC);
-- The job queue: only unfinished generations.
CREATE INDEX idx_generations_status_active ON delula.generations (status, created_at)
    WHERE status IN ('pending', 'processing');
CREATE INDEX idx_generations_recipe ON delula.generations (recipe_id);
CREATE INDEX idx_generations_service ON delula.generations (service_id);

-- Pre-generated videos handed out instantly: a row is claimed by a user's generation.
CREATE TABLE delula.backlog_videos (
    id            serial PRIMARY KEY,
    recipe_id     integer NOT NULL REFERENCES delula.recipes (id) ON DELETE CASCADE,
    prompt        text,
    parameters    jsonb NOT NULL DEFAULT '{}'::jsonb,
    video_url     text NOT NULL,
    thumbnail_url text,
    s3_key        text,
    duration      numeric(10, 3),
    claimed_by    varchar REFERENCES delula.users (id) ON DELETE SET NULL,
    generation_id integer REFERENCES delula.generations (id) ON DELETE SET NULL,
    claimed_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT backlog_videos_duration_check CHECK (duration >= 0),
    CONSTRAINT backlog_videos_claim_has_time CHECK (claimed_by IS NULL OR claimed_at IS NOT NULL)
);
-- "Next unclaimed video for recipe X", oldest first.
CREATE INDEX idx_backlog_videos_available ON delula.backlog_videos (recipe_id, created_at)
    WHERE claimed_at IS NULL;
CREATE INDEX idx_backlog_videos_claimed_by ON delula.backlog_videos (claimed_by);
CREATE INDEX idx_backlog_videos_generation ON delula.backlog_videos (generation_id);

CREATE TABLE delula.recipe_samples (
    id            serial PRIMARY KEY,
    recipe_id     integer NOT NULL REFERENCES delula.recipes (id) ON DELETE CASCADE,
    generation_id integer REFERENCES delula.generations (id) ON DELETE SET NULL,
    media_type    varchar NOT NULL DEFAULT 'image',
    url           text NOT NULL,
    thumbnail_url text,
    title         varchar,
    prompt        text,
    sort_order    integer NOT NULL DEFAULT 0,
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT recipe_samples_media_type_check CHECK (media_type IN ('image', 'video'))
);
CREATE INDEX idx_recipe_samples_recipe ON delula.recipe_samples (recipe_id, sort_order);
CREATE INDEX idx_recipe_samples_generation ON delula.recipe_samples (generation_id);

-- ---------------------------------------------------------------------------------------------
-- credit_transactions: the credit ledger. Append-only (V41 trigger, V42 grants). Every row moves
-- users.credits by amount in the same statement (V41), records the balance it left, and may
-- carry an idempotency key: a second row with the same (user_id, idempotency_key) is skipped.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE delula.credit_transactions (
    id              serial PRIMARY KEY,
    user_id         varchar NOT NULL REFERENCES delula.users (id) ON DELETE CASCADE,
    amount          integer NOT NULL,
    type            varchar NOT NULL,
    balance_after   integer NOT NULL,
    description     text,
    generation_id   integer REFERENCES delula.generations (id) ON DELETE SET NULL,
    idempotency_key varchar,
    metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT credit_transactions_user_id_idempotency_key_key UNIQUE (user_id, idempotency_key),
    CONSTRAINT credit_transactions_amount_non_zero CHECK (amount <> 0),
    CONSTRAINT credit_transactions_type_check CHECK (type IN ('signup_bonus', 'daily_refresh',
        'purchase', 'generation', 'refund', 'admin_adjustment')),
    CONSTRAINT credit_transactions_balance_after_check CHECK (balance_after >= 0)
);
CREATE INDEX idx_credit_transactions_user_created ON delula.credit_transactions (user_id, created_at DESC);
CREATE INDEX idx_credit_transactions_generation ON delula.credit_transactions (generation_id);

-- ---------------------------------------------------------------------------------------------
-- Asset library: user_assets (production), system_assets and market_assets (stubs, structure
-- as the document gives it).
-- ---------------------------------------------------------------------------------------------

CREATE TABLE delula.user_assets (
    id                  serial PRIMARY KEY,
    user_id             varchar NOT NULL REFERENCES delula.users (id) ON DELETE CASCADE,
    asset_id            varchar(64) NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', ''),
    original_filename   text,
    display_name        text NOT NULL,
    s3_key              text NOT NULL,
    cdn_url             text,
    mime_type           varchar NOT NULL,
    file_size           bigint,
    asset_type          varchar NOT NULL,
    source              varchar NOT NULL DEFAULT 'upload',
    generation_id       integer REFERENCES delula.generations (id) ON DELETE SET NULL,
    dimensions          jsonb,
    duration            numeric(10, 3),
    user_tags           text[] NOT NULL DEFAULT '{}',
    system_tags         text[] NOT NULL DEFAULT '{}',
    auto_classification jsonb,
    ai_classification   jsonb,
    usage_count         integer NOT NULL DEFAULT 0,
    last_used_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    is_deleted          boolean NOT NULL DEFAULT false,
    deleted_at          timestamptz,
    CONSTRAINT user_assets_asset_id_key UNIQUE (asset_id),
    CONSTRAINT user_assets_display_name_not_blank CHECK (btrim(display_name) <> ''),
    CONSTRAINT user_assets_file_size_check CHECK (file_size >= 0),
    CONSTRAINT user_assets_asset_type_check CHECK (asset_type IN ('image', 'video', 'audio')),
    CONSTRAINT user_assets_source_check CHECK (source IN ('upload', 'generation', 'import')),
    CONSTRAINT user_assets_duration_check CHECK (duration >= 0),
    CONSTRAINT user_assets_usage_count_check CHECK (usage_count >= 0),
    -- is_deleted and deleted_at say the same thing and never disagree.
    CONSTRAINT user_assets_soft_delete_consistent CHECK (is_deleted = (deleted_at IS NOT NULL))
);
-- A user's library, newest first, live assets only (the API never shows deleted ones).
CREATE INDEX idx_user_assets_user_created ON delula.user_assets (user_id, created_at DESC)
    WHERE NOT is_deleted;
-- Search by name, case- and padding-insensitive.
CREATE INDEX idx_user_assets_user_normalized_name ON delula.user_assets (user_id, lower(btrim(display_name)))
    WHERE NOT is_deleted;
-- Filter by type.
CREATE INDEX idx_user_assets_user_type ON delula.user_assets (user_id, asset_type)
    WHERE NOT is_deleted;
-- Retention clean-up of soft-deleted assets.
CREATE INDEX idx_user_assets_deleted_at ON delula.user_assets (deleted_at) WHERE is_deleted;
CREATE INDEX idx_user_assets_generation ON delula.user_assets (generation_id);

CREATE TABLE delula.system_assets (
    id         serial PRIMARY KEY,
    system_id  varchar NOT NULL,
    asset_id   varchar(64) NOT NULL,
    name       varchar NOT NULL,
    url        text NOT NULL,
    mime_type  varchar NOT NULL,
    file_size  bigint,
    dimensions jsonb,
    tags       text[] NOT NULL DEFAULT '{}',
    metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT system_assets_asset_id_key UNIQUE (asset_id),
    CONSTRAINT system_assets_file_size_check CHECK (file_size >= 0)
);
CREATE INDEX idx_system_assets_system_id ON delula.system_assets (system_id);

CREATE TABLE delula.market_assets (
    id         serial PRIMARY KEY,
    creator_id varchar NOT NULL DEFAULT (auth.uid())::text REFERENCES delula.users (id) ON DELETE CASCADE,
    asset_id   varchar(64) NOT NULL,
    name       varchar NOT NULL,
    url        text NOT NULL,
    mime_type  varchar NOT NULL,
    file_size  bigint,
    dimensions jsonb,
    tags       text[] NOT NULL DEFAULT '{}',
    metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_public  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT market_assets_asset_id_key UNIQUE (asset_id),
    CONSTRAINT market_assets_file_size_check CHECK (file_size >= 0)
);
CREATE INDEX idx_market_assets_creator ON delula.market_assets (creator_id);
CREATE INDEX idx_market_assets_public_created ON delula.market_assets (created_at DESC) WHERE is_public;

-- ---------------------------------------------------------------------------------------------
-- Component registry. component_id is the natural key the other component tables reference;
-- ON UPDATE CASCADE lets an admin rename a component without orphaning its channels.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE delula.component_registry (
    id                        serial PRIMARY KEY,
    component_id              varchar NOT NULL,
    name                      varchar NOT NULL,
    version                   varchar NOT NULL DEFAULT '1.0.0',
    description               text,
    category                  varchar NOT NULL,
    tags                      text[] NOT NULL DEFAULT '{}',
    credit_cost               integer NOT NULL DEFAULT 0,
    estimated_processing_time integer,
    is_active                 boolean NOT NULL DEFAULT true,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT component_registry_component_id_key UNIQUE (component_id),
    CONSTRAINT component_registry_component_id_format CHECK (component_id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT component_registry_credit_cost_check CHECK (credit_cost >= 0),
    CONSTRAINT component_registry_estimated_processing_time_check CHECK (estimated_processing_time >= 0)
);
-- componentId lookups use the index behind component_registry_component_id_key.
CREATE INDEX idx_component_registry_category ON delula.component_registry (category);
CREATE INDEX idx_component_registry_is_active ON delula.component_registry (is_active);

CREATE TABLE delula.component_input_channels (
    id               serial PRIMARY KEY,
    component_id     varchar NOT NULL REFERENCES delula.component_registry (component_id)
                         ON UPDATE CASCADE ON DELETE CASCADE,
    channel_id       varchar NOT NULL,
    channel_name     varchar NOT NULL,
    type             varchar NOT NULL,
    position         integer NOT NULL DEFAULT 0,
    description      text,
    validation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    default_value    jsonb,
    is_required      boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT component_input_channels_component_id_channel_id_key UNIQUE (component_id, channel_id),
    CONSTRAINT component_input_channels_position_check CHECK (position >= 0)
);
-- A component's inputs in position order (component_id lookups are served by it too).
CREATE INDEX idx_component_input_channels_position ON delula.component_input_channels (component_id, position);

CREATE TABLE delula.component_output_channels (
    id           serial PRIMARY KEY,
    component_id varchar NOT NULL REFERENCES delula.component_registry (component_id)
                     ON UPDATE CASCADE ON DELETE CASCADE,
    channel_id   varchar NOT NULL,
    channel_name varchar NOT NULL,
    type         varchar NOT NULL,
    description  text,
    metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT component_output_channels_component_id_channel_id_key UNIQUE (component_id, channel_id)
);
-- componentId lookups use the index behind the (component_id, channel_id) unique constraint.

CREATE TABLE delula.component_usage (
    id             serial PRIMARY KEY,
    component_id   varchar NOT NULL REFERENCES delula.component_registry (component_id)
                       ON UPDATE CASCADE ON DELETE CASCADE,
    user_id        varchar REFERENCES delula.users (id) ON DELETE CASCADE,
    execution_id   varchar,
    input_data     jsonb,
    output_data    jsonb,
    success        boolean NOT NULL,
    execution_time integer,
    error_message  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT component_usage_execution_time_check CHECK (execution_time >= 0)
);
-- Analytics: a component's runs over time and its success rate.
CREATE INDEX idx_component_usage_component_created ON delula.component_usage (component_id, created_at DESC);
CREATE INDEX idx_component_usage_component_success ON delula.component_usage (component_id, success);
CREATE INDEX idx_component_usage_user ON delula.component_usage (user_id, created_at DESC);
CREATE INDEX idx_component_usage_execution ON delula.component_usage (execution_id);

CREATE TABLE delula.component_dependencies (
    id                      serial PRIMARY KEY,
    component_id            varchar NOT NULL REFERENCES delula.component_registry (component_id)
                                ON UPDATE CASCADE ON DELETE CASCADE,
    depends_on_component_id varchar NOT NULL REFERENCES delula.component_registry (component_id)
                                ON UPDATE CASCADE ON DELETE CASCADE,
    dependency_type         varchar NOT NULL DEFAULT 'required',
    description             text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT component_dependencies_component_id_depends_on_component_id_key
        UNIQUE (component_id, depends_on_component_id),
    CONSTRAINT component_dependencies_not_self CHECK (component_id <> depends_on_component_id)
);
-- Forward traversal (what X needs) uses the unique index; reverse (what needs X) this one.
CREATE INDEX idx_component_dependencies_depends_on ON delula.component_dependencies (depends_on_component_id);
