package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.platform.crypto.Keyring;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.jobs.JobEngine;
import dev.atelier.platform.settings.SettingsService;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.Rest.Response;
import dev.atelier.testing.TestServer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Settings through {@code /api/v1/rotation/settings} and the data API: every type valid and
 * invalid, the validation rules, visibility per role (anon, user, admin, service role),
 * encryption at rest (ciphertext in the column, clear for the service role only, masked for
 * admins), configuration profiles overriding values, and two caches seeing a change within a second.
 */
class RotationSettingsTest {

    private static final TestServer server = TestServer.get();
    private static final String RUN =
            UUID.randomUUID().toString().substring(0, 8).replace('-', '_');
    private static final String BASE = "/api/v1/rotation/settings";
    private static AppUser admin;
    private static AppUser user;

    @BeforeAll
    static void users() throws Exception {
        admin = newUserWithRole("admin");
        user = newUser();
    }

    private static Rest service() {
        return Rest.service();
    }

    private static Rest as(AppUser u) {
        return Rest.as(u.accessToken());
    }

    private static String key(String name) {
        return "t" + RUN + "." + name;
    }

    private static Response create(Rest who, Map<String, Object> body) {
        return who.post(BASE, Rest.json(body));
    }

    private static void assertBad(Response r, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(r.json().path("field").asText()).as(r.body()).isEqualTo(field);
    }

    @Test
    void everyTypeStoresAndReadsItsValuesAndRefusesOthers() throws Exception {
        Map<String, Object> values = Map.of(
                "string",
                "hello",
                "number",
                42.5,
                "boolean",
                true,
                "json",
                Map.of("a", List.of(1, 2)),
                "array",
                List.of("x", "y"));
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String k = key("type_" + e.getKey());
            Response r = create(service(), Map.of("key", k, "value_type", e.getKey(), "value", e.getValue()));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            JsonNode got = service().get(BASE + "/" + k).json();
            assertThat(got.path("value")).isEqualTo(Rest.JSON.valueToTree(e.getValue()));
            assertThat(got.path("value_type").asText()).isEqualTo(e.getKey());
        }
        assertThat(ownerQuery("select value from rotation.settings where key = '" + key("type_json") + "'"))
                .isEqualTo("{\"a\":[1,2]}");
        // Wrong JSON type for each setting type.
        Map<String, Object> wrong = Map.of("string", 5, "number", "5", "boolean", "true", "array", Map.of("a", 1));
        for (Map.Entry<String, Object> e : wrong.entrySet()) {
            assertBad(
                    create(
                            service(),
                            Map.of("key", key("bad_" + e.getKey()), "value_type", e.getKey(), "value", e.getValue())),
                    "value");
        }
        assertBad(create(service(), Map.of("key", key("bad_type"), "value_type", "date", "value", "x")), "value_type");
        assertBad(create(service(), Map.of("key", "Not A Key", "value", "x")), "key");
        assertBad(create(service(), Map.of("key", key("bad_field"), "colour", "red")), "colour");
        assertBad(service().patch(BASE + "/" + key("type_number"), Rest.json(Map.of("value", "many"))), "value");
        assertThat(create(service(), Map.of("key", key("type_string"), "value", "again"))
                        .status())
                .isEqualTo(409);
        // The server's own typed reads.
        SettingsService settings = server.component(SettingsService.class);
        assertThat(settings.string(key("type_string"), "-")).isEqualTo("hello");
        assertThat(settings.number(key("type_number"), 0)).isEqualTo(42.5);
        assertThat(settings.bool(key("type_boolean"), false)).isTrue();
        assertThat(settings.jsonValue(key("type_array")).orElseThrow().size()).isEqualTo(2);
        assertThat(settings.string(key("missing"), "fallback")).isEqualTo("fallback");
    }

    /** A setting of {@code type} with {@code value} and {@code rules}. */
    private static Map<String, Object> ruled(String key, String type, Object value, Map<String, Object> rules) {
        return Map.of("key", key, "value_type", type, "value", value, "validation_rules", rules);
    }

    @Test
    void validationRulesAreCheckedOnEveryWrite() throws Exception {
        Rest a = as(admin);
        String n = key("rule_number");
        Map<String, Object> number =
                new java.util.HashMap<>(ruled(n, "number", 5, Map.of("min", 1, "max", 10, "integer", true)));
        number.put("default_value", 1);
        assertThat(create(a, number).status()).isEqualTo(201);
        for (Object bad : List.of(11, 0, 2.5)) {
            assertBad(a.patch(BASE + "/" + n, Rest.json(Map.of("value", bad))), "value");
        }
        assertBad(a.patch(BASE + "/" + n, Rest.json(Map.of("default_value", 20))), "default_value");
        // Tightening the rules past the stored value needs a new value.
        assertBad(a.patch(BASE + "/" + n, Rest.json(Map.of("validation_rules", Map.of("max", 4)))), "value");
        assertThat(a.patch(BASE + "/" + n, Rest.json(Map.of("value", 7)))
                        .json()
                        .path("value")
                        .asInt())
                .isEqualTo(7);

        String s = key("rule_string");
        String slow = "a".repeat(40) + "b";
        Map<Map<String, Object>, String> refused = new java.util.LinkedHashMap<>();
        refused.put(ruled(s, "string", "ABC", Map.of("pattern", "[a-z]+")), "value");
        refused.put(ruled(s, "string", "abcdef", Map.of("maxLength", 3)), "value");
        refused.put(ruled(s, "string", "b", Map.of("enum", List.of("a"))), "value");
        refused.put(ruled(s, "string", slow, Map.of("pattern", "(a+)+c")), "value");
        refused.put(ruled(s, "string", "a", Map.of("pattern", "((")), "validation_rules.pattern");
        refused.put(ruled(s, "string", "a", Map.of("min", 1)), "validation_rules.min");
        refused.put(ruled(s, "string", "a", Map.of("colour", 1)), "validation_rules.colour");
        refused.put(ruled(s, "array", List.of(1, "x"), Map.of("items", "number")), "value[1]");
        refused.put(ruled(s, "array", List.of(1, 2, 3), Map.of("maxItems", 2)), "value");
        refused.put(ruled(s, "boolean", true, Map.of("maxItems", 2)), "validation_rules.maxItems");
        refused.forEach((body, field) -> assertBad(create(a, body), field));
        assertThat(create(a, ruled(s, "string", "abc", Map.of("pattern", "[a-z]+", "maxLength", 5)))
                        .status())
                .isEqualTo(201);
        // Nobody but admins and the service role writes.
        assertThat(create(Rest.anon(), Map.of("key", key("anon"), "value", "x")).status())
                .isEqualTo(401);
        assertThat(create(as(user), Map.of("key", key("user"), "value", "x")).status())
                .isEqualTo(403);
        assertThat(as(user).delete(BASE + "/" + n).status()).isEqualTo(403);
        // Who changed it is recorded, and audited.
        assertThat(ownerQuery("select last_modified_by from rotation.settings where key = '" + n + "'"))
                .isEqualTo(Integer.toString(admin.id()));
        assertThat(ownerQuery("select count(*) from rotation.audit_logs where entity_type = 'settings'"
                        + " and user_id = " + admin.id() + " and new_values ->> 'key' = '" + n + "'"))
                .isEqualTo("2");
        assertThat(a.delete(BASE + "/" + n).status()).isEqualTo(204);
        assertThat(a.get(BASE + "/" + n).status()).isEqualTo(404);
    }

    @Test
    void eachRoleSeesWhatItMayThroughTheEndpointAndTheDataApi() throws Exception {
        String category = "vis" + RUN;
        String pub = key("vis_public");
        String priv = key("vis_private");
        String sec = key("vis_secret");
        String secret = "s3cret-" + RUN;
        Rest a = as(admin);
        assertThat(create(a, Map.of("key", pub, "value", "hello", "is_public", true, "category", category))
                        .status())
                .isEqualTo(201);
        assertThat(create(a, Map.of("key", priv, "value_type", "number", "value", 3, "category", category))
                        .status())
                .isEqualTo(201);
        Response created = create(a, Map.of("key", sec, "value", secret, "is_encrypted", true, "category", category));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("value").asText()).isEqualTo("********");

        for (Rest nobody : List.of(Rest.anon(), as(user))) {
            assertThat(keys(nobody.get(BASE + "?category=" + category).json())).containsExactly(pub);
            assertThat(nobody.get(BASE + "/" + priv).status()).isEqualTo(404);
            assertThat(nobody.get(BASE + "/" + sec).status()).isEqualTo(404);
            Response rest =
                    nobody.with("Accept-Profile", "rotation").get("/settings?select=key,value&category=eq." + category);
            assertThat(rest.status()).isEqualTo(200);
            assertThat(keys(rest.json())).containsExactly(pub);
        }
        JsonNode asAdmin = a.get(BASE + "?category=" + category).json();
        assertThat(keys(asAdmin)).containsExactly(priv, pub, sec);
        assertThat(asAdmin.get(2).path("value").asText()).isEqualTo("********");
        assertThat(asAdmin.get(2).path("masked").asBoolean()).isTrue();
        assertThat(asAdmin.get(0).path("value").asInt()).isEqualTo(3);
        Response adminRest = a.with("Accept-Profile", "rotation")
                .get("/settings?select=key,value&category=eq." + category + "&order=key");
        assertThat(keys(adminRest.json())).containsExactly(priv, pub, sec);
        assertThat(adminRest.json().get(2).path("value").isNull()).isTrue();
        assertThat(adminRest.body()).doesNotContain(secret);
        assertThat(a.with("Accept-Profile", "rotation")
                        .get("/settings?select=value_encrypted&key=eq." + sec)
                        .status())
                .isIn(401, 403);

        JsonNode asService = service().get(BASE + "?category=" + category).json();
        assertThat(keys(asService)).containsExactly(priv, pub, sec);
        assertThat(asService.get(2).path("value").asText()).isEqualTo(secret);
        assertThat(service().get(BASE + "/" + sec).json().path("value").asText())
                .isEqualTo(secret);
        assertThat(server.component(SettingsService.class).string(sec, "-")).isEqualTo(secret);
    }

    @Test
    void encryptedValuesAreCiphertextAtRestAndBoundToTheirKey() throws Exception {
        String sec = key("enc");
        String other = key("enc_other");
        String secret = "token-" + RUN;
        Rest a = as(admin);
        assertThat(create(a, Map.of("key", sec, "value", secret, "is_encrypted", true))
                        .status())
                .isEqualTo(201);
        assertThat(ownerQuery("select (value is null) || ':' || (default_value is null) || ':'"
                        + " || (position(convert_to('" + secret + "', 'UTF8') in value_encrypted) = 0) || ':'"
                        + " || (length(value_encrypted) > 16) || ':' || (encryption_key_id is not null)"
                        + " from rotation.settings where key = '" + sec + "'"))
                .isEqualTo("true:true:true:true:true");
        assertThat(ownerQuery("select last_modified_by from rotation.settings where key = '" + sec + "'"))
                .isEqualTo(Integer.toString(admin.id()));
        assertThat(ownerQuery("select count(*) from rotation.audit_logs where entity_type = 'settings'"
                        + " and new_values ->> 'key' = '" + sec + "' and not (new_values ? 'value_encrypted')"))
                .isEqualTo("1");
        // The ciphertext opens as its own key's value only (the AAD names the key).
        ownerExec("insert into rotation.settings (key, is_encrypted, value_encrypted, encryption_key_id)"
                + " select '" + other
                + "', true, value_encrypted, encryption_key_id from rotation.settings where key = '"
                + sec + "'");
        server.component(SettingsService.class).reload();
        assertThat(service().get(BASE + "/" + other).json().path("value").isNull())
                .isTrue();
        assertThat(server.component(SettingsService.class).value(other)).isEmpty();
        // Admins change the description as themselves; the value still opens.
        assertThat(a.patch(BASE + "/" + sec, Rest.json(Map.of("description", "an API token")))
                        .status())
                .isEqualTo(200);
        assertThat(service().get(BASE + "/" + sec).json().path("value").asText())
                .isEqualTo(secret);
        // Encrypted settings refuse what would leave clear text behind.
        assertBad(
                create(a, Map.of("key", key("enc_pub"), "value", "x", "is_encrypted", true, "is_public", true)),
                "is_public");
        assertBad(
                create(a, Map.of("key", key("enc_def"), "value", "x", "is_encrypted", true, "default_value", "y")),
                "default_value");
        assertBad(create(a, Map.of("key", key("enc_none"), "is_encrypted", true)), "value");
        assertBad(a.patch(BASE + "/" + sec, Rest.json(Map.of("is_encrypted", false))), "value");
        // A new value is sealed again; decrypting it back to clear needs the value.
        assertThat(a.patch(BASE + "/" + sec, Rest.json(Map.of("value", secret + "2")))
                        .status())
                .isEqualTo(200);
        assertThat(service().get(BASE + "/" + sec).json().path("value").asText())
                .isEqualTo(secret + "2");
        JsonNode plain = a.patch(BASE + "/" + sec, Rest.json(Map.of("is_encrypted", false, "value", "open")))
                .json();
        assertThat(plain.path("value").asText()).isEqualTo("open");
        assertThat(ownerQuery("select coalesce(encode(value_encrypted, 'hex'), '-') || value from rotation.settings"
                        + " where key = '" + sec + "'"))
                .isEqualTo("-open");
    }

    private static String profile(String name, String environment, Map<String, Object> config) {
        return Rest.json(Map.of("name", name, "environment", environment, "config_data", config));
    }

    @Test
    void aProfileOverridesValuesForItsEnvironment() throws Exception {
        String limit = key("prof_limit");
        String sec = key("prof_secret");
        String staging = "staging-" + RUN;
        String production = "production-" + RUN;
        Rest a = as(admin);
        assertThat(create(
                                a,
                                Map.of(
                                        "key",
                                        limit,
                                        "value_type",
                                        "number",
                                        "value",
                                        10,
                                        "is_public",
                                        true,
                                        "validation_rules",
                                        Map.of("max", 100)))
                        .status())
                .isEqualTo(201);
        assertThat(create(a, Map.of("key", sec, "value", "x", "is_encrypted", true))
                        .status())
                .isEqualTo(201);
        String profiles = "/api/v1/rotation/config-profiles";
        Map<Map<String, Object>, String> refused = new java.util.LinkedHashMap<>();
        refused.put(Map.of(limit, 500), "config_data." + limit);
        refused.put(Map.of(limit, "50"), "config_data." + limit);
        refused.put(Map.of(key("nope"), 1), "config_data." + key("nope"));
        refused.put(Map.of(sec, "y"), "config_data." + sec);
        refused.forEach((config, field) -> assertBad(a.post(profiles, profile(staging, "staging", config)), field));
        assertBad(a.post(profiles, profile(staging, "moon", Map.of())), "environment");
        assertThat(as(user).post(profiles, profile(staging, "staging", Map.of()))
                        .status())
                .isEqualTo(403);
        Response made = a.post(profiles, profile(staging, "staging", Map.of(limit, 25)));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(a.post(profiles, profile(production, "production", Map.of(limit, 50)))
                        .status())
                .isEqualTo(201);
        try {
            // Not active yet: the setting's own value applies.
            assertThat(Rest.anon().get(BASE + "/" + limit).json().path("value").asInt())
                    .isEqualTo(10);
            JsonNode on =
                    a.post(profiles + "/" + production + "/activate", "{}").json();
            assertThat(on.path("is_active").asBoolean()).isTrue();
            assertThat(ownerQuery(
                            "select activated_by from rotation.config_profiles where name = '" + production + "'"))
                    .isEqualTo(Integer.toString(admin.id()));
            // This server runs as production (the default environment): its active profile applies.
            JsonNode seen = Rest.anon().get(BASE + "/" + limit).json();
            assertThat(seen.path("value").asInt()).isEqualTo(50);
            assertThat(seen.path("source").asText()).isEqualTo("profile");
            assertThat(server.component(SettingsService.class).integer(limit, 0))
                    .isEqualTo(50);
            assertThat(a.get(profiles + "/current").json().path("profile").asText())
                    .isEqualTo(production);
            // Another server configured for staging, or naming a profile, gets that one.
            Database database = server.component(Database.class);
            Keyring keyring = server.component(Keyring.class);
            a.post(profiles + "/" + staging + "/activate", "{}");
            try (SettingsService stagingServer =
                            new SettingsService(database, keyring, Clock.systemUTC(), null, null, "staging");
                    SettingsService named =
                            new SettingsService(database, keyring, Clock.systemUTC(), null, staging, "production")) {
                stagingServer.reload();
                named.reload();
                assertThat(stagingServer.integer(limit, 0)).isEqualTo(25);
                assertThat(named.integer(limit, 0)).isEqualTo(25);
            }
            // An override the rules no longer allow is ignored.
            ownerExec("update rotation.config_profiles set config_data = '{\"" + limit + "\": 1000}'"
                    + " where name = '" + production + "'");
            server.component(SettingsService.class).reload();
            assertThat(Rest.anon().get(BASE + "/" + limit).json().path("value").asInt())
                    .isEqualTo(10);
        } finally {
            a.delete(profiles + "/" + production);
            a.delete(profiles + "/" + staging);
        }
        assertThat(Rest.anon().get(BASE + "/" + limit).json().path("source").asText())
                .isEqualTo("value");
    }

    @Test
    void twoServersSeeAChangeWithinOneSecond() throws Exception {
        Database database = server.component(Database.class);
        JobEngine.Listener listener = server.component(JobEngine.Listener.class);
        Keyring keyring = server.component(Keyring.class);
        String k = key("two");
        ownerExec("insert into rotation.settings (key, value) values ('" + k + "', 'one')");
        try (SettingsService a =
                        new SettingsService(database, keyring, Clock.systemUTC(), listener, null, "production");
                SettingsService b =
                        new SettingsService(database, keyring, Clock.systemUTC(), listener, null, "production")) {
            a.start();
            b.start();
            Poll.until("both listening", Duration.ofSeconds(10), () -> a.isListening() && b.isListening());
            long started = System.nanoTime();
            ownerExec("update rotation.settings set value = 'two' where key = '" + k + "'");
            Poll.until(
                    "both see the new value",
                    Duration.ofSeconds(1),
                    () -> a.string(k, "").equals("two") && b.string(k, "").equals("two"));
            System.out.printf(
                    "two settings caches: a changed value seen by both in %d ms%n",
                    (System.nanoTime() - started) / 1_000_000);
        }
    }

    private static List<String> keys(JsonNode rows) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(r.path("key").asText()));
        return out;
    }
}
