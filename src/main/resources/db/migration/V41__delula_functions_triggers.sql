-- Delula functions and triggers: identities, the admin test, short ids, the generation status
-- flow, the credit ledger, recipe usage, tag highlights and soft-deleted assets.
-- Functions pin search_path = '' and qualify every name, so a caller's search_path cannot
-- redirect what a SECURITY DEFINER function touches. Execute privileges are in V42.
--
-- "Request roles" below are anon, authenticated and service_role: the roles a request runs as.
-- Rules that protect data from requests (append-only ledger, credits only through the ledger,
-- soft delete) test current_user against them. The owner (migrations, SECURITY DEFINER
-- functions, and PostgreSQL's own foreign-key actions, which run as the table owner) passes.

-- ---------------------------------------------------------------------------------------------
-- updated_at on every table that has the column.
-- ---------------------------------------------------------------------------------------------

-- The platform's kit keeps it (V48): V49 puts its trigger on each table. The first body stood
-- here with its triggers until they were folded into V49 (docs/adr/0007-migrations.md, "Folding").

-- ---------------------------------------------------------------------------------------------
-- Identities. Anyone who signs up can use Delula at once: delula.create_app_user (V52) makes
-- their users row through the platform's one identity hook (V48, V53); an identity without an
-- e-mail is a Guest (2), otherwise Registered (3). This file's sign-up trigger, its function and
-- its backfill stood here until they were folded (docs/adr/0007-migrations.md, "Folding");
-- V53 provisions identities made before.
-- ---------------------------------------------------------------------------------------------

-- ---------------------------------------------------------------------------------------------
-- The app's admin: access role 3 (Admin) in shared/access-roles.ts. SECURITY DEFINER so that
-- policies on delula.users itself can call it without recursing into their own RLS.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
    SELECT EXISTS (
        SELECT 1 FROM delula.users u
        WHERE u.id = (auth.uid())::text AND u.access_role = 3
    )
$$;

-- ---------------------------------------------------------------------------------------------
-- Short ids: 11 characters of the URL-safe base64 alphabet (A-Z a-z 0-9 - _), 66 random bits,
-- as YouTube's. The bits come from gen_random_uuid() (a CSPRNG): the 11 bytes used are ones a
-- version-4 uuid leaves fully random (6 and 8 carry version and variant bits), 6 bits of each.
-- A candidate already taken is drawn again; SECURITY DEFINER so that the look-up sees every
-- generation, not just the caller's. generations_short_id_key stays the last word for two
-- transactions drawing the same unseen id at once (odds about 2^-66).
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.generate_short_id()
RETURNS varchar
LANGUAGE plpgsql
VOLATILE
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    alphabet   constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    bits       bytea;
    candidate  text;
    byte_index integer;
BEGIN
    LOOP
        bits := pg_catalog.uuid_send(pg_catalog.gen_random_uuid());
        candidate := '';
        FOREACH byte_index IN ARRAY ARRAY[0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12] LOOP
            candidate := candidate
                || pg_catalog.substr(alphabet, (pg_catalog.get_byte(bits, byte_index) & 63) + 1, 1);
        END LOOP;
        IF NOT EXISTS (SELECT 1 FROM delula.generations g WHERE g.short_id = candidate) THEN
            RETURN candidate;
        END IF;
    END LOOP;
END;
$$;

ALTER TABLE delula.generations ALTER COLUMN short_id SET DEFAULT delula.generate_short_id();

-- ---------------------------------------------------------------------------------------------
-- Generation status flow: pending -> processing -> completed | failed, and pending -> failed
-- (a job can fail before it starts). A generation may be inserted in any state (a backlog video
-- hands out a completed one at once); once stored it only moves forward. The timestamps of the
-- steps are filled in when the caller does not give them.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.enforce_generation_status_flow()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status
       AND NOT ((OLD.status = 'pending' AND NEW.status IN ('processing', 'failed'))
                OR (OLD.status = 'processing' AND NEW.status IN ('completed', 'failed'))) THEN
        RAISE EXCEPTION 'generation % cannot go from % to %', OLD.short_id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'generations_status_flow',
                  TABLE = 'generations', SCHEMA = 'delula';
    END IF;
    IF NEW.status IN ('processing', 'completed') AND NEW.processing_started_at IS NULL THEN
        NEW.processing_started_at := pg_catalog.now();
    END IF;
    IF NEW.status = 'completed' AND NEW.completed_at IS NULL THEN
        NEW.completed_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER enforce_generation_status_flow BEFORE INSERT OR UPDATE ON delula.generations
    FOR EACH ROW EXECUTE FUNCTION delula.enforce_generation_status_flow();

-- ---------------------------------------------------------------------------------------------
-- The credit ledger's trigger (apply_credit_transaction: idempotency, no balance below zero,
-- users.credits and balance_after) is defined in V55, where it took its present form over the
-- platform's ledger engine, with the description that stood here (folded there:
-- docs/adr/0007-migrations.md, "Folding").
-- ---------------------------------------------------------------------------------------------

-- Append-only for every request role, service_role included: none has UPDATE, DELETE or
-- TRUNCATE on the table (V42), and the platform's one ledger guard refuses them even with a
-- grant given by mistake (V48, put on the table by V50). This file's own guard and its triggers
-- stood here until they were folded (docs/adr/0007-migrations.md, "Folding").

-- users.credits moves only through the ledger. Users have no UPDATE grant on the column (V42);
-- this stops service_role and admins too, so the balance always equals the balance_after of
-- the user's latest ledger row.
CREATE FUNCTION delula.guard_user_credits()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF NEW.credits IS DISTINCT FROM OLD.credits
       AND current_user IN ('anon', 'authenticated', 'service_role') THEN
        RAISE EXCEPTION 'delula.users.credits changes only through delula.credit_transactions'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Insert a credit_transactions row; it moves the balance.';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER guard_user_credits BEFORE UPDATE ON delula.users
    FOR EACH ROW EXECUTE FUNCTION delula.guard_user_credits();

-- A generation's charge and refund (apply_generation_credits and its trigger on generations) are
-- defined in V78, where they took their present form (a held generation is charged by its
-- capture), with the description that stood here (folded there: docs/adr/0007-migrations.md,
-- "Folding").

-- The daily refresh: every user not refreshed since the start of the current UTC day is topped
-- up to p_daily_credits (a 'daily_refresh' ledger row, key 'daily_refresh:<date>', so a second
-- run the same day changes nothing) and gets last_credit_refresh = now(). Users above the
-- daily amount keep their balance. Returns how many users were topped up. The server calls it
-- as service_role (the only role with EXECUTE, V42); SKIP LOCKED lets two servers share a run.
CREATE FUNCTION delula.refresh_daily_credits(p_daily_credits integer DEFAULT 10)
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    today     date := (pg_catalog.now() AT TIME ZONE 'UTC')::date;
    day_start timestamptz := (pg_catalog.now() AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC';
    topped_up integer := 0;
    inserted  integer;
    u         record;
BEGIN
    IF p_daily_credits IS NULL OR p_daily_credits <= 0 THEN
        RAISE EXCEPTION 'p_daily_credits must be positive, got %', p_daily_credits
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR u IN
        SELECT us.id, us.credits FROM delula.users us
        WHERE us.last_credit_refresh < day_start
        FOR UPDATE SKIP LOCKED
    LOOP
        IF u.credits < p_daily_credits THEN
            INSERT INTO delula.credit_transactions (user_id, amount, type, description, idempotency_key)
            VALUES (u.id, p_daily_credits - u.credits, 'daily_refresh',
                    'Daily refresh to ' || p_daily_credits || ' credits', 'daily_refresh:' || today);
            GET DIAGNOSTICS inserted = ROW_COUNT; -- 0 when today's key was already used
            topped_up := topped_up + inserted;
        END IF;
        UPDATE delula.users SET last_credit_refresh = pg_catalog.now() WHERE id = u.id;
    END LOOP;
    RETURN topped_up;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Recipe usage (track_recipe_usage and its trigger on generations) is defined in V78, where it took
-- its present form (counted when a generation completes), with the description that stood here
-- (folded there: docs/adr/0007-migrations.md, "Folding").
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.sync_recipe_usage_counts()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    changed integer;
BEGIN
    UPDATE delula.recipes r
    SET usage_count = ru.usage_count
    FROM delula.recipe_usage ru
    WHERE ru.recipe_id = r.id AND r.usage_count <> ru.usage_count;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- recipes.tag_highlights references tags.id. An array cannot carry a foreign key, so a trigger
-- checks every element (SECURITY DEFINER: hidden tags count too, whoever writes the recipe),
-- and deleting a tag takes it out of every recipe's highlights.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.validate_recipe_tag_highlights()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
    missing integer;
BEGIN
    IF pg_catalog.array_position(NEW.tag_highlights, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'recipes.tag_highlights may not contain NULL'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'recipes_tag_highlights_fkey',
                  TABLE = 'recipes', SCHEMA = 'delula';
    END IF;
    SELECT pg_catalog.min(h.tag_id) INTO missing
    FROM pg_catalog.unnest(NEW.tag_highlights) AS h(tag_id)
    WHERE NOT EXISTS (SELECT 1 FROM delula.tags t WHERE t.id = h.tag_id);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'recipes.tag_highlights: tag % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'recipes_tag_highlights_fkey',
                  TABLE = 'recipes', SCHEMA = 'delula';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER validate_recipe_tag_highlights BEFORE INSERT OR UPDATE OF tag_highlights ON delula.recipes
    FOR EACH ROW EXECUTE FUNCTION delula.validate_recipe_tag_highlights();

CREATE FUNCTION delula.remove_deleted_tag_from_recipes()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    UPDATE delula.recipes
    SET tag_highlights = pg_catalog.array_remove(tag_highlights, OLD.id)
    WHERE tag_highlights OPERATOR(pg_catalog.@>) ARRAY[OLD.id];
    RETURN NULL; -- AFTER ROW trigger: the result is ignored
END;
$$;

CREATE TRIGGER remove_deleted_tag_from_recipes AFTER DELETE ON delula.tags
    FOR EACH ROW EXECUTE FUNCTION delula.remove_deleted_tag_from_recipes();

-- ---------------------------------------------------------------------------------------------
-- Soft delete of user assets. A user's (or the app admin's) DELETE marks the asset deleted
-- instead of removing it; the row then disappears from every user's view (V42's policies show
-- live assets only). service_role and the owner (foreign-key cascades when an account is
-- deleted, retention clean-up) delete for real.
-- soft_delete_user_asset() does the marking as the owner: the request role may not write
-- is_deleted/deleted_at, and could not make a row invisible to itself through RLS. It marks only
-- the caller's own asset or, for the app admin, any asset, so it is safe to expose as RPC too.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION delula.soft_delete_user_asset(p_id integer)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    UPDATE delula.user_assets a
    SET is_deleted = true, deleted_at = pg_catalog.now()
    WHERE a.id = p_id AND NOT a.is_deleted
      AND (a.user_id = (auth.uid())::text OR delula.is_admin());
    RETURN FOUND;
END;
$$;

CREATE FUNCTION delula.handle_user_asset_delete()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    IF current_user IN ('anon', 'authenticated') THEN
        PERFORM delula.soft_delete_user_asset(OLD.id);
        RETURN NULL; -- the row stays, marked deleted
    END IF;
    RETURN OLD;
END;
$$;

CREATE TRIGGER soft_delete_user_assets BEFORE DELETE ON delula.user_assets
    FOR EACH ROW EXECUTE FUNCTION delula.handle_user_asset_delete();
