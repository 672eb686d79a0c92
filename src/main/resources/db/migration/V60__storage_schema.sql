-- =============================================================================================
-- V60: the storage schema, Supabase Storage's way (docs/adr/0010-storage.md).
--   * storage.buckets: id, name, owner, public, file_size_limit, allowed_mime_types (wildcards
--     such as image/* allowed);
--   * storage.objects: one row per stored object. Its bytes live in the configured backend (the
--     data directory or S3) under the row's version, which changes with every write: bytes are
--     never rewritten in place, so a row always points at complete bytes;
--   * storage.foldername(), storage.filename(), storage.extension() for policies written as in
--     Supabase: (storage.foldername(name))[1] = (select auth.uid()::text).
-- Every /storage/v1 request runs as the caller's role with its claims, as /rest/v1 does: the
-- policies on storage.objects decide who reads, uploads, upserts, moves and deletes. Without a
-- policy only the service role may do anything (platform.secure_table); the apps' migrations
-- add their buckets' policies.
-- =============================================================================================

CREATE SCHEMA storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;

CREATE TABLE storage.buckets (
    id                 text PRIMARY KEY,
    name               text NOT NULL,
    owner              uuid,
    owner_id           text,
    public             boolean NOT NULL DEFAULT false,
    file_size_limit    bigint,
    allowed_mime_types text[],
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT buckets_name_key UNIQUE (name),
    -- Bucket ids are path segments and directory names: no slash, no dot-only names.
    CONSTRAINT buckets_id_check CHECK (id ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$'),
    CONSTRAINT buckets_file_size_limit_check CHECK (file_size_limit IS NULL OR file_size_limit > 0)
);

CREATE TABLE storage.objects (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    bucket_id        text NOT NULL REFERENCES storage.buckets (id),
    name             text NOT NULL,
    owner            uuid,
    owner_id         text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    last_accessed_at timestamptz NOT NULL DEFAULT now(),
    metadata         jsonb,
    user_metadata    jsonb,
    -- Names the bytes in the backend; a new one for every write of the object.
    version          text NOT NULL,
    path_tokens      text[] GENERATED ALWAYS AS (pg_catalog.string_to_array(name, '/')) STORED,
    CONSTRAINT objects_bucket_id_name_key UNIQUE (bucket_id, name),
    CONSTRAINT objects_version_key UNIQUE (version),
    CONSTRAINT objects_name_check CHECK (name <> '' AND pg_catalog.octet_length(name) <= 1024)
);
-- Listing a folder: the prefix match on name within a bucket.
CREATE INDEX objects_bucket_id_name_pattern_idx ON storage.objects (bucket_id, name text_pattern_ops);
CREATE INDEX objects_owner_idx ON storage.objects (owner);

CALL platform.keep_updated_at('storage.buckets');
CALL platform.keep_updated_at('storage.objects');
CALL platform.secure_table('storage.buckets');
CALL platform.secure_table('storage.objects');

-- RLS decides; the grants only say which statements a role may try.
GRANT SELECT, INSERT, UPDATE, DELETE ON storage.buckets TO anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON storage.objects TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policy helpers, as Supabase names them. IMMUTABLE and plain SQL so a policy that calls them
-- is inlined and can use an index on name.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION storage.foldername(name text)
RETURNS text[]
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
    SELECT (pg_catalog.string_to_array(name, '/'))[1:pg_catalog.array_length(pg_catalog.string_to_array(name, '/'), 1) - 1]
$$;

CREATE FUNCTION storage.filename(name text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
    SELECT (pg_catalog.string_to_array(name, '/'))[pg_catalog.array_length(pg_catalog.string_to_array(name, '/'), 1)]
$$;

CREATE FUNCTION storage.extension(name text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = ''
AS $$
    SELECT CASE WHEN pg_catalog.strpos(storage.filename(name), '.') = 0 THEN ''
                ELSE pg_catalog.reverse(pg_catalog.split_part(pg_catalog.reverse(storage.filename(name)), '.', 1))
           END
$$;

-- Policies evaluate them as the requesting role.
GRANT EXECUTE ON FUNCTION storage.foldername(text) TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION storage.filename(text) TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION storage.extension(text) TO anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- What the server must know about a bucket before it reads a request body (does it exist, is it
-- public, its size limit and MIME allow-list), whoever the caller is: Supabase answers "Bucket
-- not found" and enforces the limits for callers who cannot read storage.buckets. It reveals no
-- more than those answers do.
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION storage.bucket_rules(bucket text)
RETURNS TABLE (id text, public boolean, file_size_limit bigint, allowed_mime_types text[])
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT b.id, b.public, b.file_size_limit, b.allowed_mime_types FROM storage.buckets b WHERE b.id = bucket
$$;
GRANT EXECUTE ON FUNCTION storage.bucket_rules(text) TO anon, authenticated, service_role;
