package dev.atelier.apps.rotation;

import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.LiveCatalog;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The live {@code rotation} schema against seeds/rotation.md and the design recorded in
 * docs/apps/rotation.md: every table with every column and its type family and nullability,
 * uniques, foreign keys, check constraints (named, and each one exercised with a bad row),
 * indexes (the document's names among them), enums with their values, functions, triggers,
 * row-level security and policies. The document lists only key fields for most tables; the
 * remaining columns are this app's design, and these pins fail when it drifts.
 */
class RotationSchemaConformanceTest {

    private static final TestServer server = TestServer.get();
    private static final LiveCatalog catalog = new LiveCatalog(server.ownerPool(), "rotation");

    /** Table → column → type family, with "!" appended for NOT NULL columns. */
    private static final Map<String, Map<String, String>> COLUMNS = new TreeMap<>();

    private static final Map<String, Set<String>> UNIQUES = new TreeMap<>();
    private static final Map<String, Set<String>> CHECKS = new TreeMap<>();
    private static final Map<String, Set<String>> FOREIGN_KEYS = new TreeMap<>();
    private static final Map<String, Set<String>> TRIGGERS = new TreeMap<>();
    private static final Map<String, Set<String>> POLICIES = new TreeMap<>();
    private static final Map<String, List<String>> ENUMS = new TreeMap<>();

    /** Index names the document itself lists ("Indexes Summary" and the per-table index lists). */
    private static final Set<String> DOCUMENT_INDEXES = Set.of(
            "idx_users_email",
            "idx_users_username",
            "idx_users_role",
            "idx_users_is_active",
            "idx_stores_slug",
            "idx_stores_discogs_username",
            "idx_stores_status",
            "idx_stores_owner_user_id",
            "idx_records_discogs_release_id",
            "idx_records_artist",
            "idx_records_artist_sort",
            "idx_records_release_year",
            "idx_records_genres",
            "idx_tracks_record_position",
            "idx_audio_matches_track_platform_status",
            "idx_audio_matches_status_confidence",
            "idx_play_history_user_played_at",
            "idx_favorites_user_type",
            "idx_usage_metrics_user_timestamp",
            "idx_daily_metrics_date_type");

    /** Every index of the schema, including those behind primary keys and uniques. */
    private static final Set<String> INDEXES = Set.of(
            "audio_match_history_pkey",
            "audio_matches_pkey",
            "audio_matches_track_id_platform_external_id_key",
            "audio_quality_metrics_pkey",
            "audit_logs_pkey",
            "cache_config_cache_key_pattern_key",
            "cache_config_pkey",
            "config_profiles_name_key",
            "config_profiles_one_active_per_environment",
            "config_profiles_pkey",
            "content_similarity_pkey",
            "content_similarity_source_type_source_id_target_type_target_key",
            "daily_metrics_pkey",
            "daily_metrics_unique_metric",
            "discogs_tokens_pkey",
            "discogs_tokens_username_key",
            "favorites_pkey",
            "favorites_user_id_favoritable_type_favoritable_id_key",
            "feature_flag_evaluations_pkey",
            "feature_flag_history_pkey",
            "feature_flags_key_key",
            "feature_flags_pkey",
            "feedback_pkey",
            "idx_audio_match_history_match_id",
            "idx_audio_match_history_performed_by",
            "idx_audio_matches_status_confidence",
            "idx_audio_matches_track_platform_status",
            "idx_audio_matches_verified_by",
            "idx_audio_quality_metrics_match_id",
            "idx_audit_logs_entity",
            "idx_audit_logs_performed_at",
            "idx_audit_logs_user_id",
            "idx_content_similarity_expires_at",
            "idx_content_similarity_source_score",
            "idx_daily_metrics_date_type",
            "idx_daily_metrics_entity",
            "idx_discogs_tokens_expires_at",
            "idx_discogs_tokens_user_id",
            "idx_favorites_favoritable",
            "idx_favorites_user_type",
            "idx_feature_flag_evaluations_evaluated_at",
            "idx_feature_flag_evaluations_flag_id",
            "idx_feature_flag_evaluations_period",
            "idx_feature_flag_evaluations_user_id",
            "idx_feature_flag_history_changed_by",
            "idx_feature_flag_history_flag_id",
            "idx_feature_flag_history_flag_key",
            "idx_feature_flags_target_users",
            "idx_feedback_assigned_to",
            "idx_feedback_is_duplicate_of",
            "idx_feedback_status_priority",
            "idx_feedback_subject",
            "idx_feedback_user_id",
            "idx_job_logs_job_id",
            "idx_job_logs_logged_at",
            "idx_jobs_depends_on_job_id",
            "idx_jobs_initiated_by",
            "idx_jobs_parent_job_id",
            "idx_jobs_runnable",
            "idx_jobs_status_type_priority",
            "idx_maintenance_windows_starts_at",
            "idx_match_candidates_expires_at",
            "idx_match_candidates_session_id",
            "idx_match_candidates_track_id",
            "idx_metadata_cache_expires_at",
            "idx_performance_metrics_measured_at",
            "idx_performance_metrics_type_measured_at",
            "idx_play_history_audio_match_id",
            "idx_play_history_played_at",
            "idx_play_history_session_id",
            "idx_play_history_track_played_at",
            "idx_play_history_user_played_at",
            "idx_rate_limits_blocked_until",
            "idx_recommendation_data_expires_at",
            "idx_records_artist",
            "idx_records_artist_sort",
            "idx_records_discogs_release_id",
            "idx_records_genres",
            "idx_records_master_id",
            "idx_records_release_year",
            "idx_records_styles",
            "idx_settings_category",
            "idx_settings_public",
            "idx_store_inventory_record_id",
            "idx_store_inventory_status_listed_at",
            "idx_store_inventory_store_status_price",
            "idx_store_managers_invited_by",
            "idx_store_managers_user_id",
            "idx_stores_discogs_username",
            "idx_stores_owner_user_id",
            "idx_stores_slug",
            "idx_stores_status",
            "idx_track_matches_platform",
            "idx_tracks_genre_tags",
            "idx_tracks_record_position",
            "idx_usage_metrics_session_id",
            "idx_usage_metrics_timestamp",
            "idx_usage_metrics_user_timestamp",
            "idx_user_collection_items_added_by",
            "idx_user_collection_items_collection_position",
            "idx_user_collection_items_track_id",
            "idx_user_collections_public",
            "idx_user_collections_tags",
            "idx_user_collections_user_id",
            "idx_user_follows_followable",
            "idx_users_email",
            "idx_users_is_active",
            "idx_users_role",
            "idx_users_username",
            "job_logs_pkey",
            "jobs_pkey",
            "maintenance_windows_pkey",
            "match_candidates_pkey",
            "metadata_cache_entity_type_entity_id_cache_key_key",
            "metadata_cache_pkey",
            "performance_metrics_pkey",
            "play_history_pkey",
            "rate_limits_identifier_identifier_type_endpoint_pattern_key",
            "rate_limits_pkey",
            "recommendation_data_pkey",
            "recommendation_data_user_id_recommendation_type_data_key_key",
            "records_discogs_release_id_key",
            "records_pkey",
            "settings_key_key",
            "settings_pkey",
            "store_inventory_discogs_listing_id_key",
            "store_inventory_pkey",
            "store_managers_pkey",
            "store_managers_store_id_user_id_key",
            "stores_discogs_username_key",
            "stores_pkey",
            "stores_slug_key",
            "track_matches_pkey",
            "tracks_pkey",
            "tracks_record_id_track_index_key",
            "unique_track_match",
            "usage_metrics_pkey",
            "user_collection_items_collection_id_track_id_key",
            "user_collection_items_pkey",
            "user_collections_pkey",
            "user_follows_follower_id_followable_type_followable_id_key",
            "user_follows_pkey",
            "user_preferences_pkey",
            "user_preferences_user_id_key",
            "users_auth_user_id_key",
            "users_email_key",
            "users_pkey",
            "users_username_key");

    private static final Set<String> FUNCTIONS = Set.of(
            "aggregate_daily_metrics",
            "cleanup_expired_candidates",
            "cleanup_old_analytics_data",
            "create_app_user",
            "current_user_id",
            "evaluate_feature_flag",
            "evaluate_flag_condition",
            "feature_flag_bucket",
            "is_admin",
            "log_audio_match_change",
            "log_audit_event",
            "log_feature_flag_change",
            "managed_store_ids",
            "murmur3_32",
            "murmur3_32_bytes",
            "protect_store_columns",
            "update_collection_stats",
            "update_updated_at_column",
            "upsert_discogs_release");

    static {
        table(
                COLUMNS,
                "audio_match_history",
                "id integer!",
                "audio_match_id integer!",
                "action text!",
                "old_status match_status",
                "new_status match_status",
                "old_confidence numeric",
                "new_confidence numeric",
                "notes text",
                "performed_by integer",
                "performed_at timestamptz!");
        table(
                COLUMNS,
                "audio_matches",
                "id integer!",
                "track_id integer!",
                "platform audio_platform!",
                "external_id text!",
                "url text!",
                "title text",
                "artist text",
                "duration_seconds integer",
                "thumbnail_url text",
                "embed_url text",
                "confidence_score numeric!",
                "status match_status!",
                "match_reason text",
                "quality_score numeric",
                "popularity_score bigint!",
                "is_official boolean!",
                "is_explicit boolean!",
                "language text",
                "last_checked_at timestamptz",
                "verified_by integer",
                "verified_at timestamptz",
                "rejection_reason text",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "audio_quality_metrics",
                "id integer!",
                "audio_match_id integer!",
                "bitrate integer",
                "sample_rate integer",
                "channels integer",
                "format text",
                "file_size_bytes bigint",
                "dynamic_range numeric",
                "peak_volume numeric",
                "loudness_lufs numeric",
                "silence_ratio numeric",
                "distortion_score numeric",
                "noise_floor numeric",
                "analysis_version text!",
                "analyzed_at timestamptz!",
                "created_at timestamptz!");
        table(
                COLUMNS,
                "audit_logs",
                "id integer!",
                "user_id integer",
                "actor_role text",
                "action text!",
                "entity_type text!",
                "entity_id integer",
                "old_values jsonb",
                "new_values jsonb",
                "metadata jsonb!",
                "performed_at timestamptz!");
        table(
                COLUMNS,
                "cache_config",
                "id integer!",
                "cache_key_pattern text!",
                "ttl_seconds integer!",
                "max_size_mb integer",
                "compression_enabled boolean!",
                "cache_strategy text!",
                "invalidation_rules jsonb!",
                "monitoring_enabled boolean!",
                "created_at timestamptz!",
                "updated_at timestamptz!",
                "enabled boolean!"); // V105 (ADR 18)
        table(
                COLUMNS,
                "config_profiles",
                "id integer!",
                "name text!",
                "description text",
                "environment text!",
                "is_active boolean!",
                "config_data jsonb!",
                "schema_version text!",
                "created_by integer",
                "activated_by integer",
                "activated_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "content_similarity",
                "id integer!",
                "source_type text!",
                "source_id integer!",
                "target_type text!",
                "target_id integer!",
                "similarity_score numeric!",
                "similarity_type text!",
                "calculation_method text",
                "confidence numeric!",
                "calculated_at timestamptz!",
                "expires_at timestamptz");
        table(
                COLUMNS,
                "daily_metrics",
                "id integer!",
                "metric_date date!",
                "metric_type text!",
                "entity_type text",
                "entity_id integer",
                "metric_name text!",
                "metric_value numeric!",
                "additional_data jsonb!",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "discogs_tokens",
                "id integer!",
                "user_id integer!",
                "username text!",
                "access_token_encrypted bytea!",
                "access_secret_encrypted bytea",
                "encryption_key_id text!",
                "token_type text!",
                "scope text",
                "expires_at timestamptz",
                "last_used_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "favorites",
                "id integer!",
                "user_id integer!",
                "favoritable_type text!",
                "favoritable_id integer!",
                "notes text",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "feature_flag_evaluations",
                "id integer!",
                "feature_flag_id integer!",
                "user_id integer",
                "session_id text",
                "evaluation_result boolean",
                "bucket integer",
                "evaluation_context jsonb!",
                "evaluated_at timestamptz!",
                "period_start timestamptz",
                "yes_count bigint",
                "no_count bigint",
                "variant_counts jsonb",
                "app_name text");
        table(
                COLUMNS,
                "feature_flag_history",
                "id integer!",
                "feature_flag_id integer",
                "flag_key text!",
                "action text!",
                "old_value jsonb",
                "new_value jsonb",
                "rollout_percentage_old integer",
                "rollout_percentage_new integer",
                "changed_by integer",
                "change_reason text",
                "changed_at timestamptz!");
        table(
                COLUMNS,
                "feature_flags",
                "id integer!",
                "key text!",
                "name text!",
                "description text",
                "flag_type feature_flag_type!",
                "is_enabled boolean!",
                "rollout_percentage integer!",
                "target_users integer[]!",
                "conditions jsonb!",
                "metadata jsonb!",
                "environment text!",
                "track_evaluations boolean!",
                "created_by integer",
                "last_modified_by integer",
                "created_at timestamptz!",
                "updated_at timestamptz!",
                "strategies jsonb!",
                "variants jsonb!",
                "dependencies jsonb!");
        table(
                COLUMNS,
                "feedback",
                "id integer!",
                "user_id integer",
                "feedback_type feedback_type!",
                "status feedback_status!",
                "subject_type text!",
                "subject_id integer!",
                "title text!",
                "description text!",
                "suggested_fix text",
                "priority integer!",
                "tags text[]!",
                "metadata jsonb!",
                "assigned_to integer",
                "assigned_at timestamptz",
                "resolved_at timestamptz",
                "resolution_notes text",
                "is_duplicate_of integer",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "job_logs",
                "id integer!",
                "job_id integer!",
                "level log_level!",
                "message text!",
                "details jsonb!",
                "step_name text",
                "execution_time_ms integer",
                "memory_usage_mb integer",
                "logged_at timestamptz!");
        table(
                COLUMNS,
                "jobs",
                "id integer!",
                "type job_type!",
                "status job_status!",
                "title text!",
                "description text",
                "priority integer!",
                "progress_percentage numeric!",
                "current_step text",
                "total_steps integer",
                "completed_steps integer!",
                "parameters jsonb!",
                "result jsonb!",
                "error_message text",
                "error_details jsonb",
                "retry_count integer!",
                "max_retries integer!",
                "timeout_seconds integer",
                "scheduled_at timestamptz",
                "started_at timestamptz",
                "heartbeat_at timestamptz",
                "completed_at timestamptz",
                "estimated_completion_at timestamptz",
                "initiated_by integer",
                "assigned_to text",
                "parent_job_id integer",
                "depends_on_job_id integer",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "maintenance_windows",
                "id integer!",
                "title text!",
                "description text",
                "maintenance_type text!",
                "affected_services text[]!",
                "starts_at timestamptz!",
                "ends_at timestamptz!",
                "is_emergency boolean!",
                "status text!",
                "impact_level text!",
                "notification_sent boolean!",
                "created_by integer",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "match_candidates",
                "id integer!",
                "track_id integer!",
                "session_id text!",
                "platform audio_platform!",
                "external_id text!",
                "url text!",
                "title text",
                "artist text",
                "duration_seconds integer",
                "confidence_score numeric!",
                "quality_indicators jsonb!",
                "metadata jsonb!",
                "created_at timestamptz!",
                "expires_at timestamptz!");
        table(
                COLUMNS,
                "metadata_cache",
                "id integer!",
                "entity_type text!",
                "entity_id integer!",
                "cache_key text!",
                "data jsonb!",
                "expires_at timestamptz",
                "last_refreshed_at timestamptz!",
                "refresh_count integer!",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "performance_metrics",
                "id integer!",
                "metric_type text!",
                "endpoint text",
                "operation text",
                "duration_ms integer",
                "status_code integer",
                "success boolean!",
                "error_type text",
                "metadata jsonb!",
                "measured_at timestamptz!");
        table(
                COLUMNS,
                "play_history",
                "id integer!",
                "user_id integer",
                "track_id integer!",
                "audio_match_id integer",
                "session_id text",
                "action play_action!",
                "position_seconds integer!",
                "duration_listened_seconds integer!",
                "completion_percentage numeric!",
                "source_context text",
                "device_type text",
                "device_info jsonb!",
                "user_agent text",
                "ip_address inet",
                "country_code text",
                "city text",
                "referrer_url text",
                "played_at timestamptz!",
                "created_at timestamptz!");
        table(
                COLUMNS,
                "rate_limits",
                "id integer!",
                "identifier text!",
                "identifier_type text!",
                "endpoint_pattern text!",
                "requests_per_window integer!",
                "window_duration_seconds integer!",
                "burst_allowance integer!",
                "current_count integer!",
                "window_start timestamptz!",
                "is_blocked boolean!",
                "blocked_until timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "recommendation_data",
                "id integer!",
                "user_id integer!",
                "recommendation_type text!",
                "data_key text!",
                "data_value numeric!",
                "confidence numeric!",
                "evidence_count integer!",
                "expires_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "records",
                "id integer!",
                "discogs_release_id bigint!",
                "title text!",
                "artist text!",
                "artist_sort text",
                "artists jsonb!",
                "extra_artists jsonb!",
                "label text",
                "catalog_number text",
                "labels jsonb!",
                "companies jsonb!",
                "release_year integer",
                "released text",
                "release_date date",
                "country text",
                "genres text[]!",
                "styles text[]!",
                "format text",
                "formats jsonb!",
                "identifiers jsonb!",
                "barcode text",
                "images jsonb!",
                "videos jsonb!",
                "thumbnail_url text",
                "notes text",
                "data_quality text",
                "master_id bigint",
                "master_url text",
                "discogs_url text",
                "total_tracks integer!",
                "total_duration_seconds integer!",
                "metadata_last_updated timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "settings",
                "id integer!",
                "key text!",
                "value text",
                "value_type setting_type!",
                "category text!",
                "description text",
                "is_public boolean!",
                "is_encrypted boolean!",
                "value_encrypted bytea",
                "encryption_key_id text",
                "default_value text",
                "validation_rules jsonb!",
                "last_modified_by integer",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "store_inventory",
                "id integer!",
                "store_id integer!",
                "record_id integer!",
                "discogs_listing_id bigint",
                "status record_status!",
                "price numeric",
                "currency text!",
                "condition record_condition",
                "sleeve_condition sleeve_condition",
                "description text",
                "quantity integer!",
                "weight_grams integer",
                "ships_from text",
                "shipping_cost numeric",
                "allow_offers boolean!",
                "featured boolean!",
                "view_count integer!",
                "wishlist_count integer!",
                "listed_at timestamptz!",
                "sold_at timestamptz",
                "reserved_until timestamptz",
                "last_synced_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "store_managers",
                "id integer!",
                "store_id integer!",
                "user_id integer!",
                "role text!",
                "permissions jsonb!",
                "invited_by integer",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "stores",
                "id integer!",
                "name text!",
                "slug text!",
                "discogs_username text!",
                "discogs_store_id text",
                "owner_user_id integer",
                "status store_status!",
                "description text",
                "website_url text",
                "location text",
                "country_code text",
                "logo_url text",
                "banner_url text",
                "contact_email text",
                "phone text",
                "business_hours jsonb",
                "shipping_info jsonb",
                "policies text",
                "average_rating numeric!",
                "total_reviews integer!",
                "total_releases integer!",
                "verified_at timestamptz",
                "last_sync_at timestamptz",
                "sync_frequency_hours integer!",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "track_matches",
                "id integer!",
                "release_id bigint!",
                "track_index integer!",
                "platform text!",
                "match_url text!",
                "confidence real!",
                "approved boolean!",
                "verified_by text",
                "verified_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "tracks",
                "id integer!",
                "record_id integer!",
                "position text!",
                "title text!",
                "duration_seconds integer",
                "duration_display text",
                "artists jsonb!",
                "credits jsonb!",
                "track_index integer!",
                "side_index integer",
                "track_on_side integer",
                "bpm integer",
                "key_signature text",
                "genre_tags text[]!",
                "mood_tags text[]!",
                "instrument_tags text[]!",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "usage_metrics",
                "id integer!",
                "user_id integer",
                "session_id text",
                "event_type text!",
                "event_name text!",
                "entity_type text",
                "entity_id integer",
                "properties jsonb!",
                "user_agent text",
                "ip_address inet",
                "country_code text",
                "city text",
                "device_type text",
                "device_fingerprint text",
                "browser text",
                "referrer_url text",
                "page_url text",
                "timestamp timestamptz!");
        table(
                COLUMNS,
                "user_collection_items",
                "id integer!",
                "collection_id integer!",
                "track_id integer!",
                "position integer!",
                "added_by integer",
                "notes text",
                "added_at timestamptz!");
        table(
                COLUMNS,
                "user_collections",
                "id integer!",
                "user_id integer!",
                "name text!",
                "description text",
                "is_public boolean!",
                "is_collaborative boolean!",
                "cover_image_url text",
                "color_scheme text",
                "tags text[]!",
                "total_tracks integer!",
                "total_duration_seconds integer!",
                "play_count integer!",
                "like_count integer!",
                "share_count integer!",
                "last_played_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "user_follows",
                "id integer!",
                "follower_id integer!",
                "followable_type text!",
                "followable_id integer!",
                "notifications_enabled boolean!",
                "followed_at timestamptz!");
        table(
                COLUMNS,
                "user_preferences",
                "id integer!",
                "user_id integer!",
                "preferred_audio_platforms audio_platform[]!",
                "auto_play_enabled boolean!",
                "crossfade_enabled boolean!",
                "crossfade_duration_seconds integer!",
                "volume_level numeric!",
                "preferred_genres text[]!",
                "excluded_genres text[]!",
                "preferred_decades integer[]!",
                "feed_algorithm_preference text!",
                "show_explicit_content boolean!",
                "data_usage_preference text!",
                "notification_preferences jsonb!",
                "privacy_settings jsonb!",
                "theme_preference text!",
                "language_preference text!",
                "timezone text!",
                "created_at timestamptz!",
                "updated_at timestamptz!");
        table(
                COLUMNS,
                "users",
                "id integer!",
                "auth_user_id uuid!",
                "email text",
                "name text!",
                "username text",
                "role user_role!",
                "profile_image_url text",
                "bio text",
                "location text",
                "website_url text",
                "is_verified boolean!",
                "is_active boolean!",
                "last_login_at timestamptz",
                "email_verified_at timestamptz",
                "created_at timestamptz!",
                "updated_at timestamptz!");

        UNIQUES.put("audio_match_history", Set.of("id"));
        UNIQUES.put("audio_matches", Set.of("external_id,platform,track_id", "id"));
        UNIQUES.put("audio_quality_metrics", Set.of("id"));
        UNIQUES.put("audit_logs", Set.of("id"));
        UNIQUES.put("cache_config", Set.of("cache_key_pattern", "id"));
        UNIQUES.put("config_profiles", Set.of("environment", "id", "name"));
        UNIQUES.put("content_similarity", Set.of("id", "similarity_type,source_id,source_type,target_id,target_type"));
        UNIQUES.put("daily_metrics", Set.of("entity_id,entity_type,metric_date,metric_name,metric_type", "id"));
        UNIQUES.put("discogs_tokens", Set.of("id", "username"));
        UNIQUES.put("favorites", Set.of("favoritable_id,favoritable_type,user_id", "id"));
        UNIQUES.put("feature_flag_evaluations", Set.of("id"));
        UNIQUES.put("feature_flag_history", Set.of("id"));
        UNIQUES.put("feature_flags", Set.of("id", "key"));
        UNIQUES.put("feedback", Set.of("id"));
        UNIQUES.put("job_logs", Set.of("id"));
        UNIQUES.put("jobs", Set.of("id"));
        UNIQUES.put("maintenance_windows", Set.of("id"));
        UNIQUES.put("match_candidates", Set.of("id"));
        UNIQUES.put("metadata_cache", Set.of("cache_key,entity_id,entity_type", "id"));
        UNIQUES.put("performance_metrics", Set.of("id"));
        UNIQUES.put("play_history", Set.of("id"));
        UNIQUES.put("rate_limits", Set.of("endpoint_pattern,identifier,identifier_type", "id"));
        UNIQUES.put("recommendation_data", Set.of("data_key,recommendation_type,user_id", "id"));
        UNIQUES.put("records", Set.of("discogs_release_id", "id"));
        UNIQUES.put("settings", Set.of("id", "key"));
        UNIQUES.put("store_inventory", Set.of("discogs_listing_id", "id"));
        UNIQUES.put("store_managers", Set.of("id", "store_id,user_id"));
        UNIQUES.put("stores", Set.of("discogs_username", "id", "slug"));
        UNIQUES.put("track_matches", Set.of("id", "release_id,track_index"));
        UNIQUES.put("tracks", Set.of("id", "record_id,track_index"));
        UNIQUES.put("usage_metrics", Set.of("id"));
        UNIQUES.put("user_collection_items", Set.of("collection_id,track_id", "id"));
        UNIQUES.put("user_collections", Set.of("id"));
        UNIQUES.put("user_follows", Set.of("followable_id,followable_type,follower_id", "id"));
        UNIQUES.put("user_preferences", Set.of("id", "user_id"));
        UNIQUES.put("users", Set.of("auth_user_id", "email", "id", "username"));

        CHECKS.put("audio_match_history", Set.of("audio_match_history_action_check"));
        CHECKS.put(
                "audio_matches",
                Set.of(
                        "audio_matches_confidence_score_check", "audio_matches_duration_seconds_check",
                        "audio_matches_popularity_score_check", "audio_matches_quality_score_check"));
        CHECKS.put(
                "audio_quality_metrics",
                Set.of(
                        "audio_quality_metrics_bitrate_check", "audio_quality_metrics_channels_check",
                        "audio_quality_metrics_distortion_score_check", "audio_quality_metrics_file_size_bytes_check",
                        "audio_quality_metrics_sample_rate_check", "audio_quality_metrics_silence_ratio_check"));
        CHECKS.put(
                "cache_config",
                Set.of(
                        "cache_config_cache_strategy_check",
                        "cache_config_max_size_mb_check",
                        "cache_config_pattern_bounded", // V105
                        "cache_config_ttl_seconds_check"));
        CHECKS.put("config_profiles", Set.of("config_profiles_environment_check"));
        CHECKS.put(
                "content_similarity",
                Set.of(
                        "content_similarity_confidence_check",
                        "content_similarity_not_self",
                        "content_similarity_similarity_score_check",
                        "content_similarity_source_type_check",
                        "content_similarity_target_type_check"));
        CHECKS.put("discogs_tokens", Set.of("discogs_tokens_oauth_has_secret", "discogs_tokens_token_type_check"));
        CHECKS.put("favorites", Set.of("favorites_favoritable_type_check"));
        CHECKS.put(
                "feature_flag_evaluations",
                Set.of("feature_flag_evaluations_bucket_check", "feature_flag_evaluations_counts_consistent"));
        CHECKS.put("feature_flag_history", Set.of("feature_flag_history_action_check"));
        CHECKS.put(
                "feature_flags",
                Set.of(
                        "feature_flags_environment_check",
                        "feature_flags_key_check",
                        "feature_flags_rollout_percentage_check",
                        "feature_flags_unleash_arrays"));
        CHECKS.put(
                "feedback", Set.of("feedback_priority_check", "feedback_subject_type_check", "feedback_title_check"));
        CHECKS.put("job_logs", Set.of("job_logs_execution_time_ms_check", "job_logs_memory_usage_mb_check"));
        CHECKS.put(
                "jobs",
                Set.of(
                        "jobs_completed_steps_check",
                        "jobs_max_retries_check",
                        "jobs_priority_check",
                        "jobs_progress_percentage_check",
                        "jobs_retry_count_check",
                        "jobs_steps_within_total",
                        "jobs_timeout_seconds_check"));
        CHECKS.put(
                "maintenance_windows",
                Set.of(
                        "maintenance_windows_impact_level_check", "maintenance_windows_maintenance_type_check",
                        "maintenance_windows_status_check", "maintenance_windows_valid_period"));
        CHECKS.put(
                "match_candidates",
                Set.of("match_candidates_confidence_score_check", "match_candidates_duration_seconds_check"));
        CHECKS.put("metadata_cache", Set.of("metadata_cache_entity_type_check", "metadata_cache_refresh_count_check"));
        CHECKS.put(
                "performance_metrics",
                Set.of("performance_metrics_duration_ms_check", "performance_metrics_status_code_check"));
        CHECKS.put(
                "play_history",
                Set.of(
                        "play_history_completion_percentage_check", "play_history_country_code_check",
                        "play_history_duration_listened_seconds_check", "play_history_position_seconds_check"));
        CHECKS.put(
                "rate_limits",
                Set.of(
                        "rate_limits_burst_allowance_check",
                        "rate_limits_current_count_check",
                        "rate_limits_identifier_type_check",
                        "rate_limits_requests_per_window_check",
                        "rate_limits_window_duration_seconds_check"));
        CHECKS.put(
                "recommendation_data",
                Set.of("recommendation_data_confidence_check", "recommendation_data_evidence_count_check"));
        CHECKS.put(
                "records",
                Set.of(
                        "records_discogs_release_id_check", "records_release_year_check",
                        "records_total_duration_seconds_check", "records_total_tracks_check"));
        CHECKS.put(
                "settings",
                Set.of(
                        "settings_encryption_consistent",
                        "settings_key_check",
                        "settings_public_not_encrypted",
                        "settings_value_matches_type"));
        CHECKS.put(
                "store_inventory",
                Set.of(
                        "store_inventory_currency_check",
                        "store_inventory_price_check",
                        "store_inventory_quantity_check",
                        "store_inventory_shipping_cost_check",
                        "store_inventory_view_count_check",
                        "store_inventory_weight_grams_check",
                        "store_inventory_wishlist_count_check"));
        CHECKS.put("store_managers", Set.of("store_managers_role_check"));
        CHECKS.put(
                "stores",
                Set.of(
                        "stores_average_rating_check",
                        "stores_country_code_check",
                        "stores_name_check",
                        "stores_slug_check",
                        "stores_sync_frequency_hours_check",
                        "stores_total_releases_check",
                        "stores_total_reviews_check"));
        CHECKS.put("track_matches", Set.of("track_matches_confidence_check", "track_matches_track_index_check"));
        CHECKS.put(
                "tracks",
                Set.of(
                        "tracks_bpm_check",
                        "tracks_duration_seconds_check",
                        "tracks_side_index_check",
                        "tracks_track_index_check",
                        "tracks_track_on_side_check"));
        CHECKS.put("usage_metrics", Set.of("usage_metrics_country_code_check"));
        CHECKS.put("user_collection_items", Set.of("user_collection_items_position_check"));
        CHECKS.put(
                "user_collections",
                Set.of(
                        "user_collections_color_scheme_check",
                        "user_collections_like_count_check",
                        "user_collections_name_check",
                        "user_collections_play_count_check",
                        "user_collections_share_count_check",
                        "user_collections_total_duration_seconds_check",
                        "user_collections_total_tracks_check"));
        CHECKS.put("user_follows", Set.of("user_follows_followable_type_check", "user_follows_not_self"));
        CHECKS.put(
                "user_preferences",
                Set.of(
                        "user_preferences_crossfade_duration_seconds_check",
                        "user_preferences_data_usage_preference_check",
                        "user_preferences_feed_algorithm_preference_check",
                        "user_preferences_theme_preference_check",
                        "user_preferences_volume_level_check"));
        CHECKS.put("users", Set.of("users_bio_check", "users_name_check", "users_username_check"));

        FOREIGN_KEYS.put(
                "audio_match_history",
                Set.of(
                        "FOREIGN KEY (audio_match_id) REFERENCES rotation.audio_matches(id) ON DELETE CASCADE",
                        "FOREIGN KEY (performed_by) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "audio_matches",
                Set.of(
                        "FOREIGN KEY (track_id) REFERENCES rotation.tracks(id) ON DELETE CASCADE",
                        "FOREIGN KEY (verified_by) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "audio_quality_metrics",
                Set.of("FOREIGN KEY (audio_match_id) REFERENCES rotation.audio_matches(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "audit_logs", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "config_profiles",
                Set.of(
                        "FOREIGN KEY (activated_by) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (created_by) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "discogs_tokens", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put("favorites", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "feature_flag_evaluations",
                Set.of(
                        "FOREIGN KEY (feature_flag_id) REFERENCES rotation.feature_flags(id) ON DELETE CASCADE",
                        "FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "feature_flag_history",
                Set.of(
                        "FOREIGN KEY (changed_by) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (feature_flag_id) REFERENCES rotation.feature_flags(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "feature_flags",
                Set.of(
                        "FOREIGN KEY (created_by) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (last_modified_by) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "feedback",
                Set.of(
                        "FOREIGN KEY (assigned_to) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (is_duplicate_of) REFERENCES rotation.feedback(id) ON DELETE SET NULL",
                        "FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put("job_logs", Set.of("FOREIGN KEY (job_id) REFERENCES rotation.jobs(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "jobs",
                Set.of(
                        "FOREIGN KEY (depends_on_job_id) REFERENCES rotation.jobs(id) ON DELETE SET NULL",
                        "FOREIGN KEY (initiated_by) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (parent_job_id) REFERENCES rotation.jobs(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "maintenance_windows",
                Set.of("FOREIGN KEY (created_by) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "match_candidates", Set.of("FOREIGN KEY (track_id) REFERENCES rotation.tracks(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "play_history",
                Set.of(
                        "FOREIGN KEY (audio_match_id) REFERENCES rotation.audio_matches(id) ON DELETE SET NULL",
                        "FOREIGN KEY (track_id) REFERENCES rotation.tracks(id) ON DELETE CASCADE",
                        "FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "recommendation_data", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "settings", Set.of("FOREIGN KEY (last_modified_by) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "store_inventory",
                Set.of(
                        "FOREIGN KEY (record_id) REFERENCES rotation.records(id) ON DELETE CASCADE",
                        "FOREIGN KEY (store_id) REFERENCES rotation.stores(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "store_managers",
                Set.of(
                        "FOREIGN KEY (invited_by) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (store_id) REFERENCES rotation.stores(id) ON DELETE CASCADE",
                        "FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "stores", Set.of("FOREIGN KEY (owner_user_id) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put("tracks", Set.of("FOREIGN KEY (record_id) REFERENCES rotation.records(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "usage_metrics", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE SET NULL"));
        FOREIGN_KEYS.put(
                "user_collection_items",
                Set.of(
                        "FOREIGN KEY (added_by) REFERENCES rotation.users(id) ON DELETE SET NULL",
                        "FOREIGN KEY (collection_id) REFERENCES rotation.user_collections(id) ON DELETE CASCADE",
                        "FOREIGN KEY (track_id) REFERENCES rotation.tracks(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "user_collections", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "user_follows", Set.of("FOREIGN KEY (follower_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put(
                "user_preferences", Set.of("FOREIGN KEY (user_id) REFERENCES rotation.users(id) ON DELETE CASCADE"));
        FOREIGN_KEYS.put("users", Set.of("FOREIGN KEY (auth_user_id) REFERENCES auth.users(id) ON DELETE CASCADE"));

        TRIGGERS.put(
                "audio_match_history", Set.of("audio_match_history_append_only", "audio_match_history_no_truncate"));
        TRIGGERS.put(
                "audio_matches",
                Set.of("audio_match_history_trigger", "audit_audio_matches", "update_audio_matches_updated_at"));
        TRIGGERS.put("audit_logs", Set.of("audit_logs_append_only", "audit_logs_no_truncate"));
        TRIGGERS.put("cache_config", Set.of("audit_cache_config", "update_cache_config_updated_at"));
        TRIGGERS.put(
                "config_profiles",
                Set.of("audit_config_profiles", "update_config_profiles_updated_at", "config_profiles_notify"));
        // V125: a re-run of aggregate_daily_metrics() rewrites no row.
        TRIGGERS.put("daily_metrics", Set.of("daily_metrics_skip_unchanged", "update_daily_metrics_updated_at"));
        TRIGGERS.put("discogs_tokens", Set.of("audit_discogs_tokens", "update_discogs_tokens_updated_at"));
        TRIGGERS.put("favorites", Set.of("update_favorites_updated_at"));
        TRIGGERS.put(
                "feature_flag_evaluations",
                Set.of("feature_flag_evaluations_append_only", "feature_flag_evaluations_no_truncate"));
        TRIGGERS.put(
                "feature_flag_history", Set.of("feature_flag_history_append_only", "feature_flag_history_no_truncate"));
        TRIGGERS.put(
                "feature_flags",
                Set.of("feature_flag_history_trigger", "update_feature_flags_updated_at", "feature_flags_notify"));
        TRIGGERS.put("feedback", Set.of("audit_feedback", "update_feedback_updated_at"));
        TRIGGERS.put("job_logs", Set.of("job_logs_append_only", "job_logs_no_truncate"));
        // jobs_enqueue and jobs_forget: the job engine drives the table (V72).
        TRIGGERS.put("jobs", Set.of("update_jobs_updated_at", "jobs_enqueue", "jobs_forget"));
        TRIGGERS.put(
                "maintenance_windows",
                Set.of(
                        "audit_maintenance_windows",
                        "update_maintenance_windows_updated_at",
                        "maintenance_windows_notify"));
        TRIGGERS.put("metadata_cache", Set.of("update_metadata_cache_updated_at"));
        TRIGGERS.put(
                "performance_metrics", Set.of("performance_metrics_append_only", "performance_metrics_no_truncate"));
        TRIGGERS.put("rate_limits", Set.of("update_rate_limits_updated_at", "rate_limits_notify"));
        TRIGGERS.put("recommendation_data", Set.of("update_recommendation_data_updated_at"));
        TRIGGERS.put("records", Set.of("update_records_updated_at"));
        TRIGGERS.put("settings", Set.of("audit_settings", "update_settings_updated_at", "settings_notify"));
        TRIGGERS.put("store_inventory", Set.of("audit_store_inventory", "update_store_inventory_updated_at"));
        TRIGGERS.put("store_managers", Set.of("audit_store_managers", "update_store_managers_updated_at"));
        TRIGGERS.put("stores", Set.of("audit_stores", "protect_store_columns", "update_stores_updated_at"));
        TRIGGERS.put("track_matches", Set.of("update_track_matches_updated_at"));
        TRIGGERS.put("tracks", Set.of("update_tracks_updated_at"));
        TRIGGERS.put("usage_metrics", Set.of("usage_metrics_append_only", "usage_metrics_no_truncate"));
        TRIGGERS.put("user_collection_items", Set.of("update_collection_stats_trigger"));
        TRIGGERS.put("user_collections", Set.of("update_user_collections_updated_at"));
        TRIGGERS.put("user_preferences", Set.of("update_user_preferences_updated_at"));
        TRIGGERS.put("users", Set.of("audit_users", "update_users_updated_at"));

        POLICIES.put(
                "audio_match_history", Set.of("Admins can view audio match history", "Service role has full access"));
        POLICIES.put(
                "audio_matches",
                Set.of(
                        "Admins can manage audio matches",
                        "Anyone can view approved audio matches",
                        "Service role has full access",
                        "Store managers can review matches of own inventory",
                        "Store managers can view matches of own inventory"));
        POLICIES.put(
                "audio_quality_metrics",
                Set.of("Admins can manage audio quality metrics", "Service role has full access"));
        POLICIES.put("audit_logs", Set.of("Admins can view audit logs", "Service role has full access"));
        POLICIES.put("cache_config", Set.of("Admins can manage cache config", "Service role has full access"));
        POLICIES.put("config_profiles", Set.of("Admins can manage config profiles", "Service role has full access"));
        POLICIES.put(
                "content_similarity", Set.of("Admins can manage content similarity", "Service role has full access"));
        POLICIES.put("daily_metrics", Set.of("Admins can view daily metrics", "Service role has full access"));
        POLICIES.put(
                "discogs_tokens",
                Set.of(
                        "Service role has full access",
                        "Users can delete own Discogs connection",
                        "Users can view own Discogs connection"));
        POLICIES.put("favorites", Set.of("Service role has full access", "Users can manage own favorites"));
        POLICIES.put(
                "feature_flag_evaluations",
                Set.of("Admins can view feature flag evaluations", "Service role has full access"));
        POLICIES.put(
                "feature_flag_history", Set.of("Admins can view feature flag history", "Service role has full access"));
        POLICIES.put("feature_flags", Set.of("Admins can manage feature flags", "Service role has full access"));
        POLICIES.put(
                "feedback",
                Set.of(
                        "Admins can manage feedback",
                        "Service role has full access",
                        "Users can submit feedback",
                        "Users can view own feedback"));
        POLICIES.put("job_logs", Set.of("Admins can view job logs", "Service role has full access"));
        POLICIES.put("jobs", Set.of("Admins can manage jobs", "Service role has full access"));
        POLICIES.put(
                "maintenance_windows", Set.of("Admins can manage maintenance windows", "Service role has full access"));
        POLICIES.put("match_candidates", Set.of("Admins can manage match candidates", "Service role has full access"));
        POLICIES.put("metadata_cache", Set.of("Admins can manage metadata cache", "Service role has full access"));
        POLICIES.put(
                "performance_metrics", Set.of("Admins can view performance metrics", "Service role has full access"));
        POLICIES.put(
                "play_history",
                Set.of(
                        "Service role has full access",
                        "Users can delete own play history",
                        "Users can record own plays",
                        "Users can view own play history"));
        POLICIES.put("rate_limits", Set.of("Admins can manage rate limits", "Service role has full access"));
        POLICIES.put(
                "recommendation_data",
                Set.of("Service role has full access", "Users can view own recommendation data"));
        POLICIES.put(
                "records",
                Set.of("Admins can manage records", "Anyone can view records", "Service role has full access"));
        POLICIES.put(
                "settings",
                Set.of(
                        "Admins can manage settings",
                        "Anyone can view public settings",
                        "Service role has full access"));
        POLICIES.put(
                "store_inventory",
                Set.of(
                        "Admins can manage store inventory", "Anyone can view listed inventory",
                        "Service role has full access", "Store managers can manage own store inventory"));
        POLICIES.put(
                "store_managers",
                Set.of(
                        "Admins can manage store managers",
                        "Service role has full access",
                        "Users can view own store memberships"));
        POLICIES.put(
                "stores",
                Set.of(
                        "Admins can manage stores",
                        "Anyone can view active stores",
                        "Service role has full access",
                        "Store managers can update own stores",
                        "Store managers can view own stores"));
        POLICIES.put("track_matches", Set.of("Admins can manage track matches", "Service role has full access"));
        POLICIES.put(
                "tracks", Set.of("Admins can manage tracks", "Anyone can view tracks", "Service role has full access"));
        POLICIES.put("usage_metrics", Set.of("Admins can view usage metrics", "Service role has full access"));
        POLICIES.put(
                "user_collection_items",
                Set.of(
                        "Anyone can view items of public collections",
                        "Service role has full access",
                        "Users can add to collaborative collections",
                        "Users can manage items of own collections",
                        "Users can remove own additions to collaborative collections"));
        POLICIES.put(
                "user_collections",
                Set.of(
                        "Anyone can view public collections",
                        "Service role has full access",
                        "Users can manage own collections"));
        POLICIES.put("user_follows", Set.of("Service role has full access", "Users can manage own follows"));
        POLICIES.put("user_preferences", Set.of("Service role has full access", "Users can manage own preferences"));
        POLICIES.put(
                "users",
                Set.of(
                        "Admins can update user profiles",
                        "Admins can view users",
                        "Service role has full access",
                        "Users can update own profile",
                        "Users can view own profile"));

        ENUMS.put("audio_platform", List.of("youtube", "soundcloud", "spotify", "bandcamp", "discogs"));
        ENUMS.put("feature_flag_type", List.of("boolean", "percentage", "user_list", "condition", "strategies"));
        ENUMS.put("feedback_status", List.of("open", "in_review", "resolved", "dismissed"));
        ENUMS.put(
                "feedback_type",
                List.of(
                        "bad_match",
                        "missing_audio",
                        "wrong_metadata",
                        "copyright_issue",
                        "quality_issue",
                        "suggestion"));
        ENUMS.put("job_status", List.of("pending", "running", "completed", "failed", "cancelled", "retrying"));
        ENUMS.put(
                "job_type",
                List.of(
                        "store_sync",
                        "audio_matching",
                        "metadata_refresh",
                        "image_processing",
                        "backup",
                        "cleanup",
                        "migration"));
        ENUMS.put("log_level", List.of("debug", "info", "warning", "error", "critical"));
        ENUMS.put("match_status", List.of("unverified", "verified", "needs_review", "rejected", "auto_approved"));
        ENUMS.put("play_action", List.of("play", "pause", "skip", "complete", "seek"));
        ENUMS.put(
                "record_condition",
                List.of(
                        "Mint (M)",
                        "Near Mint (NM or M-)",
                        "Very Good Plus (VG+)",
                        "Very Good (VG)",
                        "Good Plus (G+)",
                        "Good (G)",
                        "Fair (F)",
                        "Poor (P)"));
        ENUMS.put("record_status", List.of("active", "sold", "reserved", "draft", "removed"));
        ENUMS.put("setting_type", List.of("string", "number", "boolean", "json", "array"));
        ENUMS.put(
                "sleeve_condition",
                List.of(
                        "Mint (M)",
                        "Near Mint (NM or M-)",
                        "Very Good Plus (VG+)",
                        "Very Good (VG)",
                        "Good Plus (G+)",
                        "Good (G)",
                        "Fair (F)",
                        "Poor (P)",
                        "Generic",
                        "Not Graded",
                        "No Cover"));
        ENUMS.put("store_status", List.of("active", "pending", "suspended", "inactive"));
        ENUMS.put("user_role", List.of("admin", "store_manager", "general_user"));
    }

    private static void table(Map<String, Map<String, String>> into, String name, String... columns) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String column : columns) {
            int space = column.indexOf(' ');
            byName.put(column.substring(0, space), column.substring(space + 1));
        }
        into.put(name, byName);
    }

    @Test
    void everyTableOfTheSevenLayersExistsAndNothingElse() {
        assertThat(catalog.tables()).containsExactlyInAnyOrderElementsOf(COLUMNS.keySet());
        // The document's tables, by layer.
        assertThat(catalog.tables())
                .contains(
                        "users",
                        "stores",
                        "store_managers",
                        "discogs_tokens",
                        "records",
                        "store_inventory",
                        "tracks",
                        "audio_matches",
                        "metadata_cache",
                        "audio_match_history",
                        "match_candidates",
                        "audio_quality_metrics",
                        "favorites",
                        "play_history",
                        "feedback",
                        "user_collections",
                        "user_collection_items",
                        "user_follows",
                        "user_preferences",
                        "jobs",
                        "job_logs",
                        "audit_logs",
                        "usage_metrics",
                        "daily_metrics",
                        "recommendation_data",
                        "content_similarity",
                        "performance_metrics",
                        "settings",
                        "feature_flags",
                        "feature_flag_history",
                        "feature_flag_evaluations",
                        "config_profiles",
                        "rate_limits",
                        "cache_config",
                        "maintenance_windows",
                        "track_matches");
    }

    @Test
    void everyColumnHasItsTypeFamilyAndNullability() {
        for (Map.Entry<String, Map<String, String>> table : COLUMNS.entrySet()) {
            Map<String, String> live = catalog.columns(table.getKey());
            Set<String> notNull = catalog.notNullColumns(table.getKey());
            Map<String, String> actual = new LinkedHashMap<>();
            live.forEach((column, family) -> actual.put(column, family + (notNull.contains(column) ? "!" : "")));
            assertThat(actual).as(table.getKey()).containsExactlyInAnyOrderEntriesOf(table.getValue());
        }
    }

    @Test
    void keyFieldsOfTheDocumentHaveTheirTypes() {
        // Serial primary keys everywhere, as the document says for every table.
        for (String table : COLUMNS.keySet()) {
            assertThat(catalog.defaults(table).get("id")).as(table).startsWith("nextval(");
        }
        assertThat(catalog.columns("records"))
                .containsEntry("genres", "text[]")
                .containsEntry("styles", "text[]")
                .containsEntry("images", "jsonb")
                .containsEntry("videos", "jsonb");
        assertThat(catalog.columns("tracks"))
                .containsEntry("artists", "jsonb")
                .containsEntry("credits", "jsonb")
                .containsEntry("genre_tags", "text[]")
                .containsEntry("mood_tags", "text[]");
        assertThat(catalog.columns("users")).containsEntry("role", "user_role").containsEntry("auth_user_id", "uuid");
        assertThat(catalog.columns("stores")).containsEntry("status", "store_status");
        assertThat(catalog.columns("store_inventory"))
                .containsEntry("condition", "record_condition")
                .containsEntry("sleeve_condition", "sleeve_condition")
                .containsEntry("status", "record_status");
        assertThat(catalog.columns("audio_matches"))
                .containsEntry("platform", "audio_platform")
                .containsEntry("status", "match_status");
        assertThat(catalog.columns("feedback"))
                .containsEntry("feedback_type", "feedback_type")
                .containsEntry("status", "feedback_status");
        assertThat(catalog.columns("play_history")).containsEntry("action", "play_action");
        assertThat(catalog.columns("jobs")).containsEntry("type", "job_type").containsEntry("status", "job_status");
        assertThat(catalog.columns("job_logs")).containsEntry("level", "log_level");
        assertThat(catalog.columns("settings")).containsEntry("value_type", "setting_type");
        assertThat(catalog.columns("feature_flags")).containsEntry("flag_type", "feature_flag_type");
    }

    @Test
    void designedDefaultsHold() {
        assertThat(catalog.defaults("users").get("role")).isEqualTo("'general_user'::rotation.user_role");
        assertThat(catalog.defaults("stores").get("status")).isEqualTo("'pending'::rotation.store_status");
        assertThat(catalog.defaults("store_inventory").get("status")).isEqualTo("'active'::rotation.record_status");
        assertThat(catalog.defaults("audio_matches").get("status")).isEqualTo("'unverified'::rotation.match_status");
        assertThat(catalog.defaults("feedback").get("status")).isEqualTo("'open'::rotation.feedback_status");
        assertThat(catalog.defaults("jobs").get("status")).isEqualTo("'pending'::rotation.job_status");
        assertThat(catalog.defaults("match_candidates").get("expires_at")).isEqualTo("(now() + '01:00:00'::interval)");
        assertThat(catalog.defaults("cache_config").get("ttl_seconds")).isEqualTo("86400");
        for (String[] owned : new String[][] {
            {"favorites", "user_id"},
            {"play_history", "user_id"},
            {"feedback", "user_id"},
            {"user_collections", "user_id"},
            {"user_collection_items", "added_by"},
            {"user_follows", "follower_id"},
            {"user_preferences", "user_id"}
        }) {
            assertThat(catalog.defaults(owned[0]).get(owned[1])).as(owned[0]).isEqualTo("rotation.current_user_id()");
        }
    }

    @Test
    void uniquesOfTheDocumentAndTheDesignExist() {
        for (Map.Entry<String, Set<String>> table : UNIQUES.entrySet()) {
            assertThat(catalog.uniqueColumnSets(table.getKey()))
                    .as(table.getKey())
                    .containsExactlyInAnyOrderElementsOf(table.getValue());
        }
        Set<String> withUniques = new HashSet<>(UNIQUES.keySet());
        assertThat(COLUMNS.keySet()).allSatisfy(t -> assertThat(withUniques).contains(t)); // every table has its pkey
        // The document's uniques, spelled out.
        assertThat(catalog.uniqueColumnSets("users")).contains("email", "username");
        assertThat(catalog.uniqueColumnSets("stores")).contains("slug", "discogs_username");
        assertThat(catalog.uniqueColumnSets("store_managers")).contains("store_id,user_id");
        assertThat(catalog.uniqueColumnSets("discogs_tokens")).contains("username");
        assertThat(catalog.uniqueColumnSets("records")).contains("discogs_release_id");
        assertThat(catalog.uniqueColumnSets("store_inventory")).contains("discogs_listing_id");
        assertThat(catalog.uniqueColumnSets("favorites")).contains("favoritable_id,favoritable_type,user_id");
        assertThat(catalog.uniqueColumnSets("user_preferences")).contains("user_id");
        assertThat(catalog.uniqueColumnSets("daily_metrics"))
                .contains("entity_id,entity_type,metric_date,metric_name,metric_type");
        assertThat(catalog.uniqueColumnSets("content_similarity"))
                .contains("similarity_type,source_id,source_type,target_id,target_type");
        assertThat(catalog.uniqueColumnSets("settings")).contains("key");
        assertThat(catalog.uniqueColumnSets("feature_flags")).contains("key");
        assertThat(catalog.uniqueColumnSets("config_profiles")).contains("name");
        assertThat(catalog.uniqueColumnSets("rate_limits")).contains("endpoint_pattern,identifier,identifier_type");
        assertThat(catalog.uniqueColumnSets("cache_config")).contains("cache_key_pattern");
    }

    @Test
    void dailyMetricsTreatsAGlobalMetricsNullEntityAsOneValue() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            String row =
                    "insert into rotation.daily_metrics (metric_date, metric_type, entity_type, entity_id, metric_name, "
                            + "metric_value) values ('1999-01-01', 'user_activity', 'global', null, 'unique_active_users', 1)";
            exec(owner, row);
            assertThatThrownBy(() -> exec(owner, row))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
            owner.rollback();
        }
    }

    @Test
    void foreignKeysPointWhereTheDocumentSays() {
        for (String table : COLUMNS.keySet()) {
            assertThat(catalog.foreignKeys(table))
                    .as(table)
                    .containsExactlyInAnyOrderElementsOf(FOREIGN_KEYS.getOrDefault(table, Set.of()));
        }
    }

    @Test
    void checkConstraintsArePinnedByName() {
        for (String table : COLUMNS.keySet()) {
            assertThat(catalog.checks(table).keySet())
                    .as(table)
                    .containsExactlyInAnyOrderElementsOf(CHECKS.getOrDefault(table, Set.of()));
        }
    }

    @Test
    void everyCheckConstraintIsExercisedByABadRow() {
        Set<String> exercised = checkViolations().map(a -> (String) a.get()[2]).collect(Collectors.toSet());
        Set<String> all = CHECKS.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        assertThat(exercised).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void indexesIncludeEveryNameOfTheDocument() {
        assertThat(catalog.indexes()).containsAll(DOCUMENT_INDEXES);
        assertThat(catalog.indexes()).containsExactlyInAnyOrderElementsOf(INDEXES);
        Map<String, String> definitions = catalog.indexDefinitions();
        assertThat(definitions.get("idx_records_genres")).contains("USING gin (genres)");
        assertThat(definitions.get("idx_tracks_record_position")).contains("(record_id, \"position\")");
        assertThat(definitions.get("idx_audio_matches_track_platform_status")).contains("(track_id, platform, status)");
        assertThat(definitions.get("idx_audio_matches_status_confidence")).contains("(status, confidence_score DESC)");
        assertThat(definitions.get("idx_play_history_user_played_at")).contains("(user_id, played_at DESC)");
        assertThat(definitions.get("idx_favorites_user_type")).contains("(user_id, favoritable_type)");
        assertThat(definitions.get("idx_usage_metrics_user_timestamp")).contains("(user_id, \"timestamp\" DESC)");
        assertThat(definitions.get("idx_daily_metrics_date_type")).contains("(metric_date, metric_type)");
        assertThat(definitions.get("idx_users_role")).contains("(role)");
        assertThat(definitions.get("idx_stores_owner_user_id")).contains("(owner_user_id)");
    }

    @Test
    void everyEnumHasItsValuesInOrder() {
        assertThat(catalog.enums()).containsExactlyInAnyOrderEntriesOf(ENUMS);
        // The document's listed values come first, in its order.
        assertThat(catalog.enums().get("record_condition"))
                .containsExactly(
                        "Mint (M)",
                        "Near Mint (NM or M-)",
                        "Very Good Plus (VG+)",
                        "Very Good (VG)",
                        "Good Plus (G+)",
                        "Good (G)",
                        "Fair (F)",
                        "Poor (P)");
        assertThat(catalog.enums().get("sleeve_condition")).endsWith("Generic", "Not Graded", "No Cover");
        assertThat(catalog.enums().get("feedback_type")).startsWith("bad_match", "missing_audio", "wrong_metadata");
        assertThat(catalog.enums().get("job_type")).startsWith("store_sync", "audio_matching", "metadata_refresh");
        assertThat(catalog.enums().get("job_status")).startsWith("pending", "running", "completed", "failed");
    }

    @Test
    void everyFunctionExistsAndPinsItsSearchPath() throws SQLException {
        assertThat(catalog.functions()).containsExactlyInAnyOrderElementsOf(FUNCTIONS);
        assertThat(catalog.functions())
                .contains(
                        "update_updated_at_column",
                        "cleanup_expired_candidates",
                        "aggregate_daily_metrics",
                        "cleanup_old_analytics_data",
                        "evaluate_feature_flag",
                        "log_feature_flag_change",
                        "murmur3_32",
                        "current_user_id",
                        "is_admin");
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(
                            queryString(
                                    owner,
                                    "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
                                            + "where n.nspname = 'rotation' and not coalesce('search_path=\"\"' = any(p.proconfig), false)"))
                    .isEqualTo("0");
            assertThat(queryString(
                            owner,
                            "select pg_get_function_identity_arguments('rotation.evaluate_feature_flag'::regproc)"))
                    .isEqualTo("key text, user_id integer, context jsonb");
            assertThat(queryString(owner, "select pg_get_function_result('rotation.murmur3_32'::regproc)"))
                    .isEqualTo("bigint");
            assertThat(queryString(owner, "select pg_get_function_identity_arguments('rotation.murmur3_32'::regproc)"))
                    .isEqualTo("input text, seed integer");
            assertThat(
                            queryString(
                                    owner,
                                    "select string_agg(p.proname, ',' order by p.proname) from pg_proc p "
                                            + "join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'rotation' and p.prosecdef"))
                    .isEqualTo("aggregate_daily_metrics,cleanup_expired_candidates,cleanup_old_analytics_data,"
                            + "create_app_user,current_user_id,evaluate_feature_flag,is_admin,"
                            + "log_audio_match_change,log_audit_event,log_feature_flag_change,managed_store_ids,"
                            + "update_collection_stats");
        }
    }

    @Test
    void everyTriggerExists() {
        for (String table : COLUMNS.keySet()) {
            assertThat(catalog.triggers(table))
                    .as(table)
                    .containsExactlyInAnyOrderElementsOf(TRIGGERS.getOrDefault(table, Set.of()));
        }
        assertThat(catalog.identityProvisioner()).isEqualTo("rotation.create_app_user");
    }

    @Test
    void everyTableHasItsPolicies() {
        for (String table : COLUMNS.keySet()) {
            assertThat(catalog.policies(table)).as(table).containsExactlyInAnyOrderElementsOf(POLICIES.get(table));
        }
    }

    @Test
    void policiesCallAuthHelpersOncePerStatement() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            // Every auth.uid() / helper call in a policy is wrapped in (select ...), so it is an InitPlan.
            assertThat(
                            queryString(
                                    owner,
                                    "select count(*) from pg_policies where schemaname = 'rotation' and "
                                            + "(regexp_replace(coalesce(qual, '') || coalesce(with_check, ''), "
                                            + "'SELECT (auth\\.uid\\(\\)|rotation\\.(current_user_id|is_admin|managed_store_ids)\\(\\)) AS', '', 'g') "
                                            + "~ '(auth\\.uid|rotation\\.current_user_id|rotation\\.is_admin|rotation\\.managed_store_ids)\\(')"))
                    .isEqualTo("0");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Every CHECK, exercised: a valid row inserts, the same row with one bad value is refused
    // with 23514 naming the constraint.
    // ------------------------------------------------------------------------------------------

    private static int user1;
    private static int user2;
    private static int store;
    private static int record;
    private static int track;
    private static int match;
    private static int job;
    private static int flag;
    private static int collection;

    @BeforeAll
    static void fixtures() throws SQLException {
        UUID a = server.newUser().id();
        UUID b = server.newUser().id();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            user1 = Integer.parseInt(
                    queryString(owner, "select id from rotation.users where auth_user_id = '" + a + "'"));
            user2 = Integer.parseInt(
                    queryString(owner, "select id from rotation.users where auth_user_id = '" + b + "'"));
            String tag = UUID.randomUUID().toString().substring(0, 8);
            store = Integer.parseInt(queryString(
                    owner,
                    "insert into rotation.stores (name, slug, discogs_username) values " + "('Check Store', 'check-"
                            + tag + "', 'check_" + tag + "') returning id"));
            record = Integer.parseInt(queryString(
                    owner,
                    "insert into rotation.records (discogs_release_id, title, artist) values ("
                            + (900_000_000L + Math.abs(tag.hashCode() % 1_000_000))
                            + ", 'Check', 'Checker') returning id"));
            track = Integer.parseInt(queryString(
                    owner,
                    "insert into rotation.tracks (record_id, position, title, track_index) values (" + record
                            + ", 'A1', 'Check', 0) returning id"));
            match = Integer.parseInt(queryString(
                    owner,
                    "insert into rotation.audio_matches (track_id, platform, external_id, url, "
                            + "confidence_score) values (" + track
                            + ", 'youtube', 'chk', 'https://youtu.be/chk', 0.5) returning id"));
            job = Integer.parseInt(queryString(
                    owner, "insert into rotation.jobs (type, title) values ('cleanup', 'check') returning id"));
            flag = Integer.parseInt(queryString(
                    owner,
                    "insert into rotation.feature_flags (key, name) values ('check-" + tag
                            + "', 'Check') returning id"));
            collection = Integer.parseInt(queryString(
                    owner,
                    "insert into rotation.user_collections (user_id, name) values (" + user1
                            + ", 'check') returning id"));
        }
    }

    private static final Map<String, Map<String, String>> VALID_ROWS = new TreeMap<>();

    static {
        VALID_ROWS.put("users", Map.of("auth_user_id", "$AUTH", "name", "N", "username", "$LOWER"));
        VALID_ROWS.put("stores", Map.of("name", "S", "slug", "$SLUG", "discogs_username", "$RAND"));
        VALID_ROWS.put("store_managers", Map.of("store_id", "$STORE", "user_id", "$USER2"));
        VALID_ROWS.put(
                "discogs_tokens",
                Map.of(
                        "user_id",
                        "$USER1",
                        "username",
                        "$RAND",
                        "access_token_encrypted",
                        "\\x01",
                        "access_secret_encrypted",
                        "\\x02",
                        "encryption_key_id",
                        "k1"));
        VALID_ROWS.put("records", Map.of("discogs_release_id", "$BIGRAND", "title", "T", "artist", "A"));
        VALID_ROWS.put("store_inventory", Map.of("store_id", "$STORE", "record_id", "$RECORD"));
        VALID_ROWS.put(
                "tracks", Map.of("record_id", "$RECORD", "position", "B1", "title", "t", "track_index", "$INTRAND"));
        VALID_ROWS.put(
                "audio_matches",
                Map.of(
                        "track_id",
                        "$TRACK",
                        "platform",
                        "youtube",
                        "external_id",
                        "$RAND",
                        "url",
                        "u",
                        "confidence_score",
                        "0.5"));
        VALID_ROWS.put(
                "metadata_cache",
                Map.of("entity_type", "record", "entity_id", "1", "cache_key", "$RAND", "data", "{}"));
        VALID_ROWS.put("audio_match_history", Map.of("audio_match_id", "$MATCH", "action", "created"));
        VALID_ROWS.put(
                "match_candidates",
                Map.of(
                        "track_id",
                        "$TRACK",
                        "session_id",
                        "s",
                        "platform",
                        "youtube",
                        "external_id",
                        "e",
                        "url",
                        "u",
                        "confidence_score",
                        "0.5"));
        VALID_ROWS.put("audio_quality_metrics", Map.of("audio_match_id", "$MATCH"));
        VALID_ROWS.put(
                "favorites", Map.of("user_id", "$USER1", "favoritable_type", "record", "favoritable_id", "$INTRAND"));
        VALID_ROWS.put("play_history", Map.of("track_id", "$TRACK"));
        VALID_ROWS.put(
                "feedback",
                Map.of(
                        "feedback_type",
                        "bad_match",
                        "subject_type",
                        "track",
                        "subject_id",
                        "1",
                        "title",
                        "t",
                        "description",
                        "d"));
        VALID_ROWS.put("user_collections", Map.of("user_id", "$USER1", "name", "c"));
        VALID_ROWS.put("user_collection_items", Map.of("collection_id", "$COLLECTION", "track_id", "$TRACK"));
        VALID_ROWS.put(
                "user_follows",
                Map.of("follower_id", "$USER1", "followable_type", "store", "followable_id", "$INTRAND"));
        VALID_ROWS.put("user_preferences", Map.of("user_id", "$USER2"));
        VALID_ROWS.put("jobs", Map.of("type", "cleanup", "title", "t"));
        VALID_ROWS.put("job_logs", Map.of("job_id", "$JOB", "message", "m"));
        VALID_ROWS.put("usage_metrics", Map.of("event_type", "e", "event_name", "n"));
        VALID_ROWS.put(
                "recommendation_data",
                Map.of("user_id", "$USER1", "recommendation_type", "g", "data_key", "$RAND", "data_value", "1"));
        VALID_ROWS.put(
                "content_similarity",
                Map.of(
                        "source_type",
                        "track",
                        "source_id",
                        "1",
                        "target_type",
                        "track",
                        "target_id",
                        "2",
                        "similarity_score",
                        "0.5",
                        "similarity_type",
                        "$RAND"));
        VALID_ROWS.put("performance_metrics", Map.of("metric_type", "m"));
        VALID_ROWS.put("settings", Map.of("key", "$SETTINGKEY", "value", "v"));
        VALID_ROWS.put("feature_flags", Map.of("key", "$RAND", "name", "n"));
        VALID_ROWS.put("feature_flag_history", Map.of("flag_key", "k", "action", "created"));
        VALID_ROWS.put("feature_flag_evaluations", Map.of("feature_flag_id", "$FLAG", "evaluation_result", "true"));
        VALID_ROWS.put("config_profiles", Map.of("name", "$RAND", "environment", "staging"));
        VALID_ROWS.put(
                "rate_limits",
                Map.of(
                        "identifier",
                        "$RAND",
                        "identifier_type",
                        "ip",
                        "endpoint_pattern",
                        "/x",
                        "requests_per_window",
                        "10",
                        "window_duration_seconds",
                        "60"));
        VALID_ROWS.put("cache_config", Map.of("cache_key_pattern", "$RAND"));
        VALID_ROWS.put(
                "maintenance_windows",
                Map.of(
                        "title",
                        "t",
                        "maintenance_type",
                        "api",
                        "starts_at",
                        "2030-01-01T00:00:00Z",
                        "ends_at",
                        "2030-01-01T01:00:00Z"));
        VALID_ROWS.put(
                "track_matches",
                Map.of(
                        "release_id",
                        "$BIGRAND",
                        "track_index",
                        "0",
                        "platform",
                        "youtube",
                        "match_url",
                        "u",
                        "confidence",
                        "0.5"));
    }

    private static Arguments bad(String table, String constraint, String... columnValuePairs) {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < columnValuePairs.length; i += 2) {
            overrides.put(columnValuePairs[i], columnValuePairs[i + 1]);
        }
        return Arguments.of(table, overrides, constraint);
    }

    static Stream<Arguments> checkViolations() {
        return Stream.of(
                bad("audio_match_history", "audio_match_history_action_check", "action", "deleted"),
                bad("audio_matches", "audio_matches_confidence_score_check", "confidence_score", "1.5"),
                bad("audio_matches", "audio_matches_duration_seconds_check", "duration_seconds", "-1"),
                bad("audio_matches", "audio_matches_popularity_score_check", "popularity_score", "-1"),
                bad("audio_matches", "audio_matches_quality_score_check", "quality_score", "-0.1"),
                bad("audio_quality_metrics", "audio_quality_metrics_bitrate_check", "bitrate", "0"),
                bad("audio_quality_metrics", "audio_quality_metrics_channels_check", "channels", "0"),
                bad("audio_quality_metrics", "audio_quality_metrics_distortion_score_check", "distortion_score", "1.1"),
                bad("audio_quality_metrics", "audio_quality_metrics_file_size_bytes_check", "file_size_bytes", "-1"),
                bad("audio_quality_metrics", "audio_quality_metrics_sample_rate_check", "sample_rate", "0"),
                bad("audio_quality_metrics", "audio_quality_metrics_silence_ratio_check", "silence_ratio", "-0.1"),
                bad("cache_config", "cache_config_cache_strategy_check", "cache_strategy", "fifo"),
                bad("cache_config", "cache_config_max_size_mb_check", "max_size_mb", "0"),
                bad("cache_config", "cache_config_pattern_bounded", "cache_key_pattern", "x".repeat(201)),
                bad("cache_config", "cache_config_ttl_seconds_check", "ttl_seconds", "0"),
                bad("config_profiles", "config_profiles_environment_check", "environment", "test"),
                bad("content_similarity", "content_similarity_confidence_check", "confidence", "2"),
                bad("content_similarity", "content_similarity_not_self", "target_id", "1"),
                bad("content_similarity", "content_similarity_similarity_score_check", "similarity_score", "1.01"),
                bad("content_similarity", "content_similarity_source_type_check", "source_type", "user"),
                bad("content_similarity", "content_similarity_target_type_check", "target_type", "store"),
                bad("discogs_tokens", "discogs_tokens_oauth_has_secret", "access_secret_encrypted", "$NULL"),
                bad("discogs_tokens", "discogs_tokens_token_type_check", "token_type", "bearer"),
                bad("favorites", "favorites_favoritable_type_check", "favoritable_type", "artist"),
                bad("feature_flag_evaluations", "feature_flag_evaluations_bucket_check", "bucket", "0"),
                bad("feature_flag_history", "feature_flag_history_action_check", "action", "removed"),
                bad("feature_flags", "feature_flags_environment_check", "environment", "test"),
                bad("feature_flags", "feature_flags_key_check", "key", "-leading-dash"),
                bad("feature_flags", "feature_flags_rollout_percentage_check", "rollout_percentage", "101"),
                bad("feature_flags", "feature_flags_unleash_arrays", "strategies", "{}"),
                bad("feature_flag_evaluations", "feature_flag_evaluations_counts_consistent", "yes_count", "1"),
                bad("feedback", "feedback_priority_check", "priority", "0"),
                bad("feedback", "feedback_subject_type_check", "subject_type", "user"),
                bad("feedback", "feedback_title_check", "title", ""),
                bad("job_logs", "job_logs_execution_time_ms_check", "execution_time_ms", "-1"),
                bad("job_logs", "job_logs_memory_usage_mb_check", "memory_usage_mb", "-1"),
                bad("jobs", "jobs_completed_steps_check", "completed_steps", "-1"),
                bad("jobs", "jobs_max_retries_check", "max_retries", "-1"),
                bad("jobs", "jobs_priority_check", "priority", "11"),
                bad("jobs", "jobs_progress_percentage_check", "progress_percentage", "100.5"),
                bad("jobs", "jobs_retry_count_check", "retry_count", "-1"),
                bad("jobs", "jobs_steps_within_total", "total_steps", "2", "completed_steps", "3"),
                bad("jobs", "jobs_timeout_seconds_check", "timeout_seconds", "0"),
                bad("maintenance_windows", "maintenance_windows_impact_level_check", "impact_level", "none"),
                bad("maintenance_windows", "maintenance_windows_maintenance_type_check", "maintenance_type", "network"),
                bad("maintenance_windows", "maintenance_windows_status_check", "status", "done"),
                bad("maintenance_windows", "maintenance_windows_valid_period", "ends_at", "2030-01-01T00:00:00Z"),
                bad("match_candidates", "match_candidates_confidence_score_check", "confidence_score", "-0.5"),
                bad("match_candidates", "match_candidates_duration_seconds_check", "duration_seconds", "-1"),
                bad("metadata_cache", "metadata_cache_entity_type_check", "entity_type", "user"),
                bad("metadata_cache", "metadata_cache_refresh_count_check", "refresh_count", "-1"),
                bad("performance_metrics", "performance_metrics_duration_ms_check", "duration_ms", "-1"),
                bad("performance_metrics", "performance_metrics_status_code_check", "status_code", "600"),
                bad("play_history", "play_history_completion_percentage_check", "completion_percentage", "100.01"),
                bad("play_history", "play_history_country_code_check", "country_code", "nl"),
                bad("play_history", "play_history_duration_listened_seconds_check", "duration_listened_seconds", "-1"),
                bad("play_history", "play_history_position_seconds_check", "position_seconds", "-1"),
                bad("rate_limits", "rate_limits_burst_allowance_check", "burst_allowance", "-1"),
                bad("rate_limits", "rate_limits_current_count_check", "current_count", "-1"),
                bad("rate_limits", "rate_limits_identifier_type_check", "identifier_type", "email"),
                bad("rate_limits", "rate_limits_requests_per_window_check", "requests_per_window", "0"),
                bad("rate_limits", "rate_limits_window_duration_seconds_check", "window_duration_seconds", "0"),
                bad("recommendation_data", "recommendation_data_confidence_check", "confidence", "1.5"),
                bad("recommendation_data", "recommendation_data_evidence_count_check", "evidence_count", "-1"),
                bad("records", "records_discogs_release_id_check", "discogs_release_id", "0"),
                bad("records", "records_release_year_check", "release_year", "1849"),
                bad("records", "records_total_duration_seconds_check", "total_duration_seconds", "-1"),
                bad("records", "records_total_tracks_check", "total_tracks", "-1"),
                bad("settings", "settings_encryption_consistent", "is_encrypted", "true"),
                bad("settings", "settings_key_check", "key", "Bad Key"),
                bad(
                        "settings",
                        "settings_public_not_encrypted",
                        "is_public",
                        "true",
                        "is_encrypted",
                        "true",
                        "value",
                        "$NULL",
                        "value_encrypted",
                        "\\x01",
                        "encryption_key_id",
                        "k1"),
                bad("settings", "settings_value_matches_type", "value_type", "number", "value", "many"),
                bad("store_inventory", "store_inventory_currency_check", "currency", "usd"),
                bad("store_inventory", "store_inventory_price_check", "price", "-1"),
                bad("store_inventory", "store_inventory_quantity_check", "quantity", "-1"),
                bad("store_inventory", "store_inventory_shipping_cost_check", "shipping_cost", "-0.01"),
                bad("store_inventory", "store_inventory_view_count_check", "view_count", "-1"),
                bad("store_inventory", "store_inventory_weight_grams_check", "weight_grams", "0"),
                bad("store_inventory", "store_inventory_wishlist_count_check", "wishlist_count", "-1"),
                bad("store_managers", "store_managers_role_check", "role", "boss"),
                bad("stores", "stores_average_rating_check", "average_rating", "5.5"),
                bad("stores", "stores_country_code_check", "country_code", "NLD"),
                bad("stores", "stores_name_check", "name", ""),
                bad("stores", "stores_slug_check", "slug", "Bad_Slug"),
                bad("stores", "stores_sync_frequency_hours_check", "sync_frequency_hours", "0"),
                bad("stores", "stores_total_releases_check", "total_releases", "-1"),
                bad("stores", "stores_total_reviews_check", "total_reviews", "-1"),
                bad("track_matches", "track_matches_confidence_check", "confidence", "1.5"),
                bad("track_matches", "track_matches_track_index_check", "track_index", "-1"),
                bad("tracks", "tracks_bpm_check", "bpm", "0"),
                bad("tracks", "tracks_duration_seconds_check", "duration_seconds", "-1"),
                bad("tracks", "tracks_side_index_check", "side_index", "-1"),
                bad("tracks", "tracks_track_index_check", "track_index", "-1"),
                bad("tracks", "tracks_track_on_side_check", "track_on_side", "0"),
                bad("usage_metrics", "usage_metrics_country_code_check", "country_code", "Netherlands"),
                bad("user_collection_items", "user_collection_items_position_check", "position", "0"),
                bad("user_collections", "user_collections_color_scheme_check", "color_scheme", "red"),
                bad("user_collections", "user_collections_like_count_check", "like_count", "-1"),
                bad("user_collections", "user_collections_name_check", "name", ""),
                bad("user_collections", "user_collections_play_count_check", "play_count", "-1"),
                bad("user_collections", "user_collections_share_count_check", "share_count", "-1"),
                bad(
                        "user_collections",
                        "user_collections_total_duration_seconds_check",
                        "total_duration_seconds",
                        "-1"),
                bad("user_collections", "user_collections_total_tracks_check", "total_tracks", "-1"),
                bad("user_follows", "user_follows_followable_type_check", "followable_type", "record"),
                bad("user_follows", "user_follows_not_self", "followable_type", "user", "followable_id", "$USER1"),
                bad(
                        "user_preferences",
                        "user_preferences_crossfade_duration_seconds_check",
                        "crossfade_duration_seconds",
                        "31"),
                bad("user_preferences", "user_preferences_data_usage_preference_check", "data_usage_preference", "max"),
                bad(
                        "user_preferences",
                        "user_preferences_feed_algorithm_preference_check",
                        "feed_algorithm_preference",
                        "random"),
                bad("user_preferences", "user_preferences_theme_preference_check", "theme_preference", "blue"),
                bad("user_preferences", "user_preferences_volume_level_check", "volume_level", "1.5"),
                bad("users", "users_bio_check", "bio", "x".repeat(2001)),
                bad("users", "users_name_check", "name", ""),
                bad("users", "users_username_check", "username", "Has Caps"));
    }

    @ParameterizedTest(name = "{0} {1} breaks {2}")
    @MethodSource("checkViolations")
    void everyCheckRejectsABadRow(String table, Map<String, String> overrides, String constraint) throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            try {
                Map<String, String> valid = VALID_ROWS.get(table);
                assertThat(valid).as("a valid %s row", table).isNotNull();
                insert(owner, table, valid); // the row is valid without the bad values
                Map<String, String> badRow = new LinkedHashMap<>(valid);
                badRow.putAll(overrides);
                assertThatThrownBy(() -> insert(owner, table, badRow)).isInstanceOfSatisfying(SQLException.class, e -> {
                    assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("23514");
                    assertThat(e.getMessage()).contains(constraint);
                });
            } finally {
                owner.rollback();
            }
        }
    }

    /** Inserts with every value as an untyped literal, so PostgreSQL converts it as a client's text would be. */
    private static void insert(Connection conn, String table, Map<String, String> row) throws SQLException {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : row.entrySet()) {
            resolved.put(e.getKey(), resolve(conn, e.getValue()));
        }
        OwnerSql.insert(conn, "rotation." + table, resolved, null);
    }

    private static String resolve(Connection conn, String value) throws SQLException {
        String random = UUID.randomUUID().toString().replace("-", "");
        return switch (value) {
            case "$NULL" -> null;
            case "$USER1" -> String.valueOf(user1);
            case "$USER2" -> String.valueOf(user2);
            case "$STORE" -> String.valueOf(store);
            case "$RECORD" -> String.valueOf(record);
            case "$TRACK" -> String.valueOf(track);
            case "$MATCH" -> String.valueOf(match);
            case "$JOB" -> String.valueOf(job);
            case "$FLAG" -> String.valueOf(flag);
            case "$COLLECTION" -> String.valueOf(collection);
            case "$RAND" -> "r" + random;
            case "$LOWER" -> "u_" + random.substring(0, 12);
            case "$SLUG" -> "s-" + random.substring(0, 12);
            case "$SETTINGKEY" -> "check." + "k" + random.substring(0, 12);
            case "$BIGRAND" -> String.valueOf(1_000_000_000L + (long) (Math.random() * 1_000_000_000L));
            case "$INTRAND" -> String.valueOf(1 + (int) (Math.random() * 1_000_000_000));
            case "$AUTH" -> {
                // A fresh identity whose app user row is removed again, so a users row can be inserted by hand.
                UUID identity = UUID.randomUUID();
                exec(
                        conn,
                        "insert into auth.users (id, email) values ('" + identity + "', '" + identity
                                + "@example.test')");
                exec(conn, "delete from rotation.users where auth_user_id = '" + identity + "'");
                yield identity.toString();
            }
            default -> value;
        };
    }
}
