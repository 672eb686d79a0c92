package dev.atelier.platform.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** /api/v1/{algorhythmic,delula}/credits over real HTTP: balances, spends, holds, grants, history, errors. */
class CreditsEndpointsTest {

    private static final TestServer server = TestServer.get();
    private static final String ALGO = "/api/v1/algorhythmic/credits";
    private static final String DELULA = "/api/v1/delula/credits";

    private static String key() {
        return "k-" + UUID.randomUUID();
    }

    @Test
    void aNewAlgorhythmicUserHasTheFreeTiersQuotaAndItsCycle() {
        TestUser user = server.newUser();
        Api.Reply reply = Api.get(ALGO, user.accessToken());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.path("balance").asInt()).isEqualTo(100);
        assertThat(body.path("tier").asText()).isEqualTo("free");
        assertThat(body.path("quota").asInt()).isEqualTo(100);
        assertThat(body.path("rollover_balance").asInt()).isZero();
        assertThat(body.path("timezone").asText()).isEqualTo("UTC");
        assertThat(Instant.parse(body.path("cycle_end").asText()))
                .isAfter(Instant.parse(body.path("cycle_start").asText()));
        assertThat(body.path("holds").size()).isZero();
    }

    @Test
    void aSpendAnswersTheNewBalanceAndItsRetryTheFirstAnswerWithoutSpendingAgain() {
        TestUser user = server.newUser();
        String key = key();
        Api.Reply first = Api.post(ALGO + "/spend", user.accessToken(), key, "{\"amount\":30,\"description\":\"art\"}");
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().path("balance").asInt()).isEqualTo(70);
        Api.Reply again = Api.post(ALGO + "/spend", user.accessToken(), key, "{\"amount\":30,\"description\":\"art\"}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(Api.get(ALGO, user.accessToken()).json().path("balance").asInt())
                .isEqualTo(70);

        Api.Reply other = Api.post(ALGO + "/spend", user.accessToken(), key, "{\"amount\":31,\"description\":\"art\"}");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.contentType()).startsWith("application/problem+json");
        assertThat(Api.get(ALGO, user.accessToken()).json().path("balance").asInt())
                .isEqualTo(70);
    }

    @Test
    void aSpendBeyondTheBalanceIs402AndSpendsNothing() {
        TestUser user = server.newUser();
        Api.Reply reply = Api.post(DELULA + "/spend", user.accessToken(), key(), "{\"amount\":11}");
        assertThat(reply.status()).as(reply.body()).isEqualTo(402);
        assertThat(reply.contentType()).startsWith("application/problem+json");
        assertThat(Api.get(DELULA, user.accessToken()).json().path("balance").asInt())
                .isEqualTo(10);
    }

    @Test
    void badInputIsA400NamingTheField() {
        TestUser user = server.newUser();
        assertThat(Api.post(ALGO + "/spend", user.accessToken(), key(), "{\"amount\":\"ten\"}")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("amount");
        assertThat(Api.post(ALGO + "/spend", user.accessToken(), key(), "{\"amount\":0}")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("amount");
        assertThat(Api.post(ALGO + "/spend", user.accessToken(), key(), "{\"amount\":1.5}")
                        .status())
                .isEqualTo(400);
        assertThat(Api.post(ALGO + "/spend", user.accessToken(), key(), "{\"amount\":99999999999}")
                        .status())
                .isEqualTo(400);
        Api.Reply noKey = Api.post(ALGO + "/spend", user.accessToken(), null, "{\"amount\":1}");
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.json().path("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(Api.post(ALGO + "/spend", user.accessToken(), "a key with spaces", "{\"amount\":1}")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("Idempotency-Key");
        assertThat(Api.post(ALGO + "/spend", user.accessToken(), key(), "[1]")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("body");
        assertThat(Api.post(DELULA + "/holds", user.accessToken(), key(), "{\"amount\":1,\"ttl_seconds\":0}")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("ttl_seconds");
        assertThat(Api.get(DELULA + "/history?limit=1000", user.accessToken())
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("limit");
        assertThat(Api.get(ALGO, user.accessToken()).json().path("balance").asInt())
                .isEqualTo(100);
        // Anonymous callers have no credits.
        assertThat(Api.post(ALGO + "/spend", null, key(), "{\"amount\":1}").status())
                .isEqualTo(401);
    }

    @Test
    void aHoldLowersWhatMayBeSpentACaptureSpendsItAndAReleaseGivesItBack() {
        TestUser user = server.newUser();
        Api.Reply hold =
                Api.post(DELULA + "/holds", user.accessToken(), key(), "{\"amount\":6,\"description\":\"video\"}");
        assertThat(hold.status()).as(hold.body()).isEqualTo(200);
        String holdId = hold.json().path("hold_id").asText();
        JsonNode balance = Api.get(DELULA, user.accessToken()).json();
        assertThat(balance.path("balance").asInt()).isEqualTo(10);
        assertThat(balance.path("available").asInt()).isEqualTo(4);
        assertThat(balance.path("holds").get(0).path("id").asText()).isEqualTo(holdId);
        assertThat(Api.post(DELULA + "/spend", user.accessToken(), key(), "{\"amount\":5}")
                        .status())
                .isEqualTo(402);

        Api.Reply capture =
                Api.post(DELULA + "/holds/" + holdId + "/capture", user.accessToken(), key(), "{\"amount\":4}");
        assertThat(capture.status()).as(capture.body()).isEqualTo(200);
        assertThat(capture.json().path("balance").asInt()).isEqualTo(6);
        assertThat(Api.post(DELULA + "/holds/" + holdId + "/release", user.accessToken(), key(), null)
                        .status())
                .isEqualTo(409);

        String second = Api.post(DELULA + "/holds", user.accessToken(), key(), "{\"amount\":6}")
                .json()
                .path("hold_id")
                .asText();
        assertThat(Api.get(DELULA, user.accessToken()).json().path("available").asInt())
                .isZero();
        Api.Reply release = Api.post(DELULA + "/holds/" + second + "/release", user.accessToken(), key(), null);
        assertThat(release.status()).as(release.body()).isEqualTo(200);
        assertThat(Api.get(DELULA, user.accessToken()).json().path("available").asInt())
                .isEqualTo(6);

        // Another user's hold is nobody else's to capture.
        TestUser other = server.newUser();
        String theirs = Api.post(DELULA + "/holds", other.accessToken(), key(), "{\"amount\":2}")
                .json()
                .path("hold_id")
                .asText();
        assertThat(Api.post(DELULA + "/holds/" + theirs + "/capture", user.accessToken(), key(), null)
                        .status())
                .isEqualTo(404);
        assertThat(Api.post(DELULA + "/holds/not-a-uuid/capture", user.accessToken(), key(), null)
                        .status())
                .isEqualTo(404);
    }

    @Test
    void aHoldNobodyResolvesExpiresAndNoLongerCounts() throws Exception {
        TestUser user = server.newUser();
        Ledger ledger = server.component(Ledger.class);
        String id = user.id().toString();
        Instant now = Instant.now();
        Ledger.Outcome hold = ledger.execute(
                "delula", id, key(), Ledger.request("hold").put("amount", 10).put("ttl_seconds", 60), now);
        assertThat(ledger.execute("delula", id, key(), Ledger.request("spend").put("amount", 1), now.plusSeconds(59))
                        .status())
                .isEqualTo(402);
        assertThat(ledger.expireHolds(now.plusSeconds(61))).isGreaterThanOrEqualTo(1);
        assertThat(OwnerSql.queryString("select status from platform.ledger_holds where id = '"
                        + hold.body().path("hold_id").asText() + "'"))
                .isEqualTo("expired");
        assertThat(ledger.execute(
                                "delula",
                                id,
                                key(),
                                Ledger.request("capture")
                                        .put(
                                                "hold_id",
                                                hold.body().path("hold_id").asText()),
                                now.plusSeconds(62))
                        .status())
                .isEqualTo(409);
        assertThat(ledger.execute("delula", id, key(), Ledger.request("spend").put("amount", 10), now.plusSeconds(62))
                        .body()
                        .path("balance")
                        .asInt())
                .isZero();
    }

    @Test
    void onlyTheServiceRoleAndTheAppsAdminMayGrantOrAdjust() throws Exception {
        TestUser user = server.newUser();
        String body = "{\"user_id\":\"" + user.id() + "\",\"amount\":25,\"reason\":\"support\"}";
        Api.Reply self = Api.post(DELULA + "/grant", user.accessToken(), key(), body);
        assertThat(self.status()).isEqualTo(403);
        assertThat(self.contentType()).startsWith("application/problem+json");
        assertThat(Api.post(ALGO + "/adjust", user.accessToken(), key(), body).status())
                .isEqualTo(403);
        assertThat(Api.post(ALGO + "/grant", null, key(), body).status()).isEqualTo(403);

        Api.Reply service = Api.post(DELULA + "/grant", server.serviceKey(), key(), body);
        assertThat(service.status()).as(service.body()).isEqualTo(200);
        assertThat(service.json().path("balance").asInt()).isEqualTo(35);

        TestUser admin = server.newUser();
        OwnerSql.exec(
                "update delula.users set access_role = 3 where id = '" + admin.id() + "'",
                "update algorhythmic.users set role = 'admin' where id = '" + admin.id() + "'");
        Api.Reply adjust = Api.post(
                DELULA + "/adjust",
                admin.accessToken(),
                key(),
                "{\"user_id\":\"" + user.id() + "\",\"amount\":-30,\"reason\":\"chargeback\"}");
        assertThat(adjust.status()).as(adjust.body()).isEqualTo(200);
        assertThat(adjust.json().path("balance").asInt()).isEqualTo(5);
        assertThat(Api.post(
                                DELULA + "/adjust",
                                admin.accessToken(),
                                key(),
                                "{\"user_id\":\"" + user.id() + "\",\"amount\":-6,\"reason\":\"too much\"}")
                        .status())
                .isEqualTo(402);
        assertThat(Api.post(ALGO + "/grant", admin.accessToken(), key(), body)
                        .json()
                        .path("balance")
                        .asInt())
                .isEqualTo(125);
        assertThat(Api.post(
                                ALGO + "/grant",
                                server.serviceKey(),
                                key(),
                                "{\"user_id\":\"nope\",\"amount\":1,\"reason\":\"x\"}")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("user_id");
        assertThat(Api.post(
                                ALGO + "/grant",
                                server.serviceKey(),
                                key(),
                                "{\"user_id\":\"" + user.id() + "\",\"amount\":1}")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("reason");
        assertThat(Api.post(
                                ALGO + "/grant",
                                server.serviceKey(),
                                key(),
                                "{\"user_id\":\"" + UUID.randomUUID() + "\",\"amount\":1,\"reason\":\"x\"}")
                        .status())
                .isEqualTo(404);
        JsonNode last = Api.get(DELULA + "/history?limit=1", user.accessToken())
                .json()
                .path("entries")
                .get(0);
        assertThat(last.path("type").asText()).isEqualTo("admin_adjustment");
        assertThat(last.path("description").asText()).isEqualTo("chargeback");
    }

    @Test
    void theHistoryPagesBackwardsByKeyset() {
        TestUser user = server.newUser();
        for (int i = 1; i <= 5; i++) {
            assertThat(Api.post(ALGO + "/spend", user.accessToken(), key(), "{\"amount\":" + i + "}")
                            .status())
                    .isEqualTo(200);
            assertThat(Api.post(DELULA + "/spend", user.accessToken(), key(), "{\"amount\":1}")
                            .status())
                    .isEqualTo(200);
        }
        for (String base : List.of(ALGO, DELULA)) {
            List<Integer> seen = new ArrayList<>();
            String before = null;
            int pages = 0;
            do {
                JsonNode page = Api.get(
                                base + "/history?limit=2" + (before == null ? "" : "&before=" + before),
                                user.accessToken())
                        .json();
                page.path("entries")
                        .forEach(e -> seen.add(e.path("balance_after").asInt()));
                before = page.path("next_before").isNull()
                        ? null
                        : page.path("next_before").asText();
                pages++;
            } while (before != null && pages < 10);
            assertThat(pages).isEqualTo(3);
            assertThat(seen).hasSize(6).isSorted(); // newest first: each spend left less
        }
        JsonNode spend = Api.get(ALGO + "/history?limit=1", user.accessToken())
                .json()
                .path("entries")
                .get(0);
        assertThat(spend.path("event_type").asText()).isEqualTo("deduct");
        assertThat(spend.path("metadata").path("paid_from").path("quota").asInt())
                .isEqualTo(5);
        assertThat(spend.path("metadata").path("paid_from").path("quota_grant").asText())
                .startsWith(user.id() + ":cycle:");
        // Another user's entry is no cursor into this user's history.
        assertThat(Api.get(ALGO + "/history?before=" + UUID.randomUUID(), user.accessToken())
                        .json()
                        .path("entries")
                        .size())
                .isZero();
    }

    @Test
    void aDelulaGenerationIsChargedThroughTheEngineAndCannotSpendCreditsOnHold() throws Exception {
        TestUser user = server.newUser();
        assertThat(Api.post(DELULA + "/holds", user.accessToken(), key(), "{\"amount\":8}")
                        .status())
                .isEqualTo(200);
        try (Connection owner = server.ownerDataSource().getConnection()) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> OwnerSql.asRole(
                            owner,
                            "service_role",
                            OwnerSql.claims(null, "service_role"),
                            "insert into delula.generations (user_id, credits_cost) values ('" + user.id() + "', 3)")))
                    .hasMessageContaining("insufficient credits");
            OwnerSql.asRole(
                    owner,
                    "service_role",
                    OwnerSql.claims(null, "service_role"),
                    "insert into delula.generations (user_id, credits_cost) values ('" + user.id() + "', 2)");
        }
        JsonNode balance = Api.get(DELULA, user.accessToken()).json();
        assertThat(balance.path("balance").asInt()).isEqualTo(8);
        assertThat(balance.path("available").asInt()).isZero();
    }

    @Test
    void theReconcileEndpointIsTheServiceRolesAndFindsADriftWhereThereIsOne() throws Exception {
        TestUser user = server.newUser();
        assertThat(Api.get("/api/v1/admin/ledger/reconcile", user.accessToken()).status())
                .isEqualTo(403);
        assertThat(Api.get("/api/v1/admin/ledger/reconcile", null).status()).isEqualTo(403);
        Api.Reply reply = Api.get("/api/v1/admin/ledger/reconcile", server.serviceKey());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("drift").asInt())
                .isEqualTo(reply.json().path("drifts").size());
        String id = user.id().toString();
        assertThat(reply.body()).doesNotContain(id);

        // A balance moved behind the ledger's back (as the owner, in a transaction rolled back) is found.
        try (Connection owner = server.ownerDataSource().getConnection()) {
            owner.setAutoCommit(false);
            try {
                OwnerSql.exec(owner, "update delula.users set credits = credits + 1 where id = '" + id + "'");
                List<Ledger.Drift> drifts = Ledger.reconcile(owner).stream()
                        .filter(d -> d.userId().equals(id))
                        .toList();
                assertThat(drifts).singleElement().satisfies(d -> {
                    assertThat(d.app()).isEqualTo("delula");
                    assertThat(d.problem()).isEqualTo("balance 11 but the ledger sums to 10");
                });
            } finally {
                owner.rollback();
            }
        }
    }
}
