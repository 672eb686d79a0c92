-- =============================================================================================
-- V78: Delula's generation flow (ADR 13). POST /api/v1/delula/generations holds the recipe's
-- credit_cost in the ledger (platform.ledger_holds) and stores the generation with the hold's id,
-- in one transaction; the job's completion captures the hold (the user's `generation` row) and
-- its give-up captures it and sets refunded_at, whose refund row gives it back. So:
--   * generations.hold_id: the ledger hold that pays for the generation. A generation stored with
--     a hold is not charged when stored (the capture charges it); one stored without (the service
--     role's own inserts, a backlog video) is charged at once as before (V41, key generation:<id>).
--   * A refund row is written when refunded_at is first set and only for a generation that was
--     charged (a `generation` row names it: charged when stored, or its hold captured). A held
--     generation that fails has its hold captured and refunded in the transaction that fails it,
--     so its history shows the document's refund row and the balance never moves.
--   * The capture's ledger row names its generation (credit_transactions.generation_id), found by
--     the hold's id.
--   * generations.idempotency_key / request_hash: the client's Idempotency-Key, unique per user,
--     and a digest of the request it came with (same key and body: the same generation; another
--     body: 409).
--   * generations.is_public / shared_at: the owner's opt-in to show the generation by short id.
--   * Recipe usage is counted when a generation completes (a failed one was not a use), in
--     recipe_usage and in recipes.usage_count, in the completing transaction.
-- =============================================================================================

ALTER TABLE delula.generations
    ADD COLUMN hold_id         uuid,
    ADD COLUMN idempotency_key varchar(255),
    ADD COLUMN request_hash    varchar(64),
    ADD COLUMN is_public       boolean NOT NULL DEFAULT false,
    ADD COLUMN shared_at       timestamptz,
    ADD CONSTRAINT generations_user_id_idempotency_key_key UNIQUE (user_id, idempotency_key);

-- The capture's ledger row finds its generation by the hold.
CREATE UNIQUE INDEX idx_generations_hold ON delula.generations (hold_id) WHERE hold_id IS NOT NULL;

-- A generation (V41) costs its credits_cost when it is stored and gives it back when refunded_at is
-- first set. Both go through the ledger with idempotency keys 'generation:<id>' and
-- 'refund:<id>', so clearing and setting refunded_at again refunds nothing twice, and a user
-- without enough credits cannot store the generation (the charge fails, and with it the insert).
-- Since this migration, a generation stored with a hold is charged by the hold's capture instead.
CREATE OR REPLACE FUNCTION delula.apply_generation_credits()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF NEW.credits_cost = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.hold_id IS NULL THEN
            INSERT INTO delula.credit_transactions (user_id, amount, type, description, generation_id, idempotency_key)
            VALUES (NEW.user_id, -NEW.credits_cost, 'generation', 'Generation ' || NEW.short_id, NEW.id,
                    'generation:' || NEW.id);
        END IF;
    ELSIF OLD.refunded_at IS NULL AND NEW.refunded_at IS NOT NULL
          AND EXISTS (SELECT 1 FROM delula.credit_transactions t
                      WHERE t.user_id = NEW.user_id AND t.generation_id = NEW.id AND t.type = 'generation') THEN
        INSERT INTO delula.credit_transactions (user_id, amount, type, description, generation_id, idempotency_key)
        VALUES (NEW.user_id, NEW.credits_cost, 'refund', 'Refund of generation ' || NEW.short_id, NEW.id,
                'refund:' || NEW.id);
    END IF;
    RETURN NULL; -- AFTER ROW trigger: the result is ignored
END;
$$;

-- V41 created the trigger with the function's first body; since the fold both are defined here.
CREATE OR REPLACE TRIGGER apply_generation_credits AFTER INSERT OR UPDATE OF refunded_at ON delula.generations
    FOR EACH ROW EXECUTE FUNCTION delula.apply_generation_credits();

UPDATE platform.ledger_bindings
SET append_sql =
    'INSERT INTO delula.credit_transactions (user_id, amount, type, description, idempotency_key, metadata, '
    || 'generation_id, balance_after) VALUES ($1, $2, $3, $4, $5, coalesce($6, ''{}''::jsonb), '
    || 'coalesce(($6 ->> ''generation_id'')::integer, (SELECT g.id FROM delula.generations g '
    || 'WHERE g.hold_id = ($6 ->> ''hold_id'')::uuid)), 0) RETURNING id::text, balance_after'
WHERE app = 'delula';

-- ---------------------------------------------------------------------------------------------
-- Recipe usage (V41): each generation made from a recipe counts one use in recipe_usage (the hot
-- counter); recipes.usage_count is the catalogue's copy, which sync_recipe_usage_counts() brings
-- up to date in bulk. Since this migration a use is counted when the generation completes, and
-- recipes.usage_count moves with it in the completing transaction.
-- ---------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION delula.track_recipe_usage()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
    IF NEW.recipe_id IS NOT NULL AND NEW.status = 'completed'
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'completed') THEN
        INSERT INTO delula.recipe_usage AS ru (recipe_id, usage_count, last_used_at)
        VALUES (NEW.recipe_id, 1, pg_catalog.now())
        ON CONFLICT (recipe_id) DO UPDATE
            SET usage_count = ru.usage_count + 1,
                last_used_at = EXCLUDED.last_used_at;
        UPDATE delula.recipes r SET usage_count = r.usage_count + 1 WHERE r.id = NEW.recipe_id;
    END IF;
    RETURN NULL; -- AFTER ROW trigger: the result is ignored
END;
$$;

CREATE OR REPLACE TRIGGER track_recipe_usage AFTER INSERT OR UPDATE OF status ON delula.generations
    FOR EACH ROW EXECUTE FUNCTION delula.track_recipe_usage();
