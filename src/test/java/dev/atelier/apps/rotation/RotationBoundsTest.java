package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.linkManager;
import static dev.atelier.apps.rotation.RotationSql.newInventory;
import static dev.atelier.apps.rotation.RotationSql.newRecord;
import static dev.atelier.apps.rotation.RotationSql.newStore;
import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.testing.AccessMatrix;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a Rotation client may make the database keep or compute (issue 6, findings 3 and 5): the
 * context stored with a flag evaluation is bounded and an anonymous caller's is not kept, a
 * condition's nesting is bounded (a 400, not a stack overflow), and the counters the system keeps
 * are not writable by managers or admins. Through /rest/v1, as the attacks were.
 */
class RotationBoundsTest {

    private static final TestServer server = TestServer.get();
    private static AppUser user;
    private static AppUser admin;

    @BeforeAll
    static void users() throws SQLException {
        user = newUser();
        admin = newUserWithRole("admin");
    }

    private static Rest client(String token) {
        return AccessMatrix.client("rotation", token);
    }

    private static String flag(String type) throws SQLException {
        String key = "bounds-" + UUID.randomUUID().toString().substring(0, 13);
        ownerExec("insert into rotation.feature_flags (key, name, flag_type, is_enabled, rollout_percentage) values ('"
                + key + "', 'Bounds', '" + type + "', true, 50)");
        return key;
    }

    private static String evaluations(String key, String what) throws SQLException {
        return ownerQuery("select string_agg(" + what + ", ';' order by e.id) from rotation.feature_flag_evaluations e "
                + "join rotation.feature_flags f on f.id = e.feature_flag_id where f.key = '" + key + "'");
    }

    private static Rest.Response evaluate(String token, String key, Object context) {
        return client(token).post("/rpc/evaluate_feature_flag", Rest.json(Map.of("key", key, "context", context)));
    }

    /** A condition that is {@code nots} "not"s around a leaf: its deepest JSON value is at level nots + 1. */
    private static String nestedNot(int nots) {
        return "{\"not\":".repeat(nots) + "{\"attribute\":\"country\",\"operator\":\"eq\",\"value\":\"NL\"}"
                + "}".repeat(nots);
    }

    private static String nestedAll(int alls) {
        return "{\"all\":[".repeat(alls) + "{\"attribute\":\"country\",\"operator\":\"in\",\"values\":[\"NL\"]}"
                + "]}".repeat(alls);
    }

    @Test
    void aContextOverFourKilobytesIsRefusedAndNothingIsStored() throws SQLException {
        String key = flag("percentage");
        Rest.Response big = evaluate(server.anonKey(), key, Map.of("sessionId", "s-1", "junk", "x".repeat(20_000)));
        assertThat(big.status()).as(big.body()).isEqualTo(400);
        assertThat(big.json().path("code").asText()).isEqualTo("22023");
        assertThat(big.json().path("message").asText()).contains("at most 4096");
        Rest.Response bigForAUser = evaluate(user.accessToken(), key, Map.of("junk", "x".repeat(4_100)));
        assertThat(bigForAUser.status()).isEqualTo(400);
        assertThat(evaluations(key, "e.id::text")).isNull();

        Rest.Response small = evaluate(user.accessToken(), key, Map.of("page", "x".repeat(4_000)));
        assertThat(small.status()).as(small.body()).isEqualTo(200);
        assertThat(evaluations(key, "length(e.evaluation_context->>'page')::text"))
                .isEqualTo("4000");
    }

    @Test
    void anAnonymousEvaluationIsRecordedWithoutItsContext() throws SQLException {
        String key = flag("percentage");
        Rest.Response anon = evaluate(server.anonKey(), key, Map.of("sessionId", "anon-session", "country", "NL"));
        assertThat(anon.status()).as(anon.body()).isEqualTo(200);
        Rest.Response signedIn = evaluate(user.accessToken(), key, Map.of("country", "DE"));
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(evaluations(
                        key,
                        "concat_ws('|', coalesce(e.user_id::text, 'none'), e.session_id, e.evaluation_context::text)"))
                .isEqualTo("none|anon-session|{};" + user.id() + "|{\"country\": \"DE\"}");
    }

    @Test
    void aDeeplyNestedConditionIsA400NotAStackOverflow() throws SQLException {
        String deep = "{\"condition\":" + nestedNot(900) + ",\"context\":{\"country\":\"NL\"}}";
        // Only the service role may call it directly (V47); evaluate_feature_flag calls it as its owner.
        Rest.Response attack = client(server.serviceKey()).post("/rpc/evaluate_flag_condition", deep);
        assertThat(attack.status()).as(attack.body()).isEqualTo(400);
        assertThat(attack.json().path("code").asText()).isEqualTo("22023");
        assertThat(attack.json().path("message").asText()).contains("at most 32 levels");
        assertThat(attack.body()).doesNotContain("max_stack_depth");

        Rest.Response justTooDeep = client(server.serviceKey())
                .post(
                        "/rpc/evaluate_flag_condition",
                        "{\"condition\":" + nestedNot(32) + ",\"context\":{\"country\":\"NL\"}}");
        assertThat(justTooDeep.status()).isEqualTo(400);
        Rest.Response deepest = client(server.serviceKey())
                .post(
                        "/rpc/evaluate_flag_condition",
                        "{\"condition\":" + nestedNot(31) + ",\"context\":{\"country\":\"NL\"}}");
        assertThat(deepest.status()).as(deepest.body()).isEqualTo(200);
        assertThat(deepest.body()).isEqualTo("false"); // 31 nots of a true leaf
        // Arrays count as levels too: 15 nested "all" put the leaf's value at level 32, 16 at 34.
        Rest.Response allDeepest = client(server.serviceKey())
                .post(
                        "/rpc/evaluate_flag_condition",
                        "{\"condition\":" + nestedAll(15) + ",\"context\":{\"country\":\"NL\"}}");
        assertThat(allDeepest.body()).as(allDeepest.body()).isEqualTo("true");
        for (int alls : new int[] {16, 450}) {
            Rest.Response tooDeep = client(server.serviceKey())
                    .post(
                            "/rpc/evaluate_flag_condition",
                            "{\"condition\":" + nestedAll(alls) + ",\"context\":{\"country\":\"NL\"}}");
            assertThat(tooDeep.status()).as(tooDeep.body()).isEqualTo(400);
        }

        // A condition stored by an admin is held to the same bound when a flag is evaluated.
        String key = flag("condition");
        ownerExec("update rotation.feature_flags set conditions = '" + nestedNot(40) + "' where key = '" + key + "'");
        assertThat(evaluate(server.anonKey(), key, Map.of("country", "NL")).status())
                .isEqualTo(400);
    }

    @Test
    void managersAndAdminsCannotWriteTheCountersTheSystemKeeps() throws SQLException {
        AppUser manager = newUserWithRole("store_manager");
        int store = newStore("active");
        linkManager(store, manager.id());
        int record = newRecord(180, 200);
        int listing = newInventory(store, record, "active");
        Rest asManager = client(manager.accessToken());
        AccessMatrix.assertDenied(
                asManager.patch("/store_inventory?id=eq." + listing, "{\"view_count\":100000}"), false);
        AccessMatrix.assertDenied(
                asManager.patch("/store_inventory?id=eq." + listing, "{\"wishlist_count\":5000}"), false);
        assertThat(asManager
                        .patch("/store_inventory?id=eq." + listing, "{\"price\":12.5,\"featured\":true}")
                        .status())
                .isEqualTo(204);
        assertThat(ownerQuery(
                        "select concat_ws('|', view_count, wishlist_count, price, featured) from rotation.store_inventory "
                                + "where id = " + listing))
                .isEqualTo("0|0|12.50|t");

        Rest asAdmin = client(admin.accessToken());
        AccessMatrix.assertDenied(asAdmin.patch("/stores?id=eq." + store, "{\"total_releases\":99999}"), false);
        AccessMatrix.assertDenied(asAdmin.patch("/records?id=eq." + record, "{\"total_tracks\":99}"), false);
        AccessMatrix.assertDenied(
                asAdmin.post(
                        "/stores",
                        Rest.json(Map.of(
                                "name",
                                "S",
                                "slug",
                                "s-" + UUID.randomUUID(),
                                "discogs_username",
                                "s" + System.nanoTime(),
                                "average_rating",
                                5))),
                false);
        assertThat(asAdmin.patch("/stores?id=eq." + store, "{\"description\":\"Open late\"}")
                        .status())
                .isEqualTo(204);
        assertThat(ownerQuery(
                        "select concat_ws('|', total_releases, description) from rotation.stores where id = " + store))
                .isEqualTo("0|Open late");
        assertThat(ownerQuery("select total_tracks from rotation.records where id = " + record))
                .isEqualTo("0");
    }
}
