-- =============================================================================================
-- V49: every updated_at trigger of the five apps runs the kit's platform.set_updated_at()
-- (V48) instead of its app's copy of the same body. Each CALL replaces the trigger of the same
-- name (update_<table>_<column>), so behaviour and data stay as they were; a trigger cannot be
-- re-pointed in place, hence drop and create inside this one transaction.
-- One line per table, so that a grep finds every table that keeps an updated_at.
-- =============================================================================================

CALL platform.keep_updated_at('algorhythmic.users');
CALL platform.keep_updated_at('algorhythmic.subscription_tiers');
CALL platform.keep_updated_at('algorhythmic.user_credits', 'last_updated');

CALL platform.keep_updated_at('infinitestories.heroes');
CALL platform.keep_updated_at('infinitestories.stories');
CALL platform.keep_updated_at('infinitestories.story_illustrations');
CALL platform.keep_updated_at('infinitestories.custom_events');

CALL platform.keep_updated_at('rotation.users');
CALL platform.keep_updated_at('rotation.stores');
CALL platform.keep_updated_at('rotation.store_managers');
CALL platform.keep_updated_at('rotation.discogs_tokens');
CALL platform.keep_updated_at('rotation.records');
CALL platform.keep_updated_at('rotation.store_inventory');
CALL platform.keep_updated_at('rotation.tracks');
CALL platform.keep_updated_at('rotation.audio_matches');
CALL platform.keep_updated_at('rotation.metadata_cache');
CALL platform.keep_updated_at('rotation.favorites');
CALL platform.keep_updated_at('rotation.feedback');
CALL platform.keep_updated_at('rotation.user_collections');
CALL platform.keep_updated_at('rotation.user_preferences');
CALL platform.keep_updated_at('rotation.jobs');
CALL platform.keep_updated_at('rotation.daily_metrics');
CALL platform.keep_updated_at('rotation.recommendation_data');
CALL platform.keep_updated_at('rotation.settings');
CALL platform.keep_updated_at('rotation.feature_flags');
CALL platform.keep_updated_at('rotation.config_profiles');
CALL platform.keep_updated_at('rotation.rate_limits');
CALL platform.keep_updated_at('rotation.cache_config');
CALL platform.keep_updated_at('rotation.maintenance_windows');
CALL platform.keep_updated_at('rotation.track_matches');

CALL platform.keep_updated_at('delula.users');
CALL platform.keep_updated_at('delula.tags');
CALL platform.keep_updated_at('delula.recipes');
CALL platform.keep_updated_at('delula.providers');
CALL platform.keep_updated_at('delula.provider_credentials');
CALL platform.keep_updated_at('delula.services');
CALL platform.keep_updated_at('delula.generations');
CALL platform.keep_updated_at('delula.backlog_videos');
CALL platform.keep_updated_at('delula.recipe_samples');
CALL platform.keep_updated_at('delula.user_assets');
CALL platform.keep_updated_at('delula.system_assets');
CALL platform.keep_updated_at('delula.market_assets');
CALL platform.keep_updated_at('delula.component_registry');
CALL platform.keep_updated_at('delula.component_input_channels');
CALL platform.keep_updated_at('delula.component_output_channels');

-- The names two seed documents give the function (seeds/infinitestories.md, seeds/rotation.md)
-- stay, as thin declarations over the kit, for anything that attaches a trigger by that name.
CREATE OR REPLACE FUNCTION infinitestories.update_updated_at_column() RETURNS trigger
    LANGUAGE plpgsql SET search_path = '' AS 'BEGIN RETURN platform.touch(NEW); END';
COMMENT ON FUNCTION infinitestories.update_updated_at_column() IS 'seeds/infinitestories.md''s name for platform.set_updated_at()';

CREATE OR REPLACE FUNCTION rotation.update_updated_at_column() RETURNS trigger
    LANGUAGE plpgsql SET search_path = '' AS 'BEGIN RETURN platform.touch(NEW); END';
COMMENT ON FUNCTION rotation.update_updated_at_column() IS 'seeds/rotation.md''s name for platform.set_updated_at()';

-- Algorhythmic's and Delula's copies are named by no document and used by no trigger any more. A
-- database made since the fold never had them (V11, V41; docs/adr/0007-migrations.md, "Folding").
DROP FUNCTION IF EXISTS algorhythmic.update_updated_at_column();
DROP FUNCTION IF EXISTS algorhythmic.update_last_updated_column();
DROP FUNCTION IF EXISTS delula.update_updated_at_column();
