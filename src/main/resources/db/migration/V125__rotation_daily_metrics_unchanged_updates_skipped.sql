-- =============================================================================================
-- V125: re-running rotation.aggregate_daily_metrics() for a day changes nothing (issue 13: "running
-- it twice changes nothing"). Its ON CONFLICT DO UPDATE wrote every row again, and the updated_at
-- trigger then moved updated_at although no value had changed.
-- PostgreSQL's own suppress_redundant_updates_trigger() skips an UPDATE that would write the row
-- as it is. BEFORE triggers fire in name order, so this one ("daily_metrics_…") runs before
-- update_daily_metrics_updated_at and a skipped row keeps its updated_at; a changed value still
-- moves it. No function body is restated.
-- =============================================================================================

CREATE TRIGGER daily_metrics_skip_unchanged
    BEFORE UPDATE ON rotation.daily_metrics
    FOR EACH ROW EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger();
