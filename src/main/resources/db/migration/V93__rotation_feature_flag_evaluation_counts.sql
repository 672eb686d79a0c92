-- =============================================================================================
-- V93: evaluation counts in rotation.feature_flag_evaluations (docs/adr/0015-feature-flags.md).
--
-- The platform's engine counts evaluations in memory per flag and hour (yes, no, and per
-- variant) and appends one row per flag and hour at each flush (every few seconds, per server),
-- instead of one row per evaluation. The table stays append-only (V50), so a flush adds the
-- counts since the last one rather than updating a row: the hour's totals are the sums of its
-- rows (docs/apps/rotation.md). Unleash SDKs' own counts (POST /api/client/metrics) are rows of
-- the same shape with their app_name. A count row has no evaluation_result; a row of
-- evaluate_feature_flag (one evaluation) has no counts.
-- =============================================================================================

ALTER TABLE rotation.feature_flag_evaluations
    ALTER COLUMN evaluation_result DROP NOT NULL,
    ADD COLUMN period_start   timestamptz,
    ADD COLUMN yes_count      bigint,
    ADD COLUMN no_count       bigint,
    ADD COLUMN variant_counts jsonb,
    ADD COLUMN app_name       text,
    ADD CONSTRAINT feature_flag_evaluations_counts_consistent CHECK (
        CASE WHEN evaluation_result IS NOT NULL
             THEN period_start IS NULL AND yes_count IS NULL AND no_count IS NULL AND variant_counts IS NULL
             ELSE period_start IS NOT NULL AND yes_count >= 0 AND no_count >= 0
                  AND pg_catalog.jsonb_typeof(variant_counts) = 'object'
                  AND coalesce(pg_catalog.length(app_name), 0) <= 200
        END);

CREATE INDEX idx_feature_flag_evaluations_period
    ON rotation.feature_flag_evaluations (feature_flag_id, period_start) WHERE period_start IS NOT NULL;
