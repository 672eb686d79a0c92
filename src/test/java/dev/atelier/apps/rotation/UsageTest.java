package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/rotation/usage} writes usage_metrics for visitors and users (the user is the
 * caller's, the address and agent the request's), refuses a bad batch whole; and request sampling
 * fills performance_metrics at the configured rate (the test server samples one in ten).
 */
class UsageTest {

    private static final String PATH = "/api/v1/rotation/usage";

    @Test
    void visitorsAndUsersRecordUsage() throws Exception {
        String tag = "usage-" + UUID.randomUUID();
        Rest.Response anon = Rest.anon()
                .with("User-Agent", "RotationTest/1.0")
                .post(
                        PATH,
                        "{\"events\":[{\"event_type\":\"page_view\",\"event_name\":\"" + tag + "\","
                                + "\"page_url\":\"https://rotation.example/feed\",\"country_code\":\"DE\","
                                + "\"properties\":{\"ref\":\"mail\"}},"
                                + "{\"event_type\":\"search\",\"event_name\":\"" + tag
                                + "\",\"entity_type\":\"record\","
                                + "\"entity_id\":42,\"timestamp\":\""
                                + java.time.Instant.now().minusSeconds(60) + "\"}]}");
        assertThat(anon.status()).as(anon.body()).isEqualTo(200);
        assertThat(anon.json().path("accepted").asInt()).isEqualTo(2);

        RotationSql.AppUser user = newUser();
        // A client cannot name the user: user_id in the event is not a field of the API.
        Rest.Response signedIn = Rest.as(user.accessToken())
                .with("User-Agent", "RotationTest/2.0")
                .post(
                        PATH,
                        "{\"events\":[{\"event_type\":\"track_play\",\"event_name\":\"" + tag + "\",\"user_id\":1}]}");
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);

        assertThat(OwnerSql.rows("select concat_ws('|', event_type, coalesce(user_id::text, '-'), host(ip_address),"
                        + " user_agent, country_code, entity_type, entity_id, properties->>'ref')"
                        + " from rotation.usage_metrics where event_name = '" + tag + "' order by event_type"))
                .containsExactly(
                        // concat_ws leaves out what is NULL
                        "page_view|-|127.0.0.1|RotationTest/1.0|DE|mail",
                        "search|-|127.0.0.1|RotationTest/1.0|record|42",
                        "track_play|" + user.id() + "|127.0.0.1|RotationTest/2.0");
    }

    @Test
    void aBadEventRefusesTheBatch() throws Exception {
        String tag = "bad-" + UUID.randomUUID();
        String ok = "{\"event_type\":\"click\",\"event_name\":\"" + tag + "\"}";
        String[][] cases = {
            {"{\"event_type\":\"click\"}", "events[1].event_name"},
            {"{\"event_type\":\"no spaces\",\"event_name\":\"x\"}", "events[1].event_type"},
            {"{\"event_type\":\"click\",\"event_name\":\"x\",\"country_code\":\"de\"}", "events[1].country_code"},
            {"{\"event_type\":\"click\",\"event_name\":\"x\",\"entity_id\":\"abc\"}", "events[1].entity_id"},
            {"{\"event_type\":\"click\",\"event_name\":\"x\",\"properties\":[1]}", "events[1].properties"},
            {
                "{\"event_type\":\"click\",\"event_name\":\"x\",\"properties\":{\"a\":\"\\u0000\"}}",
                "events[1].properties"
            },
            {"{\"event_type\":\"click\",\"event_name\":\"x\\u0000\"}", "events[1].event_name"},
        };
        for (String[] c : cases) {
            Rest.Response r = Rest.anon().post(PATH, "{\"events\":[" + ok + "," + c[0] + "]}");
            assertThat(r.status()).as(c[0] + " → " + r.body()).isEqualTo(400);
            assertThat(r.json().path("field").asText()).as(r.body()).isEqualTo(c[1]);
        }
        assertThat(ownerQuery("select count(*) from rotation.usage_metrics where event_name = '" + tag + "'"))
                .isEqualTo("0");
    }

    @Test
    void requestsAreSampledIntoPerformanceMetrics() throws Exception {
        String table = "sampled_" + UUID.randomUUID().toString().replace("-", "");
        for (int i = 0; i < 200; i++) {
            assertThat(Rest.anon().get("/" + table).status()).isEqualTo(404);
        }
        String where = " from rotation.performance_metrics where endpoint = '/rest/v1/" + table + "'";
        Poll.until(
                "samples are written",
                Duration.ofSeconds(10),
                () -> Integer.parseInt(ownerQuery("select count(*)" + where)) >= 15);
        assertThat(Integer.parseInt(ownerQuery("select count(*)" + where))).isBetween(15, 25);
        assertThat(ownerQuery("select string_agg(distinct concat_ws('|', metric_type, operation, status_code, success,"
                        + " error_type), ',')" + where))
                .isEqualTo("api_response_time|GET|404|t|client_error");
        // Controllers are named by their route template, ids and all.
        for (int i = 0; i < 20; i++) {
            Rest.anon().get("/api/v1/algorhythmic/generations/" + UUID.randomUUID());
        }
        Poll.until(
                "a templated route is sampled",
                Duration.ofSeconds(10),
                () -> !ownerQuery(
                                "select count(*) from"
                                        + " rotation.performance_metrics where endpoint = '/api/v1/algorhythmic/generations/{id}'")
                        .equals("0"));
    }
}
