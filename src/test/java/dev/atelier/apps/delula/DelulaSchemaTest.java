package dev.atelier.apps.delula;

import static dev.atelier.apps.delula.DelulaSql.asRole;
import static dev.atelier.apps.delula.DelulaSql.asUser;
import static dev.atelier.apps.delula.DelulaSql.exec;
import static dev.atelier.apps.delula.DelulaSql.query;
import static dev.atelier.apps.delula.DelulaSql.queryAs;
import static dev.atelier.apps.delula.DelulaSql.queryInt;
import static dev.atelier.apps.delula.DelulaSql.unique;
import static dev.atelier.apps.delula.DelulaSql.updateAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * The Delula schema's behaviour, checked with SQL underneath the API: the sign-up trigger, short
 * ids, the generation status flow, the credit ledger (balance, idempotency, charges and refunds;
 * append-only is the platform's guard, CatalogRulesTest), the daily refresh, recipe usage, tag highlights, hidden tags and soft-deleted
 * assets. Each test makes its own users, so the order of tests does not matter.
 */
class DelulaSchemaTest {

    private static final String SHORT_ID = "^[A-Za-z0-9_-]{11}$";

    private static int recipe;

    @BeforeAll
    static void fixtures() throws SQLException {
        recipe = Integer.parseInt(DelulaSql.insert(
                "recipes",
                Map.of(
                        "name",
                        "Cat video",
                        "slug",
                        unique("cat-video"),
                        "workflow_type",
                        "video",
                        "generation_type",
                        "video",
                        "credit_cost",
                        "2")));
    }

    // --- identities -------------------------------------------------------------------------

    @Test
    void signingUpThroughAuthCreatesTheDelulaUserWithTheDocumentsDefaults() throws SQLException {
        UUID id = TestServer.get().newUser().id();
        assertThat(query(
                        "select concat_ws(',', credits, account_type, access_role, last_credit_refresh is not null, email is not null) "
                                + "from delula.users where id = '" + id + "'"))
                .isEqualTo("10,3,1,t,t");
    }

    @Test
    void anIdentityWithoutEmailIsAGuest() throws SQLException {
        String id = query("insert into auth.users (email) values (null) returning id::text");
        assertThat(query("select account_type from delula.users where id = '" + id + "'"))
                .isEqualTo("2");
    }

    @Test
    void theSignUpTriggerRunsForTheAuthEndpointsRoleWhichCannotWriteDelulaItself() throws SQLException {
        String email = unique("auth-role") + "@example.test";
        asRole("atelier_auth", null, "insert into auth.users (email) values ('" + email + "')");
        assertThat(query("select count(*) from delula.users where email = '" + email + "'"))
                .isEqualTo("1");
        assertThatThrownBy(() -> asRole("atelier_auth", null, "select count(*) from delula.users"))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
    }

    @Test
    void deletingTheIdentityDeletesTheDelulaUserAndEverythingItOwnsLedgerIncluded() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        generation(user, 2);
        asset(user, "gone");
        marketAsset(user, true);
        assertThat(queryInt("select count(*) from delula.credit_transactions where user_id = '" + user + "'"))
                .isEqualTo(2); // the opening row and the generation's charge

        asRole("atelier_auth", null, "delete from auth.users where id = '" + user + "'");

        for (String table : List.of(
                "users where id",
                "generations where user_id",
                "credit_transactions where user_id",
                "user_assets where user_id",
                "market_assets where creator_id")) {
            assertThat(queryInt("select count(*) from delula." + table + " = '" + user + "'"))
                    .as(table)
                    .isZero();
        }
    }

    @Test
    void isAdminIsTrueOnlyForAccessRoleAdmin() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        assertThat(queryAs("authenticated", user, "select delula.is_admin()")).containsExactly("f");
        exec("update delula.users set access_role = 2 where id = '" + user + "'"); // Test role
        assertThat(queryAs("authenticated", user, "select delula.is_admin()")).containsExactly("f");
        DelulaSql.makeAdmin(user);
        assertThat(queryAs("authenticated", user, "select delula.is_admin()")).containsExactly("t");
        assertThat(queryAs("anon", null, "select delula.is_admin()")).containsExactly("f");
    }

    @Test
    void usersCannotMakeThemselvesAdminNorChangeTheirCredits() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        for (String change : List.of("access_role = 3", "account_type = 1", "credits = 1000", "email = 'x@y.z'")) {
            expectSqlState(
                    "42501", () -> asUser(user, "update delula.users set " + change + " where id = '" + user + "'"));
        }
        assertThat(updateAs(
                        "authenticated", user, "update delula.users set first_name = 'Ada' where id = '" + user + "'"))
                .isEqualTo(1);
        assertThat(query("select concat_ws(',', access_role, credits, first_name) from delula.users where id = '" + user
                        + "'"))
                .isEqualTo("1,10,Ada");
        assertThat(query(
                        "select string_agg(column_name, ',' order by column_name) from information_schema.column_privileges "
                                + "where table_schema = 'delula' and table_name = 'users' and grantee = 'authenticated' "
                                + "and privilege_type = 'UPDATE'"))
                .isEqualTo("first_name,last_name,profile_image_url");
    }

    @Test
    void creditsChangeOnlyThroughTheLedgerEvenForServiceRole() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        expectSqlState(
                "42501",
                () -> asRole("service_role", null, "update delula.users set credits = 99 where id = '" + user + "'"));
        asRole("service_role", null, "update delula.users set last_seen_at = now() where id = '" + user + "'");
        assertThat(query("select credits from delula.users where id = '" + user + "'"))
                .isEqualTo("10");
    }

    // --- generations ------------------------------------------------------------------------

    @Test
    void shortIdsAreElevenUrlSafeCharactersMadeByTheDatabaseAndUnique() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            ids.add(query("select short_id from delula.generations where id = " + generation(user, 0)));
        }
        assertThat(ids).hasSize(50).allMatch(id -> id.matches(SHORT_ID));
        assertThat(queryInt("select count(distinct s) from (select delula.generate_short_id() s "
                        + "from generate_series(1, 5000)) x where s ~ '" + SHORT_ID + "'"))
                .isEqualTo(5000);
        // All 64 characters of the alphabet turn up: the bits are not biased towards part of it.
        assertThat(queryInt(
                        "select count(distinct c) from (select regexp_split_to_table(delula.generate_short_id(), '') c "
                                + "from generate_series(1, 2000)) x"))
                .isEqualTo(64);
    }

    @Test
    void statusMovesPendingProcessingCompletedAndStampsEachStep() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int id = generation(user, 0);
        assertThat(query("select status from delula.generations where id = " + id))
                .isEqualTo("pending");
        asRole("service_role", null, "update delula.generations set status = 'processing' where id = " + id);
        assertThat(query(
                        "select processing_started_at is not null and completed_at is null from delula.generations where id = "
                                + id))
                .isEqualTo("t");
        asRole("service_role", null, "update delula.generations set status = 'completed' where id = " + id);
        assertThat(query("select completed_at >= processing_started_at from delula.generations where id = " + id))
                .isEqualTo("t");
    }

    @Test
    void statusNeverSkipsProcessingNorMovesBackwards() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int pending = generation(user, 0);
        expectCheck(
                "generations_status_flow",
                () -> asRole(
                        "service_role",
                        null,
                        "update delula.generations set status = 'completed' where id = " + pending));
        asRole("service_role", null, "update delula.generations set status = 'failed' where id = " + pending);
        for (String target : List.of("pending", "processing", "completed")) {
            expectCheck(
                    "generations_status_flow",
                    () -> asRole(
                            "service_role",
                            null,
                            "update delula.generations set status = '" + target + "' where id = " + pending));
        }
        int done = generation(user, 0);
        asRole(
                "service_role",
                null,
                "update delula.generations set status = 'processing' where id = " + done,
                "update delula.generations set status = 'completed' where id = " + done);
        expectCheck(
                "generations_status_flow",
                () -> asRole(
                        "service_role", null, "update delula.generations set status = 'failed' where id = " + done));
    }

    @Test
    void aGenerationChargesItsCostAndARefundGivesItBackOnce() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int id = generation(user, 3);
        assertThat(credits(user)).isEqualTo(7);
        asRole(
                "service_role",
                null,
                "update delula.generations set status = 'failed', refunded_at = now() where id = " + id);
        assertThat(credits(user)).isEqualTo(10);
        // Clearing and setting refunded_at again refunds nothing more (idempotency key refund:<id>).
        asRole(
                "service_role",
                null,
                "update delula.generations set refunded_at = null where id = " + id,
                "update delula.generations set refunded_at = now() where id = " + id);
        assertThat(credits(user)).isEqualTo(10);
        assertThat(query(
                        "select string_agg(type || ':' || amount || ':' || balance_after || ':' || idempotency_key, ' ' order by id) "
                                + "from delula.credit_transactions where user_id = '" + user + "'"))
                .isEqualTo("signup_bonus:10:10:opening generation:-3:7:generation:" + id + " refund:3:10:refund:" + id);
    }

    @Test
    void aRefundNeedsAFailedGeneration() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int id = generation(user, 1);
        expectCheck(
                "generations_refund_requires_failure",
                () -> asRole(
                        "service_role", null, "update delula.generations set refunded_at = now() where id = " + id));
        assertThat(credits(user)).isEqualTo(9);
    }

    @Test
    void aGenerationBeyondTheBalanceIsNotStored() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        expectCheck("users_credits_non_negative", () -> generation(user, 11));
        assertThat(queryInt("select count(*) from delula.generations where user_id = '" + user + "'"))
                .isZero();
        assertThat(credits(user)).isEqualTo(10);
    }

    @Test
    void eachCompletedGenerationOfARecipeCountsOneUseAndTheCatalogueCopyKeepsUp() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int before = queryInt(
                "select coalesce((select usage_count from delula.recipe_usage where recipe_id = " + recipe + "), 0)");
        // A use is a completed generation (V78): stored completed (a backlog video) or completing;
        // a failed one is not a use.
        for (int i = 0; i < 3; i++) {
            asRole(
                    "service_role",
                    null,
                    "insert into delula.generations (user_id, recipe_id, status) values ('" + user + "', " + recipe
                            + ", 'completed')");
        }
        asRole(
                "service_role",
                null,
                "insert into delula.generations (user_id, recipe_id, status) values ('" + user + "', " + recipe
                        + ", 'failed')");
        assertThat(queryInt("select usage_count from delula.recipe_usage where recipe_id = " + recipe))
                .isEqualTo(before + 3);
        assertThat(query("select last_used_at is not null from delula.recipe_usage where recipe_id = " + recipe))
                .isEqualTo("t");
        // The catalogue's copy is counted in the same statement now; the sync still repairs copies.
        assertThat(queryInt("select usage_count from delula.recipes where id = " + recipe))
                .isEqualTo(before + 3);
        asRole("service_role", null, "select delula.sync_recipe_usage_counts()");
        assertThat(queryInt("select usage_count from delula.recipes where id = " + recipe))
                .isEqualTo(before + 3);
    }

    // --- the ledger -------------------------------------------------------------------------

    @Test
    void everyLedgerRowMovesTheBalanceAndRecordsIt() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        asRole(
                "service_role",
                null,
                ledger(user, 5, "purchase", null),
                ledger(user, -12, "generation", null),
                ledger(user, 2, "admin_adjustment", null));
        assertThat(credits(user)).isEqualTo(5);
        assertThat(query("select string_agg(balance_after::text, ',' order by id) from delula.credit_transactions "
                        + "where user_id = '" + user + "'"))
                .isEqualTo("10,15,3,5"); // the opening row: a new user starts with 10
    }

    @Test
    void theLedgerRefusesABalanceBelowZero() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        expectCheck(
                "users_credits_non_negative",
                () -> asRole("service_role", null, ledger(user, -11, "generation", null)));
        assertThat(credits(user)).isEqualTo(10);
    }

    @Test
    void aRetriedLedgerRowWithTheSameIdempotencyKeyDoesNothingTwice() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        asRole("service_role", null, ledger(user, 4, "purchase", "order-1"));
        asRole("service_role", null, ledger(user, 4, "purchase", "order-1"));
        asRole("service_role", null, ledger(user, 4, "purchase", "order-1") + " on conflict do nothing");
        // Twice in one statement too.
        asRole(
                "service_role",
                null,
                "insert into delula.credit_transactions (user_id, amount, type, idempotency_key) values " + "('" + user
                        + "', 1, 'purchase', 'order-2'), ('" + user + "', 1, 'purchase', 'order-2')");
        assertThat(credits(user)).isEqualTo(15);
        assertThat(queryInt("select count(*) from delula.credit_transactions where user_id = '" + user
                        + "' and type <> 'signup_bonus'"))
                .isEqualTo(2);
        // The same key belongs to each user separately.
        UUID other = DelulaSql.newIdentity();
        asRole("service_role", null, ledger(other, 4, "purchase", "order-1"));
        assertThat(credits(other)).isEqualTo(14);
    }

    @Test
    void theDailyRefreshTopsUpToTheDailyAmountOncePerDay() throws SQLException {
        UUID low = DelulaSql.newIdentity();
        UUID rich = DelulaSql.newIdentity();
        asRole("service_role", null, ledger(low, -8, "generation", null), ledger(rich, 5, "purchase", null));
        exec("update delula.users set last_credit_refresh = now() - interval '2 days' where id in ('" + low + "', '"
                + rich + "')");

        asRole("service_role", null, "select delula.refresh_daily_credits()");
        assertThat(credits(low)).isEqualTo(10);
        assertThat(credits(rich)).isEqualTo(15);
        assertThat(query(
                        "select (last_credit_refresh > now() - interval '1 minute')::text from delula.users where id = '"
                                + rich + "'"))
                .isEqualTo("true");
        assertThat(query("select type || ':' || amount from delula.credit_transactions where user_id = '" + low
                        + "' order by id desc limit 1"))
                .isEqualTo("daily_refresh:8");

        // A second run the same day (even with the stamp forced back) tops up nobody again.
        asRole("service_role", null, ledger(low, -4, "generation", null));
        exec("update delula.users set last_credit_refresh = now() - interval '2 days' where id = '" + low + "'");
        asRole("service_role", null, "select delula.refresh_daily_credits()");
        assertThat(credits(low)).isEqualTo(6);
        expectSqlState("42501", () -> asUser(low, "select delula.refresh_daily_credits()"));
    }

    // --- catalogue --------------------------------------------------------------------------

    @Test
    void hiddenTagsAreInvisibleToUsersAndVisibleToAdminsAndServiceRole() throws SQLException {
        String visible = unique("Funny");
        String hidden = "category:" + unique("video");
        String workflow = "workflow:" + unique("text_to_video");
        exec("insert into delula.tags (name) values ('" + visible + "')");
        exec("insert into delula.tags (name, is_hidden) values ('" + hidden + "', true), ('" + workflow + "', true)");
        String names =
                "select name from delula.tags where name in ('" + visible + "', '" + hidden + "', '" + workflow + "')";
        UUID user = DelulaSql.newIdentity();
        UUID admin = DelulaSql.newIdentity();
        DelulaSql.makeAdmin(admin);
        assertThat(queryAs("anon", null, names)).containsExactly(visible);
        assertThat(queryAs("authenticated", user, names)).containsExactly(visible);
        assertThat(queryAs("authenticated", admin, names)).containsExactlyInAnyOrder(visible, hidden, workflow);
        assertThat(queryAs("service_role", null, names)).containsExactlyInAnyOrder(visible, hidden, workflow);
    }

    @Test
    void tagHighlightsMustNameExistingTagsAndLoseDeletedOnes() throws SQLException {
        int tag = Integer.parseInt(DelulaSql.insert("tags", Map.of("name", unique("Cute"))));
        int other = Integer.parseInt(
                DelulaSql.insert("tags", Map.of("name", "category:" + unique("image"), "is_hidden", "true")));
        int id = Integer.parseInt(DelulaSql.insert(
                "recipes",
                Map.of("name", "Tagged", "slug", unique("tagged"), "tag_highlights", "{" + tag + "," + other + "}")));
        expectSqlState(
                "23503",
                () -> exec("update delula.recipes set tag_highlights = '{" + tag + ",2147483647}' where id = " + id));
        expectSqlState(
                "23503",
                () -> exec("update delula.recipes set tag_highlights = '{" + tag + ",NULL}' where id = " + id));
        exec("delete from delula.tags where id = " + tag);
        assertThat(query("select tag_highlights::text from delula.recipes where id = " + id))
                .isEqualTo("{" + other + "}");
    }

    // --- assets -----------------------------------------------------------------------------

    @Test
    void aUsersDeleteIsASoftDeleteAndTheAssetDisappearsFromTheirView() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int id = asset(user, "holiday.png");
        String mine = "select id::text from delula.user_assets where id = " + id;
        assertThat(queryAs("authenticated", user, mine)).containsExactly(Integer.toString(id));

        assertThat(updateAs("authenticated", user, "delete from delula.user_assets where id = " + id))
                .isZero();

        assertThat(queryAs("authenticated", user, mine)).isEmpty();
        assertThat(query(
                        "select is_deleted::text || ',' || (deleted_at is not null)::text from delula.user_assets where id = "
                                + id))
                .isEqualTo("true,true");
        // Nor can the owner touch it any more.
        assertThat(updateAs(
                        "authenticated", user, "update delula.user_assets set display_name = 'back' where id = " + id))
                .isZero();
        // The admin sees it (moderation); service_role removes it for real.
        UUID admin = DelulaSql.newIdentity();
        DelulaSql.makeAdmin(admin);
        assertThat(queryAs("authenticated", admin, mine)).containsExactly(Integer.toString(id));
        assertThat(updateAs("service_role", null, "delete from delula.user_assets where id = " + id))
                .isEqualTo(1);
        assertThat(queryInt("select count(*) from delula.user_assets where id = " + id))
                .isZero();
    }

    @Test
    void aUserCanNeitherSeeNorDeleteAnotherUsersAsset() throws SQLException {
        UUID owner = DelulaSql.newIdentity();
        UUID other = DelulaSql.newIdentity();
        int id = asset(owner, "private.png");
        assertThat(queryAs("authenticated", other, "select id from delula.user_assets where id = " + id))
                .isEmpty();
        assertThat(updateAs("authenticated", other, "delete from delula.user_assets where id = " + id))
                .isZero();
        assertThat(queryAs("authenticated", other, "select delula.soft_delete_user_asset(" + id + ")"))
                .containsExactly("f");
        assertThat(query("select is_deleted::text from delula.user_assets where id = " + id))
                .isEqualTo("false");
    }

    @Test
    void usersOrganiseTheirAssetsButCannotRepointOrUndeleteThem() throws SQLException {
        UUID user = DelulaSql.newIdentity();
        int id = asset(user, "logo.png");
        assertThat(updateAs(
                        "authenticated",
                        user,
                        "update delula.user_assets set display_name = 'Logo', user_tags = '{brand}' " + "where id = "
                                + id))
                .isEqualTo(1);
        for (String change :
                List.of("s3_key = 'someone/else'", "is_deleted = true", "user_id = user_id", "usage_count = 99")) {
            expectSqlState(
                    "42501", () -> asUser(user, "update delula.user_assets set " + change + " where id = " + id));
        }
        expectSqlState(
                "42501",
                () -> asUser(
                        user,
                        "insert into delula.user_assets (user_id, display_name, s3_key, mime_type, "
                                + "asset_type) values ('" + user + "', 'x', 'k', 'image/png', 'image')"));
    }

    @Test
    void providerCredentialsAreForServiceRoleOnly() throws SQLException {
        int provider =
                Integer.parseInt(DelulaSql.insert("providers", Map.of("name", unique("fal"), "display_name", "Fal")));
        exec("insert into delula.provider_credentials (provider_id, api_key_encrypted, encryption_key_id) " + "values ("
                + provider + ", '\\x0102'::bytea, 'key-2026')");
        UUID admin = DelulaSql.newIdentity();
        DelulaSql.makeAdmin(admin);
        expectSqlState(
                "42501", () -> queryAs("authenticated", admin, "select count(*) from delula.provider_credentials"));
        expectSqlState("42501", () -> queryAs("anon", null, "select count(*) from delula.provider_credentials"));
        assertThat(queryAs(
                        "service_role",
                        null,
                        "select encryption_key_id from delula.provider_credentials " + "where provider_id = "
                                + provider))
                .containsExactly("key-2026");
        // The admin manages the rest of the provider's configuration.
        assertThat(queryAs("authenticated", admin, "select display_name from delula.providers where id = " + provider))
                .containsExactly("Fal");
    }

    // --- helpers ----------------------------------------------------------------------------

    /** Stores a generation as service_role (the way the server does) and returns its id. */
    private static int generation(UUID user, int cost) throws SQLException {
        try (Connection conn = DelulaSql.owner()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.execute("set local role service_role");
                int id;
                try (ResultSet rs =
                        st.executeQuery("insert into delula.generations (user_id, credits_cost, prompt) values ('"
                                + user + "', " + cost + ", 'a cat') returning id")) {
                    rs.next();
                    id = rs.getInt(1);
                }
                // The row's job (V72) is dropped with it: these tests move the row by hand, and the
                // server's generation handler (ADR 13) must not move it meanwhile.
                st.execute("reset role");
                st.execute(
                        "delete from platform.jobs where app_table = 'delula.generations' and app_key = '" + id + "'");
                conn.commit();
                return id;
            } catch (SQLException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    private static int asset(UUID user, String name) throws SQLException {
        return Integer.parseInt(DelulaSql.insert(
                "user_assets",
                Map.of(
                        "user_id",
                        user.toString(),
                        "display_name",
                        name,
                        "s3_key",
                        "users/" + user + "/" + name,
                        "mime_type",
                        "image/png",
                        "asset_type",
                        "image")));
    }

    private static void marketAsset(UUID user, boolean isPublic) throws SQLException {
        DelulaSql.insert(
                "market_assets",
                Map.of(
                        "creator_id",
                        user.toString(),
                        "asset_id",
                        unique("m"),
                        "name",
                        "n",
                        "url",
                        "https://cdn/m.png",
                        "mime_type",
                        "image/png",
                        "is_public",
                        Boolean.toString(isPublic)));
    }

    private static String ledger(UUID user, int amount, String type, String key) {
        return "insert into delula.credit_transactions (user_id, amount, type, idempotency_key) values ('" + user
                + "', " + amount + ", '" + type + "', " + (key == null ? "null" : "'" + key + "'") + ")";
    }

    private static int credits(UUID user) throws SQLException {
        return queryInt("select credits from delula.users where id = '" + user + "'");
    }

    private static void expectSqlState(String state, ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(state));
    }

    private static void expectCheck(String constraint, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(PSQLException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("23514");
            assertThat(e.getServerErrorMessage()).isNotNull();
            assertThat(e.getServerErrorMessage().getConstraint()).isEqualTo(constraint);
        });
    }
}
