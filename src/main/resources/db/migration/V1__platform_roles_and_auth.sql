-- Roles, the auth schema and the claim helpers every app's policies are written against.
-- Runs as the owner. Roles are cluster-wide, so each is created only when missing.

DO $$
DECLARE
    is_superuser boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
        CREATE ROLE anon NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN
        CREATE ROLE service_role NOLOGIN NOINHERIT;
    END IF;
    -- As in Supabase, the service role skips RLS. Only a superuser may grant that; every
    -- table also carries an explicit service-role policy, so behaviour is the same without it.
    IF is_superuser THEN
        ALTER ROLE service_role BYPASSRLS;
    END IF;
    -- Writes the auth schema on behalf of the auth endpoints; never reachable from the data API.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'atelier_auth') THEN
        CREATE ROLE atelier_auth NOLOGIN NOINHERIT;
    END IF;
    -- The pool's login role: owns nothing, no BYPASSRLS, and can only become the roles above.
    -- Its password is set by the server at start-up (derived from the JWT secret).
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'atelier_authenticator') THEN
        CREATE ROLE atelier_authenticator LOGIN NOINHERIT NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    END IF;
END
$$;

GRANT anon, authenticated, service_role, atelier_auth TO atelier_authenticator;

-- The owner may act as a request role (SET ROLE authenticated) to check policies by hand and in
-- tests, also when it is not a superuser. It owns every object already: this gives it nothing new.
DO $$
BEGIN
    GRANT anon, authenticated, service_role, atelier_auth TO CURRENT_USER;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'the owner cannot be granted the request roles; policy tests need a superuser';
END
$$;

-- public.uuid_generate_v4() as the seeds call it: from uuid-ossp where the server ships it,
-- otherwise the same contract on top of the built-in gen_random_uuid(). WITH SCHEMA matters:
-- Flyway runs with search_path = platform.
DO $$
BEGIN
    IF to_regprocedure('public.uuid_generate_v4()') IS NULL THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            NULL; -- not shipped, or installed in another schema: fall back below
        END;
    END IF;
    IF to_regprocedure('public.uuid_generate_v4()') IS NULL THEN
        CREATE FUNCTION public.uuid_generate_v4() RETURNS uuid
            LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT gen_random_uuid()';
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role, atelier_auth;

CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role, atelier_auth;

CREATE TABLE auth.users (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    aud                text NOT NULL DEFAULT 'authenticated',
    role               text NOT NULL DEFAULT 'authenticated',
    email              text,
    encrypted_password text,
    email_confirmed_at timestamptz,
    last_sign_in_at    timestamptz,
    raw_app_meta_data  jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw_user_meta_data jsonb NOT NULL DEFAULT '{}'::jsonb,
    banned_until       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_format CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$')
);
CREATE UNIQUE INDEX users_email_key ON auth.users (lower(email));

CREATE TABLE auth.sessions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_id_idx ON auth.sessions (user_id);

-- Refresh tokens are kept only as SHA-256 hashes: a database dump yields no usable token.
CREATE TABLE auth.refresh_tokens (
    id          bigserial PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE,
    user_id     uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    session_id  uuid NOT NULL REFERENCES auth.sessions (id) ON DELETE CASCADE,
    parent_hash text,
    revoked     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_session_id_idx ON auth.refresh_tokens (session_id);
CREATE INDEX refresh_tokens_user_id_idx ON auth.refresh_tokens (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON auth.users, auth.sessions, auth.refresh_tokens TO atelier_auth;
GRANT USAGE ON SEQUENCE auth.refresh_tokens_id_seq TO atelier_auth;

-- Claim helpers, Supabase's contract. A transaction-local setting reads back as '' (not NULL)
-- on a pooled connection once a transaction has set it, hence the nullif everywhere.
CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE AS $$
    SELECT nullif(coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                           auth.jwt() ->> 'sub'), '')::uuid
$$;

CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT nullif(coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                           auth.jwt() ->> 'role'), '')::text
$$;

CREATE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT nullif(auth.jwt() ->> 'email', '')::text
$$;

GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role(), auth.email()
    TO anon, authenticated, service_role, atelier_auth;

-- A user's row in auth.users may be referenced by app tables (REFERENCES auth.users(id));
-- the request roles need REFERENCES-free visibility of nothing else here.
