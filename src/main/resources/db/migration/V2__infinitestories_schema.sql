-- InfiniteStories tables, constraints and indexes, as seeds/infinitestories.md specifies them.
-- Every object is schema-qualified: Flyway's search_path is not something a migration may rely on.
-- Nullable columns, defaults and unnamed inline CHECKs are kept exactly as the document writes
-- them (PostgreSQL names those CHECKs <table>_<column>_check). The document's inline
-- "INDEX name (cols)" clauses are MySQL syntax; each becomes a CREATE INDEX with that name.
-- Deviations from the document are marked "Not in the document" and listed in
-- docs/apps/infinitestories.md.

CREATE SCHEMA infinitestories;

-- ---------------------------------------------------------------------------------------------
-- Core tables. custom_events precedes stories, which references it.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE infinitestories.heroes (
    id                   uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id              uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    name                 text NOT NULL,
    primary_trait        text NOT NULL,
    secondary_trait      text NOT NULL,
    appearance           text,
    special_ability      text,
    avatar_prompt        text,
    avatar_url           text,
    avatar_generation_id text,  -- DALL-E generation ID, reused for visual consistency
    visual_profile       jsonb, -- hair_color, hair_style, eye_color, ... (see the document)
    created_at           timestamptz DEFAULT now(),
    updated_at           timestamptz DEFAULT now(),
    is_active            boolean DEFAULT true,
    CONSTRAINT hero_name_length CHECK (length(name) BETWEEN 1 AND 50),
    CONSTRAINT valid_traits CHECK (primary_trait != secondary_trait)
);
CREATE INDEX idx_heroes_user_id ON infinitestories.heroes (user_id);
-- Also listed under "Indexes Strategy" with the same definition; created once.
CREATE INDEX idx_heroes_user_active ON infinitestories.heroes (user_id, is_active);

CREATE TABLE infinitestories.custom_events (
    id            uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id       uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    title         text NOT NULL,
    description   text,
    prompt_seed   text NOT NULL,
    category      text CHECK (category IN ('adventure', 'fantasy', 'science',
                                           'nature', 'friendship', 'mystery')),
    age_range     text CHECK (age_range IN ('4-6', '6-8', '8-10', 'all')),
    tone          text CHECK (tone IN ('calming', 'exciting', 'educational', 'humorous')),
    keywords      text[],
    pictogram_url text,
    usage_count   integer DEFAULT 0 CHECK (usage_count >= 0),
    is_favorite   boolean DEFAULT false,
    is_public     boolean DEFAULT false, -- shared events are readable by everyone
    created_at    timestamptz DEFAULT now(),
    updated_at    timestamptz DEFAULT now()
);
CREATE INDEX idx_events_user ON infinitestories.custom_events (user_id);
-- The document defines idx_events_public twice: inline as (is_public, category) and under
-- "Indexes Strategy" as the same columns WHERE is_public = true. One name, one index: the
-- partial one, because the only query that filters on is_public (the "Users can view events"
-- policy, and browsing shared events) looks for is_public = true; private events are found
-- through idx_events_user, so indexing them here would only cost writes.
CREATE INDEX idx_events_public ON infinitestories.custom_events (is_public, category)
    WHERE is_public = true;
CREATE INDEX idx_events_favorite ON infinitestories.custom_events (user_id, is_favorite);

CREATE TABLE infinitestories.stories (
    id                  uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id             uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    hero_id             uuid REFERENCES infinitestories.heroes (id) ON DELETE SET NULL,
    custom_event_id     uuid REFERENCES infinitestories.custom_events (id) ON DELETE SET NULL,
    title               text NOT NULL,
    content             text NOT NULL,
    event_type          text NOT NULL CHECK (event_type IN ('built_in', 'custom')),
    event_data          jsonb NOT NULL,
    audio_url           text,
    audio_duration      interval,
    audio_voice         text,
    language            text DEFAULT 'en' CHECK (language IN ('en', 'es', 'fr', 'de', 'it')),
    estimated_duration  interval,
    word_count          integer CHECK (word_count > 0),
    generation_metadata jsonb, -- model, temperature, tokens_used, ... (see the document)
    created_at          timestamptz DEFAULT now(),
    updated_at          timestamptz DEFAULT now(),
    is_favorite         boolean DEFAULT false,
    play_count          integer DEFAULT 0 CHECK (play_count >= 0),
    last_played_at      timestamptz
);
CREATE INDEX idx_stories_user_created ON infinitestories.stories (user_id, created_at DESC);
-- Also listed under "Indexes Strategy" with the same definition; created once.
CREATE INDEX idx_stories_hero ON infinitestories.stories (hero_id);
CREATE INDEX idx_stories_favorite ON infinitestories.stories (user_id, is_favorite);
CREATE INDEX idx_stories_language ON infinitestories.stories (language);
-- Not in the document: deleting a custom event sets stories.custom_event_id to NULL, which
-- without this index scans every story.
CREATE INDEX idx_stories_custom_event ON infinitestories.stories (custom_event_id);

CREATE TABLE infinitestories.story_scenes (
    id                  uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    story_id            uuid REFERENCES infinitestories.stories (id) ON DELETE CASCADE,
    scene_number        integer NOT NULL CHECK (scene_number > 0),
    text_segment        text NOT NULL,
    illustration_prompt text NOT NULL,
    sanitized_prompt    text,
    timestamp_seconds   numeric NOT NULL CHECK (timestamp_seconds >= 0),
    emotion             text CHECK (emotion IN ('joyful', 'peaceful', 'exciting', 'mysterious',
                                                'heartwarming', 'adventurous', 'contemplative')),
    importance          text CHECK (importance IN ('key', 'major', 'minor')),
    created_at          timestamptz DEFAULT now(),
    UNIQUE (story_id, scene_number)
);
-- Also listed under "Indexes Strategy" with the same definition; created once.
CREATE INDEX idx_scenes_story ON infinitestories.story_scenes (story_id);
CREATE INDEX idx_scenes_importance ON infinitestories.story_scenes (story_id, importance);

CREATE TABLE infinitestories.story_illustrations (
    id                     uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    scene_id               uuid REFERENCES infinitestories.story_scenes (id) ON DELETE CASCADE,
    story_id               uuid REFERENCES infinitestories.stories (id) ON DELETE CASCADE,
    image_url              text,
    thumbnail_url          text,
    generation_id          text, -- DALL-E generation ID
    previous_generation_id text, -- chains generations for visual consistency
    revised_prompt         text, -- the prompt as OpenAI revised it
    status                 text DEFAULT 'pending' CHECK (status IN ('pending', 'processing',
                                                                    'completed', 'failed', 'retrying')),
    error_message          text,
    retry_count            integer DEFAULT 0 CHECK (retry_count >= 0 AND retry_count <= 5),
    generation_metadata    jsonb,
    created_at             timestamptz DEFAULT now(),
    updated_at             timestamptz DEFAULT now()
);
CREATE INDEX idx_illustrations_story ON infinitestories.story_illustrations (story_id);
CREATE INDEX idx_illustrations_status ON infinitestories.story_illustrations (status);
-- Also listed under "Indexes Strategy" with the same definition; created once.
CREATE INDEX idx_illustrations_scene ON infinitestories.story_illustrations (scene_id);

CREATE TABLE infinitestories.hero_gallery (
    id            uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    hero_id       uuid REFERENCES infinitestories.heroes (id) ON DELETE CASCADE,
    image_url     text NOT NULL,
    thumbnail_url text,
    generation_id text,
    prompt_used   text,
    is_primary    boolean DEFAULT false,
    created_at    timestamptz DEFAULT now()
);
CREATE INDEX idx_gallery_hero ON infinitestories.hero_gallery (hero_id);
CREATE INDEX idx_gallery_primary ON infinitestories.hero_gallery (hero_id, is_primary);

-- Not in the document as a table: it says increment_play_count() fires "on play events (could
-- be a separate play_events table)". One row per playback; the trigger in V3 keeps
-- stories.play_count and last_played_at in step with it.
CREATE TABLE infinitestories.play_events (
    id               uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    story_id         uuid NOT NULL REFERENCES infinitestories.stories (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
    played_at        timestamptz DEFAULT now(),
    duration_seconds integer CHECK (duration_seconds >= 0)
);
CREATE INDEX idx_play_events_story ON infinitestories.play_events (story_id);
CREATE INDEX idx_play_events_user ON infinitestories.play_events (user_id);

-- ---------------------------------------------------------------------------------------------
-- Supporting tables.
-- ---------------------------------------------------------------------------------------------

-- A plain table, although the document's "Partitioning Strategy" partitions api_usage by year:
-- a UNIQUE constraint on a partitioned table must include the partition key, so
-- request_id UNIQUE (the idempotency guarantee of usage tracking) could not exist on a table
-- partitioned by created_at. Uniqueness is worth more than partition pruning at this size.
CREATE TABLE infinitestories.api_usage (
    id               uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id          uuid REFERENCES auth.users (id) ON DELETE CASCADE,
    function_name    text NOT NULL,
    request_id       text UNIQUE,
    status           text CHECK (status IN ('success', 'error', 'rate_limited')),
    response_time_ms integer CHECK (response_time_ms >= 0),
    tokens_used      integer CHECK (tokens_used >= 0),
    cost_estimate    numeric(10, 6) CHECK (cost_estimate >= 0),
    error_message    text,
    error_code       text,
    metadata         jsonb,
    created_at       timestamptz DEFAULT now()
);
CREATE INDEX idx_usage_user_created ON infinitestories.api_usage (user_id, created_at DESC);
CREATE INDEX idx_usage_function_created ON infinitestories.api_usage (function_name, created_at DESC);
CREATE INDEX idx_usage_status ON infinitestories.api_usage (status, created_at DESC);
-- Duplicates the index behind UNIQUE (request_id); kept because the document names it.
CREATE INDEX idx_usage_request ON infinitestories.api_usage (request_id);

-- user_id has no foreign key, as in the document: rows are short-lived windows, and the
-- document gives none.
CREATE TABLE infinitestories.rate_limits (
    id            uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    user_id       uuid NOT NULL,
    function_name text NOT NULL,
    request_count integer DEFAULT 1 CHECK (request_count > 0),
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    UNIQUE (user_id, function_name, window_start),
    CONSTRAINT valid_window CHECK (window_end > window_start)
);
CREATE INDEX idx_limits_user_function ON infinitestories.rate_limits (user_id, function_name);
CREATE INDEX idx_limits_window ON infinitestories.rate_limits (window_end);

CREATE TABLE infinitestories.cache_entries (
    key              text PRIMARY KEY,
    value            jsonb NOT NULL,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz DEFAULT now(),
    access_count     integer DEFAULT 0 CHECK (access_count >= 0),
    last_accessed_at timestamptz DEFAULT now(),
    size_bytes       integer CHECK (size_bytes > 0)
);
CREATE INDEX idx_cache_expires ON infinitestories.cache_entries (expires_at);
CREATE INDEX idx_cache_accessed ON infinitestories.cache_entries (last_accessed_at);

CREATE TABLE infinitestories.content_flags (
    id               uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    content_type     text CHECK (content_type IN ('story', 'prompt', 'image')),
    content_id       uuid NOT NULL,
    flag_type        text CHECK (flag_type IN ('violence', 'fear', 'inappropriate',
                                               'isolation', 'medical', 'other')),
    severity         text CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    action_taken     text CHECK (action_taken IN ('filtered', 'rejected', 'modified', 'approved')),
    original_content text,
    modified_content text,
    ai_confidence    numeric(3, 2) CHECK (ai_confidence >= 0 AND ai_confidence <= 1),
    created_at       timestamptz DEFAULT now(),
    reviewed_at      timestamptz,
    -- No ON DELETE in the document: a reviewer cannot be deleted while their reviews exist.
    reviewed_by      uuid REFERENCES auth.users (id)
);
CREATE INDEX idx_flags_content ON infinitestories.content_flags (content_type, content_id);
CREATE INDEX idx_flags_severity ON infinitestories.content_flags (severity, created_at DESC);
CREATE INDEX idx_flags_unreviewed ON infinitestories.content_flags (reviewed_at NULLS FIRST);
-- Not in the document: deleting any auth.users row checks this foreign key.
CREATE INDEX idx_flags_reviewed_by ON infinitestories.content_flags (reviewed_by);

-- From the document's "Audit Logging" section. user_id has no foreign key on purpose: the
-- trail must outlive the account it describes.
CREATE TABLE infinitestories.audit_log (
    id           uuid PRIMARY KEY DEFAULT public.uuid_generate_v4(),
    table_name   text NOT NULL,
    operation    text NOT NULL,
    user_id      uuid,
    changed_data jsonb,
    created_at   timestamptz DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------
-- "Indexes Strategy" section: the names not already created above. Some repeat an inline
-- index under another name (idx_stories_user_recent = idx_stories_user_created,
-- idx_cache_expiry = idx_cache_expires); both names exist because the document names both.
-- ---------------------------------------------------------------------------------------------

CREATE INDEX idx_stories_user_recent ON infinitestories.stories (user_id, created_at DESC);
CREATE INDEX idx_stories_favorites ON infinitestories.stories (user_id, is_favorite)
    WHERE is_favorite = true;
CREATE INDEX idx_usage_recent ON infinitestories.api_usage (created_at DESC);
CREATE INDEX idx_cache_expiry ON infinitestories.cache_entries (expires_at);

CREATE INDEX idx_usage_user_function_time
    ON infinitestories.api_usage (user_id, function_name, created_at DESC);
CREATE INDEX idx_stories_user_hero_created
    ON infinitestories.stories (user_id, hero_id, created_at DESC);
CREATE INDEX idx_flags_type_severity_time
    ON infinitestories.content_flags (content_type, severity, created_at DESC);
