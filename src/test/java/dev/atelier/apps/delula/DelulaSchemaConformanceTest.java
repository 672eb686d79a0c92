package dev.atelier.apps.delula;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.LiveCatalog;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The live delula schema against seeds/delula.md and the design recorded in docs/apps/delula.md:
 * every table, column (name and type family), NOT NULL, default that matters, unique, check,
 * foreign key, index, enum, function and trigger. The document lists key fields only, so most of
 * what is pinned here is the recorded design; a change to it must change the notes and this test.
 */
class DelulaSchemaConformanceTest {

    private static final LiveCatalog catalog = new LiveCatalog(TestServer.get().ownerPool(), "delula");

    /** table → "column:family ..." in column order. */
    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put(
                "users",
                "id:text auth_user_id:uuid email:text first_name:text last_name:text profile_image_url:text "
                        + "account_type:integer access_role:integer credits:integer last_credit_refresh:timestamptz "
                        + "created_at:timestamptz updated_at:timestamptz last_seen_at:timestamptz timezone:text");
        COLUMNS.put(
                "tags",
                "id:integer name:text description:text color:text is_active:boolean is_hidden:boolean "
                        + "created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "recipes",
                "id:integer name:text slug:text description:text prompt:text instructions:text "
                        + "recipe_steps:jsonb workflow_type:text generation_type:text category:text credit_cost:integer "
                        + "usage_count:integer tag_highlights:integer[] preview_image_url:text preview_video_url:text "
                        + "sort_order:integer is_active:boolean created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put("recipe_usage", "recipe_id:integer usage_count:integer last_used_at:timestamptz");
        COLUMNS.put(
                "providers",
                "id:integer name:text display_name:text description:text base_url:text config:jsonb "
                        + "is_active:boolean created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "provider_credentials",
                "provider_id:integer api_key_encrypted:bytea encryption_key_id:text "
                        + "created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "services",
                "id:integer provider_id:integer name:text display_name:text description:text "
                        + "service_type:text endpoint:text model:text credit_cost:integer cost_per_call:numeric "
                        + "timeout_seconds:integer config:jsonb is_active:boolean created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "generations",
                "id:integer short_id:text user_id:text recipe_id:integer service_id:integer "
                        + "media_type:text status:text prompt:text parameters:jsonb image_url:text video_url:text "
                        + "thumbnail_url:text s3_key:text external_job_id:text error_message:text credits_cost:integer "
                        + "metadata:jsonb created_at:timestamptz updated_at:timestamptz processing_started_at:timestamptz "
                        + "completed_at:timestamptz refunded_at:timestamptz "
                        // V78 (the generation flow, ADR 13): the credit hold, the client's key, sharing
                        + "hold_id:uuid idempotency_key:text request_hash:text is_public:boolean shared_at:timestamptz");
        COLUMNS.put(
                "backlog_videos",
                "id:integer recipe_id:integer prompt:text parameters:jsonb video_url:text "
                        + "thumbnail_url:text s3_key:text duration:numeric claimed_by:text generation_id:integer "
                        + "claimed_at:timestamptz created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "recipe_samples",
                "id:integer recipe_id:integer generation_id:integer media_type:text url:text "
                        + "thumbnail_url:text title:text prompt:text sort_order:integer is_active:boolean "
                        + "created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "credit_transactions",
                "id:integer user_id:text amount:integer type:text balance_after:integer "
                        + "description:text generation_id:integer idempotency_key:text metadata:jsonb created_at:timestamptz");
        COLUMNS.put(
                "user_assets",
                "id:integer user_id:text asset_id:text original_filename:text display_name:text "
                        + "s3_key:text cdn_url:text mime_type:text file_size:bigint asset_type:text source:text "
                        + "generation_id:integer dimensions:jsonb duration:numeric user_tags:text[] system_tags:text[] "
                        + "auto_classification:jsonb ai_classification:jsonb usage_count:integer last_used_at:timestamptz "
                        + "created_at:timestamptz updated_at:timestamptz is_deleted:boolean deleted_at:timestamptz");
        COLUMNS.put(
                "system_assets",
                "id:integer system_id:text asset_id:text name:text url:text mime_type:text "
                        + "file_size:bigint dimensions:jsonb tags:text[] metadata:jsonb created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "market_assets",
                "id:integer creator_id:text asset_id:text name:text url:text mime_type:text "
                        + "file_size:bigint dimensions:jsonb tags:text[] metadata:jsonb is_public:boolean "
                        + "created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "component_registry",
                "id:integer component_id:text name:text version:text description:text "
                        + "category:text tags:text[] credit_cost:integer estimated_processing_time:integer is_active:boolean "
                        + "created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "component_input_channels",
                "id:integer component_id:text channel_id:text channel_name:text "
                        + "type:text position:integer description:text validation_rules:jsonb default_value:jsonb "
                        + "is_required:boolean created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "component_output_channels",
                "id:integer component_id:text channel_id:text channel_name:text "
                        + "type:text description:text metadata:jsonb created_at:timestamptz updated_at:timestamptz");
        COLUMNS.put(
                "component_usage",
                "id:integer component_id:text user_id:text execution_id:text input_data:jsonb "
                        + "output_data:jsonb success:boolean execution_time:integer error_message:text created_at:timestamptz");
        COLUMNS.put(
                "component_dependencies",
                "id:integer component_id:text depends_on_component_id:text "
                        + "dependency_type:text description:text created_at:timestamptz");
    }

    /** table → NOT NULL columns. */
    private static final Map<String, String> NOT_NULL = Map.ofEntries(
            Map.entry(
                    "users",
                    "id auth_user_id account_type access_role credits last_credit_refresh created_at updated_at timezone"),
            Map.entry("tags", "id name is_active is_hidden created_at updated_at"),
            Map.entry(
                    "recipes",
                    "id name slug recipe_steps workflow_type generation_type credit_cost usage_count "
                            + "tag_highlights sort_order is_active created_at updated_at"),
            Map.entry("recipe_usage", "recipe_id usage_count"),
            Map.entry("providers", "id name display_name config is_active created_at updated_at"),
            Map.entry("provider_credentials", "provider_id api_key_encrypted encryption_key_id created_at updated_at"),
            Map.entry(
                    "services",
                    "id provider_id name display_name service_type endpoint credit_cost timeout_seconds "
                            + "config is_active created_at updated_at"),
            Map.entry(
                    "generations",
                    "id short_id user_id media_type status parameters credits_cost metadata "
                            + "created_at updated_at is_public"),
            Map.entry("backlog_videos", "id recipe_id parameters video_url created_at updated_at"),
            Map.entry("recipe_samples", "id recipe_id media_type url sort_order is_active created_at updated_at"),
            // user_id: NULL only once its account is deleted (V117; credit_transactions_needs_user on INSERT)
            Map.entry("credit_transactions", "id amount type balance_after metadata created_at"),
            Map.entry(
                    "user_assets",
                    "id user_id asset_id display_name s3_key mime_type asset_type source user_tags "
                            + "system_tags usage_count created_at updated_at is_deleted"),
            Map.entry("system_assets", "id system_id asset_id name url mime_type tags metadata created_at updated_at"),
            Map.entry(
                    "market_assets",
                    "id creator_id asset_id name url mime_type tags metadata is_public created_at updated_at"),
            Map.entry(
                    "component_registry",
                    "id component_id name version category tags credit_cost is_active " + "created_at updated_at"),
            Map.entry(
                    "component_input_channels",
                    "id component_id channel_id channel_name type position "
                            + "validation_rules is_required created_at updated_at"),
            Map.entry(
                    "component_output_channels",
                    "id component_id channel_id channel_name type metadata created_at updated_at"),
            Map.entry("component_usage", "id component_id success created_at"),
            Map.entry("component_dependencies", "id component_id depends_on_component_id dependency_type created_at"));

    /** table → unique column sets (sorted columns, comma-joined), primary keys included. */
    private static final Map<String, String> UNIQUES = Map.ofEntries(
            Map.entry("users", "auth_user_id;id"),
            Map.entry("tags", "id;name"),
            Map.entry("recipes", "id;slug"),
            Map.entry("recipe_usage", "recipe_id"),
            Map.entry("providers", "id;name"),
            Map.entry("provider_credentials", "provider_id"),
            Map.entry("services", "id;name,provider_id"),
            Map.entry("generations", "hold_id;id;idempotency_key,user_id;short_id"),
            Map.entry("backlog_videos", "id"),
            Map.entry("recipe_samples", "id"),
            Map.entry("credit_transactions", "id;idempotency_key,user_id"),
            Map.entry("user_assets", "asset_id;id"),
            Map.entry("system_assets", "asset_id;id"),
            Map.entry("market_assets", "asset_id;id"),
            Map.entry("component_registry", "component_id;id"),
            Map.entry("component_input_channels", "channel_id,component_id;id"),
            Map.entry("component_output_channels", "channel_id,component_id;id"),
            Map.entry("component_usage", "id"),
            Map.entry("component_dependencies", "component_id,depends_on_component_id;id"));

    /** table → CHECK constraint names (the document names none; these are the design's). */
    private static final Map<String, String> CHECKS = Map.ofEntries(
            Map.entry(
                    "users",
                    "users_access_role_check users_account_type_check users_credits_non_negative users_id_canonical_uuid"),
            Map.entry("tags", "tags_color_hex tags_name_not_blank tags_system_prefix_hidden"),
            Map.entry(
                    "recipes",
                    "recipes_credit_cost_check recipes_generation_type_check recipes_slug_format "
                            + "recipes_usage_count_check recipes_workflow_type_check"),
            Map.entry("recipe_usage", "recipe_usage_usage_count_check"),
            Map.entry("providers", ""),
            Map.entry("provider_credentials", ""),
            Map.entry(
                    "services",
                    "services_cost_per_call_check services_credit_cost_check services_service_type_check "
                            + "services_timeout_seconds_check"),
            Map.entry(
                    "generations",
                    "generations_credits_cost_check generations_media_type_check "
                            + "generations_refund_requires_failure generations_short_id_format generations_status_check"),
            Map.entry("backlog_videos", "backlog_videos_claim_has_time backlog_videos_duration_check"),
            Map.entry("recipe_samples", "recipe_samples_media_type_check"),
            Map.entry(
                    "credit_transactions",
                    "credit_transactions_amount_non_zero credit_transactions_balance_after_check "
                            + "credit_transactions_type_check"),
            Map.entry(
                    "user_assets",
                    "user_assets_asset_type_check user_assets_display_name_not_blank "
                            + "user_assets_duration_check user_assets_file_size_check user_assets_soft_delete_consistent "
                            + "user_assets_source_check user_assets_usage_count_check"),
            Map.entry("system_assets", "system_assets_file_size_check"),
            Map.entry("market_assets", "market_assets_file_size_check"),
            Map.entry(
                    "component_registry",
                    "component_registry_component_id_format component_registry_credit_cost_check "
                            + "component_registry_estimated_processing_time_check"),
            Map.entry("component_input_channels", "component_input_channels_position_check"),
            Map.entry("component_output_channels", ""),
            Map.entry("component_usage", "component_usage_execution_time_check"),
            Map.entry("component_dependencies", "component_dependencies_not_self"));

    /** table → foreign keys as pg_get_constraintdef prints them, separated by " | ". */
    private static final Map<String, String> FOREIGN_KEYS = Map.ofEntries(
            Map.entry("users", "FOREIGN KEY (auth_user_id) REFERENCES auth.users(id) ON DELETE CASCADE"),
            Map.entry("tags", ""),
            Map.entry("recipes", ""),
            Map.entry("recipe_usage", "FOREIGN KEY (recipe_id) REFERENCES delula.recipes(id) ON DELETE CASCADE"),
            Map.entry("providers", ""),
            Map.entry(
                    "provider_credentials",
                    "FOREIGN KEY (provider_id) REFERENCES delula.providers(id) ON DELETE CASCADE"),
            Map.entry("services", "FOREIGN KEY (provider_id) REFERENCES delula.providers(id) ON DELETE CASCADE"),
            Map.entry(
                    "generations",
                    "FOREIGN KEY (recipe_id) REFERENCES delula.recipes(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (service_id) REFERENCES delula.services(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (user_id) REFERENCES delula.users(id) ON DELETE CASCADE"),
            Map.entry(
                    "backlog_videos",
                    "FOREIGN KEY (claimed_by) REFERENCES delula.users(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (generation_id) REFERENCES delula.generations(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (recipe_id) REFERENCES delula.recipes(id) ON DELETE CASCADE"),
            Map.entry(
                    "recipe_samples",
                    "FOREIGN KEY (generation_id) REFERENCES delula.generations(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (recipe_id) REFERENCES delula.recipes(id) ON DELETE CASCADE"),
            Map.entry(
                    "credit_transactions",
                    // SET NULL (V117): a deleted account's ledger rows stay, unnamed (ADR 0020)
                    "FOREIGN KEY (generation_id) REFERENCES delula.generations(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (user_id) REFERENCES delula.users(id) ON DELETE SET NULL"),
            Map.entry(
                    "user_assets",
                    "FOREIGN KEY (generation_id) REFERENCES delula.generations(id) ON DELETE SET NULL"
                            + " | FOREIGN KEY (user_id) REFERENCES delula.users(id) ON DELETE CASCADE"),
            Map.entry("system_assets", ""),
            Map.entry("market_assets", "FOREIGN KEY (creator_id) REFERENCES delula.users(id) ON DELETE CASCADE"),
            Map.entry("component_registry", ""),
            Map.entry(
                    "component_input_channels",
                    "FOREIGN KEY (component_id) REFERENCES delula.component_registry(component_id) "
                            + "ON UPDATE CASCADE ON DELETE CASCADE"),
            Map.entry(
                    "component_output_channels",
                    "FOREIGN KEY (component_id) REFERENCES delula.component_registry(component_id) "
                            + "ON UPDATE CASCADE ON DELETE CASCADE"),
            Map.entry(
                    "component_usage",
                    "FOREIGN KEY (component_id) REFERENCES delula.component_registry(component_id) "
                            + "ON UPDATE CASCADE ON DELETE CASCADE"
                            + " | FOREIGN KEY (user_id) REFERENCES delula.users(id) ON DELETE CASCADE"),
            Map.entry(
                    "component_dependencies",
                    "FOREIGN KEY (component_id) REFERENCES delula.component_registry(component_id) "
                            + "ON UPDATE CASCADE ON DELETE CASCADE"
                            + " | FOREIGN KEY (depends_on_component_id) REFERENCES delula.component_registry(component_id) "
                            + "ON UPDATE CASCADE ON DELETE CASCADE"));

    /** table → triggers. */
    private static final Map<String, String> TRIGGERS = Map.ofEntries(
            Map.entry("users", "guard_user_credits open_credit_account update_users_updated_at"),
            Map.entry("tags", "remove_deleted_tag_from_recipes update_tags_updated_at"),
            Map.entry("recipes", "update_recipes_updated_at validate_recipe_tag_highlights"),
            Map.entry("recipe_usage", ""),
            Map.entry("providers", "update_providers_updated_at"),
            Map.entry("provider_credentials", "update_provider_credentials_updated_at"),
            Map.entry("services", "update_services_updated_at"),
            Map.entry(
                    "generations",
                    // generations_enqueue and generations_forget: the job engine's (V72)
                    "apply_generation_credits enforce_generation_status_flow track_recipe_usage "
                            + "update_generations_updated_at generations_enqueue generations_forget"),
            Map.entry("backlog_videos", "update_backlog_videos_updated_at"),
            Map.entry("recipe_samples", "update_recipe_samples_updated_at"),
            Map.entry(
                    "credit_transactions",
                    "access_check_credit_transaction apply_credit_transaction credit_transactions_append_only "
                            + "credit_transactions_needs_user credit_transactions_no_truncate"),
            Map.entry("user_assets", "soft_delete_user_assets update_user_assets_updated_at"),
            Map.entry("system_assets", "update_system_assets_updated_at"),
            Map.entry("market_assets", "update_market_assets_updated_at"),
            Map.entry("component_registry", "update_component_registry_updated_at"),
            Map.entry("component_input_channels", "update_component_input_channels_updated_at"),
            Map.entry("component_output_channels", "update_component_output_channels_updated_at"),
            Map.entry("component_usage", ""),
            Map.entry("component_dependencies", ""));

    private static final String INDEXES = """
            backlog_videos_pkey idx_backlog_videos_available idx_backlog_videos_claimed_by idx_backlog_videos_generation
            component_dependencies_component_id_depends_on_component_id_key component_dependencies_pkey
            idx_component_dependencies_depends_on
            component_input_channels_component_id_channel_id_key component_input_channels_pkey
            idx_component_input_channels_position
            component_output_channels_component_id_channel_id_key component_output_channels_pkey
            component_registry_component_id_key component_registry_pkey idx_component_registry_category
            idx_component_registry_is_active
            component_usage_pkey idx_component_usage_component_created idx_component_usage_component_success
            idx_component_usage_execution idx_component_usage_user
            credit_transactions_pkey credit_transactions_user_id_idempotency_key_key idx_credit_transactions_generation
            idx_credit_transactions_user_created
            generations_pkey generations_short_id_key generations_user_id_idempotency_key_key idx_generations_hold
            idx_generations_recipe idx_generations_service
            idx_generations_status_active idx_generations_user_created
            idx_market_assets_creator idx_market_assets_public_created market_assets_asset_id_key market_assets_pkey
            provider_credentials_pkey providers_name_key providers_pkey
            idx_recipe_samples_generation idx_recipe_samples_recipe recipe_samples_pkey
            recipe_usage_pkey
            idx_recipes_active_category idx_recipes_tag_highlights recipes_pkey recipes_slug_key
            services_pkey services_provider_id_name_key
            idx_system_assets_system_id system_assets_asset_id_key system_assets_pkey
            idx_tags_is_hidden tags_name_key tags_pkey
            idx_user_assets_deleted_at idx_user_assets_generation idx_user_assets_user_created
            idx_user_assets_user_normalized_name idx_user_assets_user_type user_assets_asset_id_key user_assets_pkey
            idx_user_assets_s3_key
            idx_users_access_role idx_users_last_credit_refresh users_auth_user_id_key users_pkey
            """;

    private static final String FUNCTIONS = """
            apply_credit_transaction apply_generation_credits check_credit_transaction_access
            create_app_user enforce_generation_status_flow generate_short_id guard_user_credits handle_user_asset_delete
            is_admin open_credit_account refresh_daily_credits remove_deleted_tag_from_recipes soft_delete_user_asset
            sync_recipe_usage_counts track_recipe_usage validate_recipe_tag_highlights
            storage_asset_hidden sync_user_asset_from_storage upgrade_app_user
            """;

    private static final String SECURITY_DEFINER_FUNCTIONS = """
            apply_credit_transaction apply_generation_credits generate_short_id is_admin open_credit_account
            refresh_daily_credits remove_deleted_tag_from_recipes soft_delete_user_asset track_recipe_usage
            storage_asset_hidden sync_user_asset_from_storage
            """;

    private static UUID user;
    private static int recipe;
    private static int provider;

    @BeforeAll
    static void fixtures() throws SQLException {
        user = DelulaSql.newIdentity();
        recipe = Integer.parseInt(
                DelulaSql.insert("recipes", Map.of("name", "Conformance", "slug", DelulaSql.unique("conformance"))));
        provider = Integer.parseInt(
                DelulaSql.insert("providers", Map.of("name", DelulaSql.unique("prov"), "display_name", "P")));
        DelulaSql.insert(
                "component_registry",
                Map.of("component_id", "conformance-component", "name", "C", "category", "video"));
    }

    @Test
    void everyTableOfTheDocumentAndTheDesignExists() {
        assertThat(catalog.tables()).containsExactlyInAnyOrderElementsOf(COLUMNS.keySet());
    }

    static Stream<String> tables() {
        return COLUMNS.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void columnsHaveTheirNamesAndTypeFamilies(String table) {
        Map<String, String> expected = new LinkedHashMap<>();
        for (String pair : COLUMNS.get(table).split(" ")) {
            String[] parts = pair.split(":");
            expected.put(parts[0], parts[1]);
        }
        assertThat(catalog.columns(table)).containsExactlyEntriesOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void notNullColumnsAreTheDesigned(String table) {
        assertThat(catalog.notNullColumns(table)).containsExactlyInAnyOrderElementsOf(words(NOT_NULL.get(table)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void uniquesAreTheDesigned(String table) {
        assertThat(catalog.uniqueColumnSets(table))
                .containsExactlyInAnyOrderElementsOf(
                        Arrays.asList(UNIQUES.get(table).split(";")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void checkConstraintsAreTheDesigned(String table) {
        assertThat(catalog.checks(table).keySet()).containsExactlyInAnyOrderElementsOf(words(CHECKS.get(table)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void foreignKeysAreTheDesigned(String table) {
        Set<String> expected = FOREIGN_KEYS.get(table).isEmpty()
                ? Set.of()
                : Arrays.stream(FOREIGN_KEYS.get(table).split(" \\| ")).collect(Collectors.toSet());
        assertThat(catalog.foreignKeys(table)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void triggersAreTheDesigned(String table) {
        assertThat(catalog.triggers(table)).containsExactlyInAnyOrderElementsOf(words(TRIGGERS.get(table)));
    }

    @Test
    void signUpsProvisionDelulaThroughThePlatformsIdentityHook() {
        assertThat(catalog.identityProvisioner()).isEqualTo("delula.create_app_user");
    }

    @Test
    void everyIndexExistsWithItsName() {
        assertThat(catalog.indexes()).containsExactlyInAnyOrderElementsOf(words(INDEXES));
    }

    @Test
    void theDocumentsIndexOnHiddenTagsAndTheDesignedPartialIndexesHaveTheirDefinitions() {
        Map<String, String> defs = catalog.indexDefinitions();
        assertThat(defs.get("idx_tags_is_hidden")).endsWith("ON delula.tags USING btree (is_hidden)");
        assertThat(defs.get("idx_generations_status_active"))
                .contains("(status, created_at)")
                .contains("WHERE")
                .contains("pending")
                .contains("processing");
        assertThat(defs.get("idx_user_assets_user_normalized_name"))
                .contains("(user_id, lower(btrim(display_name)))")
                .contains("WHERE (NOT is_deleted)");
        assertThat(defs.get("idx_recipes_tag_highlights")).contains("USING gin (tag_highlights)");
        assertThat(defs.get("idx_backlog_videos_available")).contains("WHERE (claimed_at IS NULL)");
        assertThat(defs.get("idx_component_input_channels_position")).contains("(component_id, \"position\")");
    }

    @Test
    void theDocumentNamesNoDatabaseEnumsSoThereAreNone() {
        // Account types and access roles are integer constants in the document (user-types.ts,
        // access-roles.ts), held by CHECKs; status, media and workflow types are CHECKed varchars.
        assertThat(catalog.enums()).isEmpty();
    }

    @Test
    void everyFunctionExists() {
        assertThat(catalog.functions()).containsExactlyInAnyOrderElementsOf(words(FUNCTIONS));
    }

    @Test
    void everyFunctionPinsAnEmptySearchPathAndOnlyTheDesignedOnesAreSecurityDefiner() throws SQLException {
        assertThat(DelulaSql.query("select coalesce(string_agg(p.proname, ' '), '') from pg_proc p "
                        + "join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'delula' "
                        + "and not coalesce(p.proconfig @> array['search_path=\"\"'], false)"))
                .isEmpty();
        assertThat(words(DelulaSql.query("select string_agg(p.proname, ' ') from pg_proc p "
                        + "join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'delula' and p.prosecdef")))
                .containsExactlyInAnyOrderElementsOf(words(SECURITY_DEFINER_FUNCTIONS));
        assertThat(DelulaSql.query(
                        "select provolatile::text from pg_proc where oid = 'delula.is_admin()'::regprocedure"))
                .isEqualTo("s");
    }

    @Test
    void theDefaultsTheDocumentGivesAndTheDesignRelieson() {
        assertThat(catalog.defaults("users"))
                .containsEntry("credits", "10")
                .containsEntry("account_type", "3")
                .containsEntry("access_role", "1")
                .containsEntry("last_credit_refresh", "now()");
        assertThat(catalog.defaults("generations"))
                .containsEntry("short_id", "delula.generate_short_id()")
                .containsEntry("status", "'pending'::character varying");
        assertThat(catalog.defaults("tags")).containsEntry("is_hidden", "false").containsEntry("is_active", "true");
        assertThat(catalog.defaults("market_assets"))
                .containsEntry("is_public", "true")
                .containsEntry("creator_id", "(auth.uid())::text");
        assertThat(catalog.defaults("user_assets"))
                .containsEntry("is_deleted", "false")
                .containsEntry("user_tags", "'{}'::text[]");
        assertThat(catalog.defaults("component_registry")).containsEntry("is_active", "true");
        assertThat(catalog.defaults("recipes"))
                .containsEntry("usage_count", "0")
                .containsEntry("tag_highlights", "'{}'::integer[]");
        assertThat(catalog.defaults("recipe_usage")).containsEntry("usage_count", "0");
    }

    @Test
    void usersAuthUserIdIsGeneratedFromTheVarcharId() throws SQLException {
        assertThat(DelulaSql.query("select attgenerated::text from pg_attribute "
                        + "where attrelid = 'delula.users'::regclass and attname = 'auth_user_id'"))
                .isEqualTo("s");
        assertThat(DelulaSql.query("select auth_user_id::text from delula.users where id = '" + user + "'"))
                .isEqualTo(user.toString());
    }

    /** Each case: a valid row, and one column value that must break the named CHECK. */
    static Stream<Arguments> checkViolations() {
        Map<String, String> tagRow = Map.of("name", "$UNIQUE");
        Map<String, String> recipeRow = Map.of("name", "R", "slug", "$SLUG");
        Map<String, String> generationRow = Map.of("user_id", "$USER");
        Map<String, String> assetRow = Map.of(
                "user_id",
                "$USER",
                "display_name",
                "a",
                "s3_key",
                "k",
                "mime_type",
                "image/png",
                "asset_type",
                "image");
        Map<String, String> serviceRow = Map.of(
                "provider_id",
                "$PROVIDER",
                "name",
                "$UNIQUE",
                "display_name",
                "S",
                "service_type",
                "video",
                "endpoint",
                "/v1/run");
        Map<String, String> backlogRow = Map.of("recipe_id", "$RECIPE", "video_url", "https://cdn/v.mp4");
        Map<String, String> sampleRow = Map.of("recipe_id", "$RECIPE", "url", "https://cdn/s.png");
        Map<String, String> ledgerRow = Map.of("user_id", "$USER", "amount", "1", "type", "purchase");
        Map<String, String> systemRow =
                Map.of("system_id", "delula", "asset_id", "$UNIQUE", "name", "n", "url", "u", "mime_type", "image/png");
        Map<String, String> marketRow =
                Map.of("creator_id", "$USER", "asset_id", "$UNIQUE", "name", "n", "url", "u", "mime_type", "image/png");
        Map<String, String> componentRow = Map.of("component_id", "$SLUG", "name", "C", "category", "video");
        Map<String, String> inputRow = Map.of(
                "component_id",
                "conformance-component",
                "channel_id",
                "$UNIQUE",
                "channel_name",
                "in",
                "type",
                "image");
        Map<String, String> usageRow = Map.of("component_id", "conformance-component", "success", "true");
        Map<String, String> dependencyRow = Map.of(
                "component_id",
                "conformance-component",
                "depends_on_component_id",
                "conformance-component",
                "dependency_type",
                "required");
        return Stream.of(
                Arguments.of("users", null, "account_type", "4", "users_account_type_check"),
                Arguments.of("users", null, "access_role", "0", "users_access_role_check"),
                Arguments.of("users", null, "credits", "-1", "users_credits_non_negative"),
                Arguments.of("users", null, "id", "$UPPER_USER", "users_id_canonical_uuid"),
                Arguments.of("tags", tagRow, "name", " ", "tags_name_not_blank"),
                Arguments.of("tags", tagRow, "color", "red", "tags_color_hex"),
                Arguments.of("tags", tagRow, "name", "category:$UNIQUE", "tags_system_prefix_hidden"),
                Arguments.of("tags", tagRow, "name", "workflow:$UNIQUE", "tags_system_prefix_hidden"),
                Arguments.of("recipes", recipeRow, "slug", "Not A Slug", "recipes_slug_format"),
                Arguments.of("recipes", recipeRow, "workflow_type", "audio", "recipes_workflow_type_check"),
                Arguments.of("recipes", recipeRow, "generation_type", "hybrid", "recipes_generation_type_check"),
                Arguments.of("recipes", recipeRow, "credit_cost", "-1", "recipes_credit_cost_check"),
                Arguments.of("recipes", recipeRow, "usage_count", "-1", "recipes_usage_count_check"),
                Arguments.of("services", serviceRow, "service_type", "music", "services_service_type_check"),
                Arguments.of("services", serviceRow, "credit_cost", "-1", "services_credit_cost_check"),
                Arguments.of("services", serviceRow, "cost_per_call", "-0.01", "services_cost_per_call_check"),
                Arguments.of("services", serviceRow, "timeout_seconds", "0", "services_timeout_seconds_check"),
                Arguments.of("generations", generationRow, "status", "refunded", "generations_status_check"),
                Arguments.of("generations", generationRow, "media_type", "audio", "generations_media_type_check"),
                Arguments.of("generations", generationRow, "short_id", "short", "generations_short_id_format"),
                Arguments.of("generations", generationRow, "short_id", "abc/def+ghi", "generations_short_id_format"),
                Arguments.of("generations", generationRow, "credits_cost", "-1", "generations_credits_cost_check"),
                Arguments.of(
                        "generations",
                        generationRow,
                        "refunded_at",
                        "2026-01-01T00:00:00Z",
                        "generations_refund_requires_failure"),
                Arguments.of("backlog_videos", backlogRow, "duration", "-1", "backlog_videos_duration_check"),
                Arguments.of("backlog_videos", backlogRow, "claimed_by", "$USER", "backlog_videos_claim_has_time"),
                Arguments.of("recipe_samples", sampleRow, "media_type", "gif", "recipe_samples_media_type_check"),
                Arguments.of("credit_transactions", ledgerRow, "amount", "0", "credit_transactions_amount_non_zero"),
                Arguments.of("credit_transactions", ledgerRow, "type", "gift", "credit_transactions_type_check"),
                Arguments.of("user_assets", assetRow, "asset_type", "pdf", "user_assets_asset_type_check"),
                Arguments.of("user_assets", assetRow, "source", "market", "user_assets_source_check"),
                Arguments.of("user_assets", assetRow, "display_name", "  ", "user_assets_display_name_not_blank"),
                Arguments.of("user_assets", assetRow, "file_size", "-1", "user_assets_file_size_check"),
                Arguments.of("user_assets", assetRow, "duration", "-1", "user_assets_duration_check"),
                Arguments.of("user_assets", assetRow, "usage_count", "-1", "user_assets_usage_count_check"),
                Arguments.of("user_assets", assetRow, "is_deleted", "true", "user_assets_soft_delete_consistent"),
                Arguments.of(
                        "user_assets",
                        assetRow,
                        "deleted_at",
                        "2026-01-01T00:00:00Z",
                        "user_assets_soft_delete_consistent"),
                Arguments.of("system_assets", systemRow, "file_size", "-1", "system_assets_file_size_check"),
                Arguments.of("market_assets", marketRow, "file_size", "-1", "market_assets_file_size_check"),
                Arguments.of(
                        "component_registry",
                        componentRow,
                        "component_id",
                        "Get Frames",
                        "component_registry_component_id_format"),
                Arguments.of(
                        "component_registry",
                        componentRow,
                        "credit_cost",
                        "-1",
                        "component_registry_credit_cost_check"),
                Arguments.of(
                        "component_registry",
                        componentRow,
                        "estimated_processing_time",
                        "-1",
                        "component_registry_estimated_processing_time_check"),
                Arguments.of(
                        "component_input_channels",
                        inputRow,
                        "position",
                        "-1",
                        "component_input_channels_position_check"),
                Arguments.of(
                        "component_usage", usageRow, "execution_time", "-1", "component_usage_execution_time_check"),
                Arguments.of("component_dependencies", null, null, null, "component_dependencies_not_self"),
                Arguments.of(
                        "recipe_usage",
                        Map.of("recipe_id", "$RECIPE"),
                        "usage_count",
                        "-1",
                        "recipe_usage_usage_count_check"));
    }

    /**
     * Inserts the valid row (proving it is valid), then the same row with the bad value, expecting
     * SQLSTATE 23514 from the named constraint. users rows are updates of the fixture user (its
     * row is made by the sign-up trigger); the dependency case is a self-reference as inserted.
     */
    @ParameterizedTest(name = "{0}.{2} = ''{3}'' breaks {4}")
    @MethodSource("checkViolations")
    void everyCheckRejectsABadRow(
            String table, Map<String, String> validRow, String column, String badValue, String constraint)
            throws SQLException {
        try (Connection owner = DelulaSql.owner()) {
            owner.setAutoCommit(false);
            try {
                if ("users".equals(table)) {
                    String value =
                            "$UPPER_USER".equals(badValue) ? user.toString().toUpperCase() : badValue;
                    String sql = "update delula.users set " + column + " = '" + value + "' where id = '" + user + "'";
                    assertThatThrownBy(() -> {
                                try (var st = owner.createStatement()) {
                                    st.execute(sql);
                                }
                            })
                            .isInstanceOfSatisfying(SQLException.class, e -> {
                                assertThat(e.getSQLState()).isEqualTo("23514");
                                assertThat(e.getMessage()).contains(constraint);
                            });
                    return;
                }
                if (column == null) {
                    assertThatThrownBy(() -> DelulaSql.insert(owner, table, resolve(dependencyRowSelf()), "id"))
                            .isInstanceOfSatisfying(SQLException.class, e -> {
                                assertThat(e.getSQLState()).isEqualTo("23514");
                                assertThat(e.getMessage()).contains(constraint);
                            });
                    return;
                }
                DelulaSql.insert(owner, table, resolve(validRow), "1");
                Map<String, String> bad = new LinkedHashMap<>(resolve(validRow));
                bad.put(column, resolveValue(badValue));
                assertThatThrownBy(() -> DelulaSql.insert(owner, table, bad, "1"))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("23514");
                            assertThat(e.getMessage()).contains(constraint);
                        });
            } finally {
                owner.rollback();
            }
        }
    }

    private static Map<String, String> dependencyRowSelf() {
        return Map.of("component_id", "conformance-component", "depends_on_component_id", "conformance-component");
    }

    private static Map<String, String> resolve(Map<String, String> row) {
        Map<String, String> out = new LinkedHashMap<>();
        row.forEach((k, v) -> out.put(k, resolveValue(v)));
        return out;
    }

    private static String resolveValue(String value) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return switch (value) {
            case "$USER" -> user.toString();
            case "$RECIPE" -> Integer.toString(recipe);
            case "$PROVIDER" -> Integer.toString(provider);
            case "$UNIQUE" -> "u" + suffix;
            case "$SLUG" -> "s-" + suffix;
            default -> value.replace("$UNIQUE", suffix);
        };
    }

    private static Set<String> words(String text) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : text.trim().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }
}
