package dev.atelier.apps.delula;

import static dev.atelier.apps.delula.DelulaSql.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.AccessMatrix;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SECURITY DEFINER code of Delula tells a user nothing about another user (issue 6, finding 5):
 * a forged ledger row for somebody else fails exactly as a row-level security refusal does, and
 * the recipe check does not tell hidden tags from missing ones. Through /rest/v1, as the attack was.
 */
class DelulaLeakTest {

    private static final TestServer server = TestServer.get();

    private static TestUser victim;
    private static TestUser attacker;
    private static TestUser admin;

    @BeforeAll
    static void fixtures() throws SQLException {
        victim = server.newUser();
        attacker = server.newUser();
        admin = server.newUser();
        DelulaSql.makeAdmin(admin.id());
        // The victim has a balance (14) and a ledger row with a guessable idempotency key.
        DelulaSql.asRole(
                "service_role",
                null,
                "insert into delula.credit_transactions (user_id, amount, type, idempotency_key) " + "values ('"
                        + victim.id() + "', 4, 'purchase', 'order-1')");
    }

    private static Rest.Response ledgerInsert(TestUser as, Object userId, int amount, String type, String key) {
        Map<String, Object> row = key == null
                ? Map.of("user_id", userId.toString(), "amount", amount, "type", type)
                : Map.of("user_id", userId.toString(), "amount", amount, "type", type, "idempotency_key", key);
        return AccessMatrix.client("delula", as.accessToken()).post("/credit_transactions", Rest.json(row));
    }

    @Test
    void aForgedLedgerRowForAnotherUserFailsLikeAnyRowLevelSecurityRefusal() throws SQLException {
        // What RLS answers when it refuses a row that reveals nothing: the attacker's own top-up.
        Rest.Response refusal = ledgerInsert(attacker, attacker.id(), 5, "purchase", null);
        assertThat(refusal.status()).as(refusal.body()).isEqualTo(403);
        assertThat(refusal.json().path("message").asText())
                .isEqualTo("new row violates row-level security policy for table \"credit_transactions\"");

        Rest.Response[] forged = {
            ledgerInsert(attacker, victim.id(), -1000, "generation", null), // balance probe
            ledgerInsert(attacker, UUID.randomUUID(), -1, "generation", null), // is this id a Delula user?
            ledgerInsert(attacker, victim.id(), 1, "purchase", "order-1"), // does this key exist for them?
            ledgerInsert(attacker, victim.id(), 1, "purchase", "order-2"),
        };
        for (Rest.Response response : forged) {
            assertThat(response.status()).as(response.body()).isEqualTo(refusal.status());
            assertThat(response.body())
                    .isEqualTo(refusal.body())
                    .doesNotContain(victim.id().toString())
                    .doesNotContain("14");
        }
        // A generation charged to the victim: users store no generations at all, so no trigger runs.
        Rest.Response generation = AccessMatrix.client("delula", attacker.accessToken())
                .post(
                        "/generations",
                        Rest.json(Map.of("user_id", victim.id().toString(), "prompt", "p", "credits_cost", 1000)));
        AccessMatrix.assertDenied(generation, false);
        assertThat(generation.body()).doesNotContain(victim.id().toString()).doesNotContain("insufficient");

        assertThat(DelulaSql.query("select credits from delula.users where id = '" + victim.id() + "'"))
                .isEqualTo("14");
        assertThat(DelulaSql.query("select count(*) from delula.credit_transactions where user_id = '" + victim.id()
                        + "' and type <> 'signup_bonus'"))
                .isEqualTo("1");
    }

    @Test
    void aUserStillLearnsTheirOwnShortfallAndTheAdminStillAdjustsAnyone() throws SQLException {
        Rest.Response own = ledgerInsert(attacker, attacker.id(), -1000, "generation", null);
        assertThat(own.status()).as(own.body()).isEqualTo(400);
        assertThat(own.json().path("message").asText()).startsWith("insufficient credits: " + attacker.id());

        Rest.Response adjustment = ledgerInsert(admin, victim.id(), 2, "admin_adjustment", unique("adj"));
        assertThat(adjustment.status()).as(adjustment.body()).isEqualTo(201);
        Rest.Response tooMuch = ledgerInsert(admin, victim.id(), -1000, "admin_adjustment", null);
        assertThat(tooMuch.json().path("message").asText()).startsWith("insufficient credits: " + victim.id());
        DelulaSql.asRole(
                "service_role",
                null,
                "insert into delula.credit_transactions (user_id, amount, type) " + "values ('" + victim.id()
                        + "', -2, 'admin_adjustment')");
        assertThat(DelulaSql.query("select credits from delula.users where id = '" + victim.id() + "'"))
                .isEqualTo("14");
    }

    @Test
    void aRecipeInsertByANonAdminDoesNotTellHiddenTagsFromMissingOnes() throws SQLException {
        int hidden = Integer.parseInt(
                DelulaSql.insert("tags", Map.of("name", "category:" + unique("secret"), "is_hidden", "true")));
        int missing = Integer.parseInt(DelulaSql.query("select coalesce(max(id), 0) + 1000 from delula.tags"));
        Rest client = AccessMatrix.client("delula", attacker.accessToken());
        Rest.Response withHidden = client.post(
                "/recipes", Rest.json(Map.of("name", "R", "slug", "leak", "tag_highlights", new int[] {hidden})));
        Rest.Response withMissing = client.post(
                "/recipes", Rest.json(Map.of("name", "R", "slug", "leak", "tag_highlights", new int[] {missing})));
        assertThat(withHidden.status()).isEqualTo(withMissing.status()).isBetween(400, 499);
        assertThat(withHidden.body().replace(Integer.toString(hidden), "N"))
                .isEqualTo(withMissing.body().replace(Integer.toString(missing), "N"));

        // The admin still has the check, hidden tags included.
        Rest admins = AccessMatrix.client("delula", admin.accessToken());
        assertThat(admins.post(
                                "/recipes",
                                Rest.json(Map.of(
                                        "name", "R", "slug", unique("ok"), "tag_highlights", new int[] {hidden})))
                        .status())
                .isEqualTo(201);
        Rest.Response adminMissing = admins.post(
                "/recipes",
                Rest.json(Map.of("name", "R", "slug", unique("no"), "tag_highlights", new int[] {missing})));
        assertThat(adminMissing.status()).isEqualTo(409);
        assertThat(adminMissing.json().path("message").asText()).contains("tag " + missing + " does not exist");
    }
}
