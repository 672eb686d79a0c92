package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stripe's webhook with signed fixtures: each event type, a replay, a bad signature, a stale
 * timestamp. The payloads are shaped as Stripe sends them (the fields the handler reads, in
 * their places: data.object.customer, items.data[0].price.id, lines.data[0].period.start).
 */
class StripeWebhookTest {

    private static final TestServer server = TestServer.get();
    private static final String SECRET =
            "whsec_test_" + UUID.randomUUID().toString().replace("-", "");
    private static final String PREMIUM_PRICE =
            "price_premium_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String ULTIMATE_PRICE =
            "price_ultimate_" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void configure() throws Exception {
        server.component(StripeWebhook.class).useSecret(SECRET);
        OwnerSql.exec(
                "update algorhythmic.subscription_tiers set stripe_price_id = '" + PREMIUM_PRICE
                        + "' where tier = 'premium'",
                "update algorhythmic.subscription_tiers set stripe_price_id = '" + ULTIMATE_PRICE
                        + "' where tier = 'ultimate'");
    }

    private static String customer() throws Exception {
        String id = server.newUser().id().toString();
        String customer = "cus_" + UUID.randomUUID().toString().replace("-", "").substring(0, 14);
        OwnerSql.exec("update algorhythmic.users set stripe_customer_id = '" + customer + "' where id = '" + id + "'");
        return customer;
    }

    private static String userOf(String customer) throws Exception {
        return OwnerSql.queryString("select id from algorhythmic.users where stripe_customer_id = '" + customer + "'");
    }

    private static String subscriptionEvent(String type, String customer, String price, String status) {
        String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
        return """
                {"id":"%s","object":"event","api_version":"2024-06-20","created":%d,"type":"%s","livemode":false,
                 "data":{"object":{"id":"sub_%s","object":"subscription","customer":"%s","status":"%s",
                   "items":{"object":"list","data":[{"id":"si_1","object":"subscription_item",
                     "price":{"id":"%s","object":"price","currency":"usd","unit_amount":1000}}]}}}}""".formatted(id, Instant.now().getEpochSecond(), type, customer.substring(4), customer, status, price);
    }

    private static String invoicePaid(String customer, long periodStart) {
        String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
        return """
                {"id":"%s","object":"event","created":%d,"type":"invoice.paid","livemode":false,
                 "data":{"object":{"id":"in_1","object":"invoice","customer":"%s","billing_reason":"subscription_cycle",
                   "status":"paid","lines":{"object":"list","data":[{"id":"il_1","period":{"start":%d,"end":%d}}]}}}}""".formatted(id, Instant.now().getEpochSecond(), customer, periodStart, periodStart + 30 * 86400);
    }

    private static String signature(String payload, long timestamp, String secret) {
        return "t=" + timestamp + ",v1="
                + HexFormat.of()
                        .formatHex(StripeWebhook.sign(secret, timestamp, payload.getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpResponse<String> post(String payload, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(server.baseUrl() + "/api/v1/algorhythmic/stripe/webhook"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload));
        if (signature != null) {
            request.header("Stripe-Signature", signature);
        }
        return server.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> deliver(String payload) throws Exception {
        return post(payload, signature(payload, Instant.now().getEpochSecond(), SECRET));
    }

    private static String state(String user) throws Exception {
        return OwnerSql.queryString("select u.subscription_tier || ' ' || c.balance || ' ' || c.base_quota "
                + "from algorhythmic.users u join algorhythmic.user_credits c on c.user_id = u.id where u.id = '" + user
                + "'");
    }

    @Test
    void aCreatedSubscriptionUpgradesAndAReplayChangesNothing() throws Exception {
        String customer = customer();
        String user = userOf(customer);
        String event = subscriptionEvent("customer.subscription.created", customer, PREMIUM_PRICE, "active");
        HttpResponse<String> first = deliver(event);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("tier premium");
        assertThat(state(user)).isEqualTo("premium 1000 1000");
        assertThat(OwnerSql.queryString(
                        "select stripe_subscription_id from algorhythmic.users where id = '" + user + "'"))
                .isEqualTo("sub_" + customer.substring(4));

        HttpResponse<String> replay = deliver(event);
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).contains("duplicate");
        assertThat(state(user)).isEqualTo("premium 1000 1000");
    }

    @Test
    void anUpdatedSubscriptionChangesTheTierAndADeletedOneFallsBackToFreeAtTheNextCycle() throws Exception {
        String customer = customer();
        String user = userOf(customer);
        assertThat(deliver(subscriptionEvent("customer.subscription.updated", customer, ULTIMATE_PRICE, "active"))
                        .statusCode())
                .isEqualTo(200);
        assertThat(state(user)).isEqualTo("ultimate 3000 3000");
        assertThat(deliver(subscriptionEvent("customer.subscription.deleted", customer, ULTIMATE_PRICE, "canceled"))
                        .body())
                .contains("tier free");
        assertThat(state(user)).isEqualTo("free 3000 3000");
        assertThat(OwnerSql.queryString(
                        "select stripe_subscription_id is null from algorhythmic.users where id = '" + user + "'"))
                .isEqualTo("t");
    }

    @Test
    void aPaidInvoiceStartsTheNewCycleWithItsGrant() throws Exception {
        String customer = customer();
        String user = userOf(customer);
        deliver(subscriptionEvent("customer.subscription.created", customer, PREMIUM_PRICE, "active"));
        long periodStart = Instant.now().getEpochSecond() - 60;
        OwnerSql.exec("update algorhythmic.user_credits set billing_cycle_start = to_timestamp("
                + (periodStart - 86400 * 30L) + ") where user_id = '" + user + "'");
        HttpResponse<String> paid = deliver(invoicePaid(customer, periodStart));
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
        assertThat(paid.body()).contains("new cycle");
        assertThat(OwnerSql.queryString(
                        "select extract(epoch from billing_cycle_start)::bigint from algorhythmic.user_credits"
                                + " where user_id = '" + user + "'"))
                .isEqualTo(Long.toString(periodStart));
        assertThat(state(user)).isEqualTo("premium 2000 1000"); // 1000 unused carried (cap 1000), 1000 granted
        assertThat(OwnerSql.rows("select event_type from algorhythmic.credit_ledger where user_id = '" + user
                        + "' order by created_at"))
                .containsExactly("grant", "grant", "decay", "rollover", "grant");
    }

    @Test
    void aBadSignatureOrAStaleTimestampIs400AndChangesNothing() throws Exception {
        String customer = customer();
        String user = userOf(customer);
        String event = subscriptionEvent("customer.subscription.created", customer, PREMIUM_PRICE, "active");
        long now = Instant.now().getEpochSecond();

        HttpResponse<String> wrongSecret = post(event, signature(event, now, "whsec_not_the_secret"));
        assertThat(wrongSecret.statusCode()).isEqualTo(400);
        assertThat(wrongSecret.body()).contains("\"field\":\"Stripe-Signature\"");
        HttpResponse<String> tampered =
                post(event.replace(PREMIUM_PRICE, ULTIMATE_PRICE), signature(event, now, SECRET));
        assertThat(tampered.statusCode()).isEqualTo(400);
        assertThat(post(event, null).statusCode()).isEqualTo(400);
        assertThat(post(event, "t=" + now + ",v1=zz").statusCode()).isEqualTo(400);
        HttpResponse<String> stale = post(event, signature(event, now - 301, SECRET));
        assertThat(stale.statusCode()).isEqualTo(400);
        assertThat(stale.body()).contains("tolerance");
        assertThat(state(user)).isEqualTo("free 100 100");
        assertThat(OwnerSql.queryString("select count(*) from platform.webhook_events where event_id = '"
                        + event.substring(7, event.indexOf('"', 7)) + "'"))
                .isEqualTo("0");

        // The same event, signed properly (and with a rolled secret's second v1), is then applied.
        HttpResponse<String> good = post(
                event,
                signature(event, now, "whsec_old") + ",v1="
                        + HexFormat.of()
                                .formatHex(StripeWebhook.sign(SECRET, now, event.getBytes(StandardCharsets.UTF_8))));
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
        assertThat(state(user)).isEqualTo("premium 1000 1000");
    }
}
