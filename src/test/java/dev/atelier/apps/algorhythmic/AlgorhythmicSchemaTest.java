package dev.atelier.apps.algorhythmic;

import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static dev.atelier.testing.OwnerSql.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Algorhythmic schema as the database enforces it, with SQL underneath the API: the sign-up
 * trigger, the admin role, who appends to the ledger, every CHECK, the rows each role reaches, and
 * the feed's partial index. The updated-at triggers and the append-only guard are the platform's
 * (CatalogRulesTest).
 */
class AlgorhythmicSchemaTest {

    private static final TestServer server = TestServer.get();
    private static UUID userA;
    private static UUID userB;
    private static UUID admin;
    private static String artA;
    private static String artB;
    private static String libraryArt;
    private static String retiredLibraryArt;
    private static String sessionA;

    /**
     * The identities made without their credit account (below) leave a ledger that no balance row
     * matches: gone with them (the cascade takes their ledger), so that the reconcile of a later
     * test class in this JVM sees only its own drift.
     */
    @AfterAll
    static void forgetFreshIdentities() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            exec(owner, "delete from auth.users where email like 'fresh-%@example.test'");
        }
    }

    @BeforeAll
    static void fixtures() throws SQLException {
        userA = server.newUser().id();
        userB = server.newUser().id();
        admin = server.newUser().id();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            exec(owner, "update algorhythmic.users set role = 'admin' where id = '" + admin + "'");
            artA = insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of(
                            "session_id",
                            "s-a",
                            "user_id",
                            userA.toString(),
                            "image_url",
                            "https://cdn/a.png",
                            "prompt",
                            "neon cubes",
                            "styles",
                            "{cubism,noir}",
                            "quality_score",
                            "90"));
            artB = insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of(
                            "session_id",
                            "s-b",
                            "user_id",
                            userB.toString(),
                            "image_url",
                            "https://cdn/b.png",
                            "prompt",
                            "rain",
                            "styles",
                            "{cubism}",
                            "quality_score",
                            "80"));
            libraryArt = insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of(
                            "session_id",
                            "library",
                            "image_url",
                            "https://cdn/library/1.png",
                            "prompt",
                            "dawn",
                            "styles",
                            "{impressionism}",
                            "is_library",
                            "true"));
            retiredLibraryArt = insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of(
                            "session_id",
                            "library",
                            "image_url",
                            "https://cdn/library/2.png",
                            "prompt",
                            "dusk",
                            "is_library",
                            "true",
                            "pool_status",
                            "retired"));
            sessionA = insert(owner, "algorhythmic.sessions", Map.of("user_id", userA.toString()));
            insert(
                    owner,
                    "algorhythmic.credit_ledger",
                    Map.of(
                            "user_id",
                            userA.toString(),
                            "event_type",
                            "grant",
                            "amount",
                            "100",
                            "balance_after",
                            "100",
                            "idempotency_key",
                            "fixture-" + UUID.randomUUID()));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Identities
    // ---------------------------------------------------------------------------------------------

    @Test
    void signingUpCreatesTheAppUserRowWithTheIdentitysIdAsText() throws SQLException {
        UUID id = server.newUser().id();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(queryString(
                            owner,
                            "select id || ' ' || role || ' ' || subscription_tier || ' ' || auth_user_id "
                                    + "from algorhythmic.users where id = '" + id + "'"))
                    .isEqualTo(id + " user free " + id);
            assertThat(queryString(
                            owner,
                            "select email = (select email from auth.users where id = '" + id + "') "
                                    + "from algorhythmic.users where id = '" + id + "'"))
                    .isEqualTo("t");
        }
    }

    @Test
    void signUpMetadataFillsTheProfile() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            String id = queryString(
                    owner,
                    "insert into auth.users (email, raw_user_meta_data) values ('meta-"
                            + UUID.randomUUID()
                            + "@example.test', '{\"first_name\":\"Ada\",\"last_name\":\"L\",\"avatar_url\":\"https://x/a.png\"}') "
                            + "returning id");
            assertThat(queryString(
                            owner,
                            "select first_name || ' ' || last_name || ' ' || profile_image_url "
                                    + "from algorhythmic.users where id = '" + id + "'"))
                    .isEqualTo("Ada L https://x/a.png");
            // Metadata that is not an object is ignored, never an error.
            String other = queryString(
                    owner,
                    "insert into auth.users (email, raw_user_meta_data) values ('meta-" + UUID.randomUUID()
                            + "@example.test', '[1, 2]') returning id");
            assertThat(queryString(
                            owner,
                            "select count(*) from algorhythmic.users where id = '" + other
                                    + "' and first_name is null"))
                    .isEqualTo("1");
        }
    }

    @Test
    void aSignUpWhoseEmailIsAlreadyTakenHereStillSucceeds() throws SQLException {
        String email = "taken-" + UUID.randomUUID() + "@example.test";
        try (Connection owner = server.ownerDataSource().getConnection()) {
            // The service role set another account's app e-mail to the address someone now signs up with.
            exec(owner, "update algorhythmic.users set email = '" + email + "' where id = '" + userB + "'");
            try {
                String id = queryString(owner, "insert into auth.users (email) values ('" + email + "') returning id");
                assertThat(queryString(
                                owner,
                                "select coalesce(email, 'none') from algorhythmic.users where id = '" + id + "'"))
                        .isEqualTo("none");
            } finally {
                exec(
                        owner,
                        "update algorhythmic.users set email = (select email from auth.users where id = '" + userB
                                + "') where id = '" + userB + "'");
            }
        }
    }

    @Test
    void deletingTheAccountRemovesItsAppDataLedgerIncluded() throws SQLException {
        UUID gone = server.newUser().id();
        try (Connection owner = server.ownerDataSource().getConnection()) {
            insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of("session_id", "s", "user_id", gone.toString(), "image_url", "u", "prompt", "p"));
            insert(
                    owner,
                    "algorhythmic.credit_ledger",
                    Map.of("user_id", gone.toString(), "event_type", "grant", "amount", "5", "balance_after", "5"));
            insert(owner, "algorhythmic.rai_sessions", Map.of("user_id", gone.toString(), "client_session_id", "c"));
            // A finished job: a pending one would start at once, and the engine's claim would race this delete.
            insert(
                    owner,
                    "algorhythmic.generation_jobs",
                    Map.of("user_id", gone.toString(), "prompt", "p", "status", "completed"));
            exec(owner, "delete from auth.users where id = '" + gone + "'");
            assertThat(queryString(
                            owner,
                            "select (select count(*) from algorhythmic.users where id = '" + gone + "') "
                                    + "+ (select count(*) from algorhythmic.art_sessions where user_id = '" + gone
                                    + "') "
                                    + "+ (select count(*) from algorhythmic.credit_ledger where user_id = '" + gone
                                    + "') "
                                    + "+ (select count(*) from algorhythmic.rai_sessions where user_id = '" + gone
                                    + "') "
                                    + "+ (select count(*) from algorhythmic.generation_jobs where user_id = '" + gone
                                    + "')"))
                    .isEqualTo("0");
        }
    }

    @Test
    void anAppUserIdMustBeAnIdentitysCanonicalUuid() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThatThrownBy(() ->
                            exec(owner, "insert into algorhythmic.users (id) values ('" + UUID.randomUUID() + "')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23503"));
            UUID identity = server.newUser().id();
            exec(owner, "delete from algorhythmic.users where id = '" + identity + "'");
            assertThatThrownBy(() -> exec(
                            owner,
                            "insert into algorhythmic.users (id) values ('"
                                    + identity.toString().toUpperCase() + "')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23514");
                        assertThat(e.getMessage()).contains("users_id_canonical_uuid");
                    });
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    @Test
    void isAdminIsTrueOnlyForTheAdminRole() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            assertThat(asUserQuery(conn, admin, "select algorhythmic.is_admin()::text"))
                    .containsExactly("true");
            assertThat(asUserQuery(conn, userA, "select algorhythmic.is_admin()::text"))
                    .containsExactly("false");
            assertThat(asRoleQuery(conn, "anon", "select algorhythmic.is_admin()::text"))
                    .containsExactly("false");
        }
    }

    @Test
    void aUserCannotMakeThemselvesAdminNorChangeTheirTierButCanEditTheirProfile() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            for (String sql : List.of(
                    "update algorhythmic.users set role = 'admin' where id = '" + userA + "'",
                    "update algorhythmic.users set subscription_tier = 'business_premium' where id = '" + userA + "'",
                    "update algorhythmic.users set controller_state = '{}' where id = '" + userA + "'",
                    "insert into algorhythmic.users (id) values ('" + userA + "')")) {
                assertThatThrownBy(() -> asUser(conn, userA, sql))
                        .as(sql)
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
            asUser(
                    conn,
                    userA,
                    "update algorhythmic.users set first_name = 'Ana', preferred_orientation = 'portrait' "
                            + "where id = '" + userA + "'");
            assertThat(queryString(
                            conn, "select role || first_name from algorhythmic.users where id = '" + userA + "'"))
                    .isEqualTo("userAna");
        }
    }

    @Test
    void onlyTheAdminWritesSubscriptionTiers() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            assertThat(asUserUpdateCount(
                            conn,
                            userA,
                            "update algorhythmic.subscription_tiers set monthly_credits = 999999 where tier = 'free'"))
                    .isZero();
            assertThatThrownBy(() -> asUser(
                            conn,
                            userA,
                            "insert into algorhythmic.subscription_tiers "
                                    + "(tier, display_name, monthly_credits, price) values ('hack', 'Hack', 1, 0)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            String tier = "promo_" + UUID.randomUUID().toString().substring(0, 8);
            asUser(
                    conn,
                    admin,
                    "insert into algorhythmic.subscription_tiers (tier, display_name, monthly_credits, price) "
                            + "values ('" + tier + "', 'Promo', 50, 1.99)");
            assertThat(asUserUpdateCount(
                            conn,
                            admin,
                            "update algorhythmic.subscription_tiers set monthly_credits = 60 where tier = '" + tier
                                    + "'"))
                    .isEqualTo(1);
            assertThat(queryString(
                            conn,
                            "select monthly_credits || ' ' || (updated_at > created_at) "
                                    + "from algorhythmic.subscription_tiers where tier = '" + tier + "'"))
                    .isEqualTo("60 true");
            exec(conn, "delete from algorhythmic.subscription_tiers where tier = '" + tier + "'");
        }
    }

    @Test
    void aTierInUseCannotBeDeletedAndARenameFollowsToItsUsers() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            assertThatThrownBy(() -> exec(owner, "delete from algorhythmic.subscription_tiers where tier = 'free'"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23503"));
            owner.rollback();
            exec(owner, "update algorhythmic.subscription_tiers set tier = 'starter' where tier = 'free'");
            assertThat(queryString(
                            owner, "select subscription_tier from algorhythmic.users where id = '" + userA + "'"))
                    .isEqualTo("starter");
            owner.rollback();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The ledger
    // ---------------------------------------------------------------------------------------------

    @Test
    void usersCannotWriteTheirOwnLedger() throws SQLException {
        // UPDATE, DELETE and TRUNCATE are refused to every role by the platform's append-only guard
        // (CatalogRulesTest); appending is the platform's (service_role) alone.
        try (Connection conn = server.ownerDataSource().getConnection()) {
            assertThatThrownBy(() -> asUser(
                            conn,
                            userA,
                            "insert into algorhythmic.credit_ledger "
                                    + "(user_id, event_type, amount, balance_after) values ('" + userA
                                    + "', 'grant', 1000, 1100)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    @Test
    void theServiceRoleAppendsToTheLedgerAndIdempotencyKeysAreUnique() throws SQLException {
        String key = "deduct-" + UUID.randomUUID();
        String insert =
                "insert into algorhythmic.credit_ledger (user_id, event_type, amount, balance_after, idempotency_key) "
                        + "values ('" + userA + "', 'deduct', -1, 99, '" + key + "')";
        try (Connection conn = server.ownerDataSource().getConnection()) {
            asRole(conn, "service_role", null, insert);
            assertThatThrownBy(() -> asRole(conn, "service_role", null, insert))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // CHECKs
    // ---------------------------------------------------------------------------------------------

    /** Each case: a row that inserts fine, and one column value that must break the named CHECK. */
    static Stream<Arguments> checkViolations() {
        Map<String, String> art = Map.of("session_id", "s", "user_id", "$A", "image_url", "u", "prompt", "p");
        Map<String, String> vote = Map.of("session_id", "s", "user_id", "$A", "art_prompt", "p", "vote", "1");
        Map<String, String> ledger =
                Map.of("user_id", "$A", "event_type", "admin_adjustment", "amount", "-3", "balance_after", "0");
        Map<String, String> credits = Map.of(
                "user_id",
                "$APP_USER",
                "billing_cycle_start",
                "2026-01-01T00:00:00Z",
                "billing_cycle_end",
                "2026-02-01T00:00:00Z");
        Map<String, String> rai =
                Map.of("user_id", "$A", "client_session_id", "c", "started_at", "2026-01-01T00:00:00Z");
        Map<String, String> job = Map.of("user_id", "$A", "prompt", "p");
        Map<String, String> genome = Map.of("dna_vector", "[]", "visual_traits", "{}");
        Map<String, String> impression = Map.of("user_id", "$A", "artwork_id", "$ART");
        Map<String, String> tier = Map.of("tier", "$UNIQUE", "display_name", "T", "monthly_credits", "1", "price", "1");
        return Stream.of(
                Arguments.of(
                        "users",
                        Map.of("id", "$IDENTITY"),
                        "preferred_orientation",
                        "diagonal",
                        "users_preferred_orientation_check"),
                Arguments.of("users", Map.of("id", "$IDENTITY"), "role", "root", "users_role_check"),
                Arguments.of("art_sessions", art, "quality_score", "101", "art_sessions_quality_score_check"),
                Arguments.of("art_sessions", art, "quality_score", "-1", "art_sessions_quality_score_check"),
                Arguments.of("art_sessions", art, "pool_status", "lost", "art_sessions_pool_status_check"),
                Arguments.of("art_sessions", art, "orientation", "both", "art_sessions_orientation_check"),
                Arguments.of("art_sessions", art, "width", "0", "art_sessions_width_check"),
                Arguments.of("art_sessions", art, "height", "0", "art_sessions_height_check"),
                Arguments.of("art_votes", vote, "vote", "0", "art_votes_vote_check"),
                Arguments.of("art_votes", vote, "vote", "2", "art_votes_vote_check"),
                Arguments.of("credit_ledger", ledger, "event_type", "gift", "credit_ledger_event_type_check"),
                // balance_after is not the inserter's to give: the ledger engine's trigger computes it (V55).
                Arguments.of("credit_ledger", ledger, "amount", "0", "credit_ledger_amount_sign"),
                Arguments.of(
                        "credit_ledger",
                        Map.of("user_id", "$A", "event_type", "grant", "amount", "5", "balance_after", "5"),
                        "amount",
                        "-5",
                        "credit_ledger_amount_sign"),
                Arguments.of(
                        "credit_ledger",
                        Map.of("user_id", "$A", "event_type", "refund", "amount", "5", "balance_after", "5"),
                        "amount",
                        "-5",
                        "credit_ledger_amount_sign"),
                Arguments.of(
                        "credit_ledger",
                        Map.of("user_id", "$A", "event_type", "deduct", "amount", "-5", "balance_after", "5"),
                        "amount",
                        "5",
                        "credit_ledger_amount_sign"),
                Arguments.of(
                        "credit_ledger",
                        Map.of("user_id", "$A", "event_type", "decay", "amount", "-5", "balance_after", "5"),
                        "amount",
                        "5",
                        "credit_ledger_amount_sign"),
                Arguments.of("user_credits", credits, "balance", "-1", "user_credits_balance_check"),
                Arguments.of("user_credits", credits, "rollover_balance", "-1", "user_credits_rollover_balance_check"),
                Arguments.of("user_credits", credits, "base_quota", "-1", "user_credits_base_quota_check"),
                Arguments.of(
                        "user_credits",
                        credits,
                        "billing_cycle_end",
                        "2026-01-01T00:00:00Z",
                        "user_credits_billing_cycle_order"),
                Arguments.of(
                        "rai_sessions",
                        rai,
                        "total_frames_displayed",
                        "-1",
                        "rai_sessions_total_frames_displayed_check"),
                Arguments.of("rai_sessions", rai, "total_interactions", "-1", "rai_sessions_total_interactions_check"),
                Arguments.of(
                        "rai_sessions", rai, "ended_at", "2025-12-31T23:59:59Z", "rai_sessions_ended_after_started"),
                Arguments.of("generation_jobs", job, "status", "queued", "generation_jobs_status_check"),
                Arguments.of("generation_jobs", job, "retry_count", "-1", "generation_jobs_retry_count_check"),
                Arguments.of("dna_genomes", genome, "generation", "-1", "dna_genomes_generation_check"),
                Arguments.of("dna_genomes", genome, "impression_count", "-1", "dna_genomes_impression_count_check"),
                Arguments.of("dna_genomes", genome, "like_count", "-1", "dna_genomes_like_count_check"),
                Arguments.of("dna_genomes", genome, "skip_count", "-1", "dna_genomes_skip_count_check"),
                Arguments.of("dna_genomes", genome, "avg_view_duration", "-1", "dna_genomes_avg_view_duration_check"),
                Arguments.of(
                        "user_art_impressions",
                        impression,
                        "view_duration",
                        "-1",
                        "user_art_impressions_view_duration_check"),
                Arguments.of(
                        "subscription_tiers",
                        tier,
                        "monthly_credits",
                        "-1",
                        "subscription_tiers_monthly_credits_check"),
                Arguments.of("subscription_tiers", tier, "price", "-0.01", "subscription_tiers_price_check"),
                Arguments.of("subscription_tiers", tier, "currency", "usd", "subscription_tiers_currency_check"));
    }

    @ParameterizedTest(name = "{0}.{2} = ''{3}'' breaks {4}")
    @MethodSource("checkViolations")
    void everyCheckRejectsABadRow(
            String table, Map<String, String> validRow, String column, String badValue, String constraint)
            throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            Map<String, String> row = resolve(owner, validRow);
            insert(owner, "algorhythmic." + table, row); // the row is valid without the bad value
            if (table.equals("users") || table.equals("user_credits") || table.equals("subscription_tiers")) {
                row = resolve(owner, validRow); // these are keyed by the fresh identity or tier name
            }
            Map<String, String> bad = new LinkedHashMap<>(row);
            bad.put(column, badValue);
            assertThatThrownBy(() -> insert(owner, "algorhythmic." + table, bad))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23514");
                        assertThat(e.getMessage()).contains(constraint);
                    });
            owner.rollback();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Rows each role reaches (raw SQL under the request roles; the HTTP matrix is AlgorhythmicAccessMatrixTest)
    // ---------------------------------------------------------------------------------------------

    @Test
    void aUserSeesTheirOwnArtworkAndTheActiveLibraryOnly() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            String visible = "select id from algorhythmic.art_sessions where id in ('" + artA + "', '" + artB + "', '"
                    + libraryArt + "', '" + retiredLibraryArt + "') order by id";
            assertThat(asUserQuery(conn, userA, visible)).containsExactlyInAnyOrder(artA, libraryArt);
            assertThat(asUserQuery(conn, userB, visible)).containsExactlyInAnyOrder(artB, libraryArt);
            assertThat(asRoleQuery(conn, "anon", visible)).containsExactly(libraryArt);
            assertThat(asUserQuery(conn, admin, visible))
                    .containsExactlyInAnyOrder(artA, artB, libraryArt, retiredLibraryArt);
        }
    }

    @Test
    void theOwnersFeedByStylesOverlapAndQuality() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            String low = insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of(
                            "session_id",
                            "s-a",
                            "user_id",
                            userA.toString(),
                            "image_url",
                            "u",
                            "prompt",
                            "p",
                            "styles",
                            "{noir}",
                            "quality_score",
                            "10"));
            insert(
                    owner,
                    "algorhythmic.art_sessions",
                    Map.of(
                            "session_id",
                            "s-a",
                            "user_id",
                            userA.toString(),
                            "image_url",
                            "u",
                            "prompt",
                            "p",
                            "styles",
                            "{baroque}",
                            "quality_score",
                            "99"));
            assertThat(asUserQuery(
                            owner,
                            userA,
                            "select id from algorhythmic.art_sessions where user_id = '" + userA
                                    + "' and styles && array['noir', 'cubism'] order by quality_score desc"))
                    .containsExactly(artA, low);
        }
    }

    @Test
    void aUserCanSaveAndDeleteOwnArtworkButNotOthersNorCreateArtwork() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            String mine = insert(
                    conn,
                    "algorhythmic.art_sessions",
                    Map.of("session_id", "s", "user_id", userA.toString(), "image_url", "u", "prompt", "p"));
            assertThat(asUserUpdateCount(
                            conn,
                            userA,
                            "update algorhythmic.art_sessions set is_saved = true where id = '" + mine + "'"))
                    .isEqualTo(1);
            assertThat(asUserUpdateCount(
                            conn,
                            userB,
                            "update algorhythmic.art_sessions set is_saved = false where id = '" + mine + "'"))
                    .isZero();
            assertThat(asUserUpdateCount(
                            conn, userB, "delete from algorhythmic.art_sessions where id = '" + mine + "'"))
                    .isZero();
            assertThatThrownBy(() -> asUser(
                            conn,
                            userA,
                            "update algorhythmic.art_sessions set is_library = true where id = '" + mine + "'"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> asUser(
                            conn,
                            userA,
                            "insert into algorhythmic.art_sessions (session_id, user_id, image_url, prompt) "
                                    + "values ('s', '" + userA + "', 'u', 'p')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThat(queryString(
                            conn, "select is_saved::text from algorhythmic.art_sessions where id = '" + mine + "'"))
                    .isEqualTo("true");
            assertThat(asUserUpdateCount(
                            conn, userA, "delete from algorhythmic.art_sessions where id = '" + mine + "'"))
                    .isEqualTo(1);
        }
    }

    @Test
    void preferencesBelongToWhoeverOwnsTheirSession() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            asUser(
                    conn,
                    userA,
                    "insert into algorhythmic.art_preferences (session_id, styles) values ('" + sessionA
                            + "', '{noir}')");
            assertThatThrownBy(() -> asUser(
                            conn,
                            userB,
                            "insert into algorhythmic.art_preferences (session_id) values ('" + sessionA + "')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            String count =
                    "select count(*)::text from algorhythmic.art_preferences where session_id = '" + sessionA + "'";
            assertThat(asUserQuery(conn, userA, count)).containsExactly("1");
            assertThat(asUserQuery(conn, userB, count)).containsExactly("0");
            assertThat(asUserQuery(conn, admin, count)).containsExactly("1");
        }
    }

    @Test
    void votesSessionsAndImpressionsDefaultToTheCallerAndStayTheirs() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            asUser(
                    conn,
                    userA,
                    "insert into algorhythmic.art_votes (session_id, art_prompt, vote) values ('" + sessionA
                            + "', 'p', -1)");
            asUser(
                    conn,
                    userA,
                    "insert into algorhythmic.user_art_impressions (artwork_id, view_duration) values ('" + libraryArt
                            + "', 1500)");
            asUser(conn, userA, "insert into algorhythmic.sessions default values");
            for (String table : List.of("art_votes", "user_art_impressions", "sessions")) {
                String count = "select count(*)::text from algorhythmic." + table + " where user_id = '" + userA + "'";
                assertThat(Integer.parseInt(asUserQuery(conn, userA, count).get(0)))
                        .as(table)
                        .isPositive();
                assertThat(asUserQuery(conn, userB, count)).as(table).containsExactly("0");
                assertThat(asUserUpdateCount(
                                conn,
                                userB,
                                "update algorhythmic." + table + " set user_id = user_id where user_id = '" + userA
                                        + "'"))
                        .as(table)
                        .isZero();
                assertThat(asUserUpdateCount(
                                conn, userB, "delete from algorhythmic." + table + " where user_id = '" + userA + "'"))
                        .as(table)
                        .isZero();
                // A row cannot be handed to someone else.
                assertThatThrownBy(() -> asUser(
                                conn,
                                userA,
                                "update algorhythmic." + table + " set user_id = '" + userB + "' where user_id = '"
                                        + userA + "'"))
                        .as(table)
                        .isInstanceOfSatisfying(
                                SQLException.class,
                                e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            }
            assertThatThrownBy(() -> asUser(
                            conn,
                            userB,
                            "insert into algorhythmic.art_votes (user_id, session_id, art_prompt, vote) " + "values ('"
                                    + userA + "', 's', 'p', 1)"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
    }

    @Test
    void telemetryGoesOnlyIntoTheUsersOwnRaiSessions() throws SQLException {
        try (Connection conn = server.ownerDataSource().getConnection()) {
            String rai = "rai-" + UUID.randomUUID();
            asUser(
                    conn,
                    userA,
                    "insert into algorhythmic.rai_sessions (id, user_id, client_session_id) values ('" + rai + "', '"
                            + userA + "', 'web-1')");
            asUser(
                    conn,
                    userA,
                    "insert into algorhythmic.telemetry_events (session_id, user_id, event_type, event_data) values ('"
                            + rai + "', '" + userA + "', 'frame', '{}')");
            asUser(
                    conn,
                    userA,
                    "update algorhythmic.rai_sessions set ended_at = now(), total_frames_displayed = 1 where id = '"
                            + rai + "'");
            assertThatThrownBy(() -> asUser(
                            conn,
                            userB,
                            "insert into algorhythmic.telemetry_events (session_id, user_id, event_type, "
                                    + "event_data) values ('" + rai + "', '" + userB + "', 'frame', '{}')"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> asUser(
                            conn, userA, "delete from algorhythmic.telemetry_events where session_id = '" + rai + "'"))
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
            String count = "select count(*)::text from algorhythmic.telemetry_events where session_id = '" + rai + "'";
            assertThat(asUserQuery(conn, userA, count)).containsExactly("1");
            assertThat(asUserQuery(conn, userB, count)).containsExactly("0");
            assertThat(asUserQuery(conn, admin, count)).containsExactly("1");
        }
    }

    @Test
    void genomesAreVisibleWithTheirArtwork() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            String ofLibrary = insert(
                    owner,
                    "algorhythmic.dna_genomes",
                    Map.of("artwork_id", libraryArt, "dna_vector", "[]", "visual_traits", "{}"));
            String ofA = insert(
                    owner,
                    "algorhythmic.dna_genomes",
                    Map.of("artwork_id", artA, "dna_vector", "[]", "visual_traits", "{}"));
            String sql = "select id from algorhythmic.dna_genomes where id in ('" + ofLibrary + "', '" + ofA + "')";
            assertThat(asRoleQuery(owner, "anon", sql)).containsExactly(ofLibrary);
            assertThat(asUserQuery(owner, userA, sql)).containsExactlyInAnyOrder(ofLibrary, ofA);
            assertThat(asUserQuery(owner, userB, sql)).containsExactly(ofLibrary);
        }
    }

    /**
     * The feed's ORDER BY and filters match the partial indexes: with every plan that sorts ruled
     * out, they are the only way left, so the plan names them. (Whether the planner prefers them
     * at scale is data-dependent; docs/apps/algorhythmic.md records the plans on a million rows.)
     */
    @Test
    void theFeedQueriesCanWalkThePartialFeedIndexesInOrder() throws SQLException {
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            exec(owner, "set local enable_incremental_sort = off");
            exec(owner, "set local enable_seqscan = off");
            exec(owner, "set local enable_bitmapscan = off");
            exec(owner, "set local enable_sort = off");
            String plan = String.join(
                    "\n",
                    rows(
                            owner,
                            "explain select id from algorhythmic.art_sessions "
                                    + "where created_at > now() - interval '24 hours' and styles && array['a', 'b'] and is_library = false "
                                    + "order by quality_score desc, created_at desc limit 10"));
            String userPlan = String.join(
                    "\n",
                    rows(
                            owner,
                            "explain select id from algorhythmic.art_sessions "
                                    + "where user_id = '" + userA
                                    + "' and session_id <> 'x' and created_at > now() - interval '24 hours' "
                                    + "and styles && array['a', 'b'] and is_library = false order by quality_score desc, created_at desc limit 10"));
            owner.rollback();
            assertThat(plan).contains("art_sessions_feed_idx");
            assertThat(userPlan).contains("art_sessions_user_feed_idx");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    private static Map<String, String> resolve(Connection owner, Map<String, String> row) throws SQLException {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : row.entrySet()) {
            resolved.put(
                    e.getKey(),
                    switch (e.getValue()) {
                        case "$A" -> userA.toString();
                        case "$ART" -> artA;
                        case "$UNIQUE" -> "t_" + UUID.randomUUID().toString().substring(0, 8);
                        case "$IDENTITY" -> freshIdentity(owner, false);
                        case "$APP_USER" -> freshIdentity(owner, true);
                        default -> e.getValue();
                    });
        }
        return resolved;
    }

    /**
     * A new identity; without its app users row when that row is what the test inserts, and with it
     * but without the credit account sign-up opens (V56) when the account is.
     */
    private static String freshIdentity(Connection owner, boolean keepAppRow) throws SQLException {
        String id = queryString(
                owner,
                "insert into auth.users (email) values ('fresh-" + UUID.randomUUID() + "@example.test') returning id");
        if (!keepAppRow) {
            exec(owner, "delete from algorhythmic.users where id = '" + id + "'");
        } else {
            exec(owner, "delete from algorhythmic.user_credits where user_id = '" + id + "'");
        }
        return id;
    }

    private static void asUser(Connection conn, UUID user, String sql) throws SQLException {
        asRole(conn, "authenticated", user, sql);
    }

    private static void asRole(Connection conn, String role, UUID user, String sql) throws SQLException {
        OwnerSql.asRole(conn, role, OwnerSql.claims(user, role), sql);
    }

    private static int asUserUpdateCount(Connection conn, UUID user, String sql) throws SQLException {
        return OwnerSql.updateAs(conn, "authenticated", OwnerSql.claims(user, "authenticated"), sql);
    }

    private static List<String> asUserQuery(Connection conn, UUID user, String sql) throws SQLException {
        return asRoleQuery(conn, "authenticated", user, sql);
    }

    private static List<String> asRoleQuery(Connection conn, String role, String sql) throws SQLException {
        return asRoleQuery(conn, role, null, sql);
    }

    private static List<String> asRoleQuery(Connection conn, String role, UUID user, String sql) throws SQLException {
        return OwnerSql.rowsAs(conn, role, OwnerSql.claims(user, role), sql);
    }

    /** Inserts with every value as an untyped literal, so PostgreSQL converts it as a client's text would be. */
    private static String insert(Connection conn, String table, Map<String, String> row) throws SQLException {
        String returning = switch (table) {
            case "algorhythmic.user_credits" -> "user_id";
            case "algorhythmic.subscription_tiers" -> "tier";
            default -> "id";
        };
        return OwnerSql.insert(conn, table, row, returning);
    }
}
