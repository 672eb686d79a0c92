package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.atelier.testing.LiveCatalog;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The live algorhythmic schema against seeds/algorhythmic.md and the design recorded in
 * docs/apps/algorhythmic.md: tables, columns with their type families, NOT NULLs, defaults,
 * uniques, checks, foreign keys, index names and definitions, functions, triggers and RLS.
 * The document's TIMESTAMP columns are timestamptz by design (see the notes).
 */
class AlgorhythmicSchemaConformanceTest {

    private static final DataSource owner = TestServer.get().ownerPool();
    private static final LiveCatalog catalog = new LiveCatalog(owner, "algorhythmic");

    private static final Set<String> TABLES = Set.of(
            // the document's CREATE TABLEs
            "users",
            "art_sessions",
            "art_preferences",
            "art_votes",
            "credit_ledger",
            "user_credits",
            "rai_sessions",
            "telemetry_events",
            "generation_jobs",
            "dna_genomes",
            // named by its diagram
            "user_art_impressions",
            "sessions",
            // its subscription tiers, as data
            "subscription_tiers");

    @Test
    void everyTableOfTheDocumentExistsAndNothingElse() {
        assertThat(catalog.tables()).containsExactlyInAnyOrderElementsOf(TABLES);
    }

    static Stream<Arguments> columns() {
        return Stream.of(
                Arguments.of(
                        "users",
                        columns(
                                "id",
                                "text",
                                "email",
                                "text",
                                "first_name",
                                "text",
                                "last_name",
                                "text",
                                "profile_image_url",
                                "text",
                                "subscription_tier",
                                "text",
                                "stripe_customer_id",
                                "text",
                                "stripe_subscription_id",
                                "text",
                                "is_active",
                                "boolean",
                                "preferred_orientation",
                                "text",
                                "controller_state",
                                "text",
                                "created_at",
                                "timestamptz",
                                "updated_at",
                                "timestamptz",
                                // designed
                                "role",
                                "text",
                                "auth_user_id",
                                "uuid")),
                Arguments.of(
                        "art_sessions",
                        columns(
                                "id",
                                "text",
                                "session_id",
                                "text",
                                "user_id",
                                "text",
                                "image_url",
                                "text",
                                "prompt",
                                "text",
                                "dna_vector",
                                "text",
                                "audio_features",
                                "text",
                                "music_track",
                                "text",
                                "music_artist",
                                "text",
                                "music_genre",
                                "text",
                                "music_album",
                                "text",
                                "generation_explanation",
                                "text",
                                "is_saved",
                                "boolean",
                                "motifs",
                                "text[]",
                                "quality_score",
                                "integer",
                                "perceptual_hash",
                                "text",
                                "pool_status",
                                "text",
                                "last_used_at",
                                "timestamptz",
                                "styles",
                                "text[]",
                                "artists",
                                "text[]",
                                "is_library",
                                "boolean",
                                "orientation",
                                "text",
                                "aspect_ratio",
                                "text",
                                "catalogue_tier",
                                "text",
                                "width",
                                "integer",
                                "height",
                                "integer",
                                "safe_area",
                                "text",
                                "focal_points",
                                "text",
                                "sidefill_palette",
                                "text",
                                "created_at",
                                "timestamptz",
                                // named by the document's "Session State Cache" section
                                "metadata",
                                "text")),
                Arguments.of(
                        "art_preferences",
                        columns(
                                "id",
                                "text",
                                "session_id",
                                "text",
                                "styles",
                                "text[]",
                                "artists",
                                "text[]",
                                "dynamic_mode",
                                "boolean",
                                "created_at",
                                "timestamptz")),
                Arguments.of(
                        "art_votes",
                        columns(
                                "id",
                                "text",
                                "session_id",
                                "text",
                                "art_prompt",
                                "text",
                                "vote",
                                "integer",
                                "audio_characteristics",
                                "text",
                                "created_at",
                                "timestamptz",
                                // designed (diagram: users ||--o{ art_votes)
                                "user_id",
                                "text")),
                Arguments.of(
                        "credit_ledger",
                        columns(
                                "id",
                                "text",
                                "user_id",
                                "text",
                                "event_type",
                                "text",
                                "amount",
                                "integer",
                                "balance_after",
                                "integer",
                                "description",
                                "text",
                                "metadata",
                                "text",
                                "idempotency_key",
                                "text",
                                "created_at",
                                "timestamptz")),
                Arguments.of(
                        "user_credits",
                        columns(
                                "user_id",
                                "text",
                                "balance",
                                "integer",
                                "rollover_balance",
                                "integer",
                                "base_quota",
                                "integer",
                                "billing_cycle_start",
                                "timestamptz",
                                "billing_cycle_end",
                                "timestamptz",
                                "timezone",
                                "text",
                                "last_updated",
                                "timestamptz")),
                Arguments.of(
                        "rai_sessions",
                        columns(
                                "id",
                                "text",
                                "user_id",
                                "text",
                                "client_session_id",
                                "text",
                                "platform",
                                "text",
                                "screen_size",
                                "text",
                                "started_at",
                                "timestamptz",
                                "ended_at",
                                "timestamptz",
                                "total_frames_displayed",
                                "integer",
                                "total_interactions",
                                "integer")),
                Arguments.of(
                        "telemetry_events",
                        columns(
                                "id",
                                "text",
                                "session_id",
                                "text",
                                "user_id",
                                "text",
                                "event_type",
                                "text",
                                "event_data",
                                "text",
                                "audio_features",
                                "text",
                                "visual_state",
                                "text",
                                "timestamp",
                                "timestamptz")),
                Arguments.of(
                        "generation_jobs",
                        columns(
                                "id",
                                "text",
                                "user_id",
                                "text",
                                "session_id",
                                "text",
                                "prompt",
                                "text",
                                "status",
                                "text",
                                "started_at",
                                "timestamptz",
                                "completed_at",
                                "timestamptz",
                                "error_message",
                                "text",
                                "retry_count",
                                "integer",
                                "idempotency_key",
                                "text",
                                "metadata",
                                "text",
                                "created_at",
                                "timestamptz")),
                Arguments.of(
                        "dna_genomes",
                        columns(
                                "id",
                                "text",
                                "artwork_id",
                                "text",
                                "parent_genome_ids",
                                "text[]",
                                "generation",
                                "integer",
                                "dna_vector",
                                "text",
                                "visual_traits",
                                "text",
                                "audio_reactivity",
                                "text",
                                "fitness_score",
                                "integer",
                                "impression_count",
                                "integer",
                                "like_count",
                                "integer",
                                "skip_count",
                                "integer",
                                "avg_view_duration",
                                "integer",
                                "created_at",
                                "timestamptz",
                                "last_evaluated",
                                "timestamptz")),
                // designed tables
                Arguments.of(
                        "sessions",
                        columns(
                                "id",
                                "text",
                                "user_id",
                                "text",
                                "created_at",
                                "timestamptz",
                                "last_active_at",
                                "timestamptz")),
                Arguments.of(
                        "user_art_impressions",
                        columns(
                                "id",
                                "text",
                                "user_id",
                                "text",
                                "artwork_id",
                                "text",
                                "session_id",
                                "text",
                                "view_duration",
                                "integer",
                                "skipped",
                                "boolean",
                                "created_at",
                                "timestamptz")),
                Arguments.of(
                        "subscription_tiers",
                        columns(
                                "tier",
                                "text",
                                "display_name",
                                "text",
                                "monthly_credits",
                                "integer",
                                "price",
                                "numeric",
                                "currency",
                                "text",
                                "is_business",
                                "boolean",
                                "stripe_price_id",
                                "text",
                                "sort_order",
                                "integer",
                                "is_active",
                                "boolean",
                                "created_at",
                                "timestamptz",
                                "updated_at",
                                "timestamptz",
                                "rollover_cap", // V56: the rollover cap per tier
                                "integer")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("columns")
    void everyColumnWithItsTypeFamily(String table, Map<String, String> expected) {
        assertThat(catalog.columns(table)).containsExactlyInAnyOrderEntriesOf(expected);
    }

    static Stream<Arguments> notNullColumns() {
        return Stream.of(
                Arguments.of("users", Set.of("id", "role", "auth_user_id")),
                Arguments.of("art_sessions", Set.of("id", "session_id", "image_url", "prompt")),
                Arguments.of("art_preferences", Set.of("id", "session_id")),
                Arguments.of("art_votes", Set.of("id", "session_id", "art_prompt", "vote", "user_id")),
                // user_id: NULL only once its account is deleted (V117; credit_ledger_needs_user on INSERT)
                Arguments.of("credit_ledger", Set.of("id", "event_type", "amount", "balance_after")),
                Arguments.of("user_credits", Set.of("user_id", "billing_cycle_start", "billing_cycle_end")),
                Arguments.of("rai_sessions", Set.of("id", "client_session_id")),
                Arguments.of("telemetry_events", Set.of("id", "event_type", "event_data")),
                Arguments.of("generation_jobs", Set.of("id", "prompt")),
                Arguments.of("dna_genomes", Set.of("id", "dna_vector", "visual_traits")),
                Arguments.of("sessions", Set.of("id", "user_id")),
                Arguments.of("user_art_impressions", Set.of("id", "user_id", "artwork_id", "skipped")),
                Arguments.of(
                        "subscription_tiers",
                        Set.of(
                                "tier",
                                "display_name",
                                "monthly_credits",
                                "price",
                                "currency",
                                "is_business",
                                "sort_order",
                                "is_active",
                                "created_at",
                                "updated_at")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notNullColumns")
    void notNullExactlyWhereTheDocumentOrTheDesignSaysSo(String table, Set<String> expected) {
        assertThat(catalog.notNullColumns(table)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void defaultsOfTheDocument() {
        assertThat(catalog.defaults("users"))
                .contains(
                        entry("subscription_tier", "'free'::text"),
                        entry("is_active", "true"),
                        entry("role", "'user'::character varying"));
        assertThat(catalog.defaults("users").get("id")).contains("gen_random_uuid()");
        assertThat(catalog.defaults("art_sessions"))
                .contains(
                        entry("is_saved", "false"),
                        entry("motifs", "'{}'::text[]"),
                        entry("quality_score", "50"),
                        entry("pool_status", "'active'::character varying"),
                        entry("styles", "'{}'::text[]"),
                        entry("artists", "'{}'::text[]"),
                        entry("is_library", "false"),
                        entry("created_at", "now()"));
        assertThat(catalog.defaults("art_preferences"))
                .contains(
                        entry("styles", "'{}'::text[]"),
                        entry("artists", "'{}'::text[]"),
                        entry("dynamic_mode", "false"));
        assertThat(catalog.defaults("user_credits"))
                .contains(
                        entry("balance", "0"),
                        entry("rollover_balance", "0"),
                        entry("base_quota", "100"),
                        entry("timezone", "'UTC'::character varying"),
                        entry("last_updated", "now()"));
        assertThat(catalog.defaults("rai_sessions"))
                .contains(
                        entry("started_at", "now()"),
                        entry("total_frames_displayed", "0"),
                        entry("total_interactions", "0"));
        assertThat(catalog.defaults("telemetry_events")).contains(entry("timestamp", "now()"));
        assertThat(catalog.defaults("generation_jobs"))
                .contains(entry("status", "'pending'::character varying"), entry("retry_count", "0"));
        assertThat(catalog.defaults("dna_genomes"))
                .contains(
                        entry("generation", "0"),
                        entry("impression_count", "0"),
                        entry("like_count", "0"),
                        entry("skip_count", "0"));
        // Designed: a client need not send its own user id.
        for (String table : List.of("sessions", "art_votes", "user_art_impressions")) {
            assertThat(catalog.defaults(table).get("user_id")).as(table).isEqualTo("(auth.uid())::text");
        }
        for (String table : TABLES) {
            if (!table.equals("user_credits") && !table.equals("subscription_tiers")) {
                assertThat(catalog.defaults(table).get("id")).as(table + ".id").contains("gen_random_uuid()");
            }
        }
    }

    @Test
    void uniques() {
        assertThat(catalog.uniqueColumnSets("users")).containsExactlyInAnyOrder("id", "email", "auth_user_id");
        assertThat(catalog.uniqueColumnSets("credit_ledger")).containsExactlyInAnyOrder("id", "idempotency_key");
        assertThat(catalog.uniqueColumnSets("generation_jobs")).containsExactlyInAnyOrder("id", "idempotency_key");
        assertThat(catalog.uniqueColumnSets("user_credits")).containsExactly("user_id");
        assertThat(catalog.uniqueColumnSets("subscription_tiers")).containsExactlyInAnyOrder("tier", "stripe_price_id");
        for (String table : List.of(
                "art_sessions",
                "art_preferences",
                "art_votes",
                "rai_sessions",
                "telemetry_events",
                "dna_genomes",
                "sessions",
                "user_art_impressions")) {
            assertThat(catalog.uniqueColumnSets(table)).as(table).containsExactly("id");
        }
    }

    static Stream<Arguments> checks() {
        return Stream.of(
                Arguments.of(
                        "users",
                        Set.of("users_preferred_orientation_check", "users_role_check", "users_id_canonical_uuid")),
                Arguments.of(
                        "art_sessions",
                        Set.of(
                                "art_sessions_quality_score_check",
                                "art_sessions_pool_status_check",
                                "art_sessions_orientation_check",
                                "art_sessions_width_check",
                                "art_sessions_height_check")),
                Arguments.of("art_preferences", Set.of()),
                Arguments.of("art_votes", Set.of("art_votes_vote_check")),
                Arguments.of(
                        "credit_ledger",
                        Set.of(
                                "credit_ledger_event_type_check",
                                "credit_ledger_balance_after_check",
                                "credit_ledger_amount_sign")),
                Arguments.of(
                        "user_credits",
                        Set.of(
                                "user_credits_balance_check",
                                "user_credits_rollover_balance_check",
                                "user_credits_base_quota_check",
                                "user_credits_billing_cycle_order")),
                Arguments.of(
                        "rai_sessions",
                        Set.of(
                                "rai_sessions_total_frames_displayed_check",
                                "rai_sessions_total_interactions_check",
                                "rai_sessions_ended_after_started")),
                Arguments.of("telemetry_events", Set.of()),
                Arguments.of(
                        "generation_jobs", Set.of("generation_jobs_status_check", "generation_jobs_retry_count_check")),
                Arguments.of(
                        "dna_genomes",
                        Set.of(
                                "dna_genomes_generation_check",
                                "dna_genomes_impression_count_check",
                                "dna_genomes_like_count_check",
                                "dna_genomes_skip_count_check",
                                "dna_genomes_avg_view_duration_check")),
                Arguments.of("sessions", Set.of()),
                Arguments.of("user_art_impressions", Set.of("user_art_impressions_view_duration_check")),
                Arguments.of(
                        "subscription_tiers",
                        Set.of(
                                "subscription_tiers_monthly_credits_check",
                                "subscription_tiers_price_check",
                                "subscription_tiers_currency_check",
                                "subscription_tiers_rollover_cap_check")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void checksByName(String table, Set<String> expected) {
        assertThat(catalog.checks(table).keySet()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void theValueListsOfTheDocumentAreTheChecksValueLists() {
        assertThat(catalog.checks("credit_ledger").get("credit_ledger_event_type_check"))
                .contains("'grant'", "'deduct'", "'refund'", "'rollover'", "'decay'", "'admin_adjustment'");
        assertThat(catalog.checks("generation_jobs").get("generation_jobs_status_check"))
                .contains("'pending'", "'generating'", "'completed'", "'failed'", "'timeout'");
        assertThat(catalog.checks("users").get("users_preferred_orientation_check"))
                .contains("'portrait'", "'landscape'", "'both'");
        assertThat(catalog.checks("art_votes").get("art_votes_vote_check")).contains("1", "'-1'");
    }

    @Test
    void foreignKeys() {
        assertThat(catalog.foreignKeys("users"))
                .containsExactlyInAnyOrder(
                        "FOREIGN KEY (auth_user_id) REFERENCES auth.users(id) ON DELETE CASCADE",
                        "FOREIGN KEY (subscription_tier) REFERENCES algorhythmic.subscription_tiers(tier) ON UPDATE CASCADE");
        String toUsers = "FOREIGN KEY (user_id) REFERENCES algorhythmic.users(id) ON DELETE CASCADE";
        for (String table :
                List.of("art_sessions", "art_votes", "user_credits", "rai_sessions", "generation_jobs", "sessions")) {
            assertThat(catalog.foreignKeys(table)).as(table).containsExactly(toUsers);
        }
        // The ledger keeps a deleted account's rows, unnamed (V117, ADR 0020).
        assertThat(catalog.foreignKeys("credit_ledger"))
                .containsExactly("FOREIGN KEY (user_id) REFERENCES algorhythmic.users(id) ON DELETE SET NULL");
        assertThat(catalog.foreignKeys("art_preferences"))
                .containsExactly("FOREIGN KEY (session_id) REFERENCES algorhythmic.sessions(id) ON DELETE CASCADE");
        assertThat(catalog.foreignKeys("telemetry_events"))
                .containsExactlyInAnyOrder(
                        toUsers, "FOREIGN KEY (session_id) REFERENCES algorhythmic.rai_sessions(id) ON DELETE CASCADE");
        assertThat(catalog.foreignKeys("dna_genomes"))
                .containsExactly("FOREIGN KEY (artwork_id) REFERENCES algorhythmic.art_sessions(id) ON DELETE CASCADE");
        assertThat(catalog.foreignKeys("user_art_impressions"))
                .containsExactlyInAnyOrder(
                        toUsers, "FOREIGN KEY (artwork_id) REFERENCES algorhythmic.art_sessions(id) ON DELETE CASCADE");
        assertThat(catalog.foreignKeys("subscription_tiers")).isEmpty();
    }

    @Test
    void everyIndexNameOfTheDocumentAndOfTheDesign() {
        Set<String> documented = Set.of(
                "users_email_idx",
                "art_sessions_session_id_idx",
                "art_sessions_user_id_idx",
                "art_sessions_quality_score_idx",
                "art_sessions_is_library_idx",
                "art_sessions_orientation_idx",
                "art_sessions_styles_idx",
                "art_preferences_session_id_idx",
                "art_votes_session_id_idx",
                "credit_ledger_user_id_idx",
                "credit_ledger_created_at_idx",
                "credit_ledger_event_type_idx",
                "credit_ledger_idempotency_idx",
                "credit_ledger_user_created_idx",
                "user_credits_billing_cycle_end_idx",
                "rai_sessions_user_id_idx",
                "rai_sessions_client_session_id_idx",
                "telemetry_events_session_id_idx",
                "telemetry_events_event_type_idx",
                "telemetry_events_timestamp_idx",
                "telemetry_events_user_id_idx",
                "generation_jobs_user_id_idx",
                "generation_jobs_session_id_idx",
                "generation_jobs_status_idx",
                "generation_jobs_idempotency_idx",
                "dna_genomes_artwork_id_idx",
                "dna_genomes_generation_idx",
                "dna_genomes_fitness_score_idx");
        Set<String> designed = Set.of(
                "users_auth_user_id_idx",
                "users_subscription_tier_idx",
                "users_stripe_customer_id_idx",
                "art_sessions_feed_idx",
                "art_sessions_user_feed_idx",
                "art_votes_user_id_idx",
                "sessions_user_id_idx",
                "user_art_impressions_user_artwork_idx",
                "user_art_impressions_artwork_id_idx",
                "generation_jobs_active_idx",
                "subscription_tiers_stripe_price_id_key");
        Set<String> primaryKeys = Set.of(
                "users_pkey",
                "art_sessions_pkey",
                "art_preferences_pkey",
                "art_votes_pkey",
                "credit_ledger_pkey",
                "user_credits_pkey",
                "rai_sessions_pkey",
                "telemetry_events_pkey",
                "generation_jobs_pkey",
                "dna_genomes_pkey",
                "sessions_pkey",
                "user_art_impressions_pkey",
                "subscription_tiers_pkey");
        Set<String> all = new java.util.HashSet<>(documented);
        all.addAll(designed);
        all.addAll(primaryKeys);
        assertThat(catalog.indexes()).containsExactlyInAnyOrderElementsOf(all);
    }

    @Test
    void indexDefinitions() {
        Map<String, String> defs = catalog.indexDefinitions();
        assertThat(defs.get("art_sessions_styles_idx")).contains("USING gin (styles)");
        assertThat(defs.get("users_email_idx"))
                .startsWith("CREATE UNIQUE INDEX")
                .contains("(email)");
        assertThat(defs.get("credit_ledger_idempotency_idx"))
                .startsWith("CREATE UNIQUE INDEX")
                .contains("(idempotency_key)");
        assertThat(defs.get("generation_jobs_idempotency_idx"))
                .startsWith("CREATE UNIQUE INDEX")
                .contains("(idempotency_key)");
        assertThat(defs.get("credit_ledger_user_created_idx")).contains("(user_id, created_at)");
        assertThat(defs.get("telemetry_events_timestamp_idx")).contains("(\"timestamp\")");
        // The feed's partial indexes (the document's "Partial indexes for filtered queries").
        assertThat(defs.get("art_sessions_feed_idx"))
                .contains("btree (quality_score DESC, created_at DESC)")
                .contains("WHERE (is_library = false)");
        assertThat(defs.get("art_sessions_user_feed_idx"))
                .contains("btree (user_id, quality_score DESC, created_at DESC)")
                .contains("WHERE (is_library = false)");
        assertThat(defs.get("generation_jobs_active_idx"))
                .contains("(created_at)")
                .contains("'pending'", "'generating'");
    }

    @Test
    void theDocumentDefinesNoEnumTypes() {
        // Its value lists are comments on VARCHAR columns; they are CHECKs (see the checks above).
        assertThat(catalog.enums()).isEmpty();
    }

    @Test
    void everyFunction() {
        assertThat(catalog.functions())
                .containsExactlyInAnyOrder(
                        "create_app_user",
                        // the document's retention policies, run daily by the job engine (V73)
                        "apply_retention",
                        "is_admin",
                        // the credits on the platform's ledger engine (V55, V56, V58)
                        "apply_credit_ledger_entry",
                        "apply_stripe_event",
                        "change_subscription_tier",
                        "credit_cycle_end",
                        "credit_cycle_key",
                        "open_credit_account",
                        "roll_credit_cycle",
                        "roll_due_credit_cycles",
                        "set_credit_timezone");
    }

    @Test
    void functionsPinAnEmptySearchPathAndDefinerRightsOnlyWhereNeeded() throws SQLException {
        Map<String, String> attributes = new TreeMap<>();
        try (Connection c = owner.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "select p.proname, p.prosecdef::text || ' ' || p.provolatile::text || ' ' || array_to_string(p.proconfig, ',') "
                                + "from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'algorhythmic'")) {
            while (rs.next()) {
                attributes.put(rs.getString(1), rs.getString(2));
            }
        }
        assertThat(attributes)
                .containsExactly(
                        entry("apply_credit_ledger_entry", "true v search_path=\"\""),
                        entry("apply_retention", "false v search_path=\"\""),
                        entry("apply_stripe_event", "true v search_path=\"\""),
                        entry("change_subscription_tier", "true v search_path=\"\""),
                        entry("create_app_user", "false v search_path=\"\""),
                        entry("credit_cycle_end", "false s search_path=\"\""),
                        entry("credit_cycle_key", "false i search_path=\"\""),
                        entry("is_admin", "true s search_path=\"\""),
                        entry("open_credit_account", "false v search_path=\"\""),
                        entry("roll_credit_cycle", "true v search_path=\"\""),
                        entry("roll_due_credit_cycles", "true v search_path=\"\""),
                        entry("set_credit_timezone", "true v search_path=\"\""));
    }

    @Test
    void everyTrigger() {
        assertThat(catalog.triggers("users")).containsExactly("update_users_updated_at");
        assertThat(catalog.triggers("subscription_tiers")).containsExactly("update_subscription_tiers_updated_at");
        assertThat(catalog.triggers("user_credits")).containsExactly("update_user_credits_last_updated");
        assertThat(catalog.triggers("credit_ledger"))
                .containsExactlyInAnyOrder(
                        "apply_credit_ledger_entry",
                        "credit_ledger_append_only",
                        "credit_ledger_needs_user",
                        "credit_ledger_no_truncate");
        assertThat(catalog.identityProvisioner()).isEqualTo("algorhythmic.create_app_user");
        // The job engine's (V72): a pending row is a job, a deleted row takes its job along.
        assertThat(catalog.triggers("generation_jobs"))
                .containsExactlyInAnyOrder("generation_jobs_enqueue", "generation_jobs_forget");
        for (String table : List.of(
                "art_sessions",
                "art_preferences",
                "art_votes",
                "rai_sessions",
                "telemetry_events",
                "dna_genomes",
                "sessions",
                "user_art_impressions")) {
            assertThat(catalog.triggers(table)).as(table).isEmpty();
        }
    }

    @Test
    void theSubscriptionTiersOfTheDocumentAreData() throws SQLException {
        Map<String, String> tiers = new LinkedHashMap<>();
        try (Connection c = owner.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "select tier, monthly_credits || ' ' || price || ' ' || currency from algorhythmic.subscription_tiers "
                                + "where tier in ('free', 'premium', 'ultimate', 'enthusiast', 'business_basic', 'business_premium') "
                                + "order by sort_order")) {
            while (rs.next()) {
                tiers.put(rs.getString(1), rs.getString(2));
            }
        }
        assertThat(tiers)
                .containsExactly(
                        entry("free", "100 0.00 USD"),
                        entry("premium", "1000 10.00 USD"),
                        entry("ultimate", "3000 30.00 USD"),
                        entry("enthusiast", "10000 50.00 USD"),
                        entry("business_basic", "5000 100.00 USD"),
                        entry("business_premium", "20000 300.00 USD"));
    }

    private static Map<String, String> columns(String... nameTypePairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            map.put(nameTypePairs[i], nameTypePairs[i + 1]);
        }
        return map;
    }
}
