package dev.atelier.apps.algorhythmic;

import static dev.atelier.testing.AccessMatrix.assertChangeAnswer;
import static dev.atelier.testing.AccessMatrix.assertDenied;
import static dev.atelier.testing.AccessMatrix.assertInsertAnswer;
import static dev.atelier.testing.AccessMatrix.assertSelectAnswer;
import static dev.atelier.testing.AccessMatrix.client;
import static dev.atelier.testing.AccessMatrix.row;
import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.AccessMatrix;
import dev.atelier.testing.AccessMatrix.Actor;
import dev.atelier.testing.AccessMatrix.Outcome;
import dev.atelier.testing.AccessMatrix.Verb;
import dev.atelier.testing.Rest.Response;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/apps/algorhythmic.md's access table, cell by cell, through /rest/v1 as clients reach it:
 * for every table, every role (anon, the row's owner, another user, the app's admin, service_role)
 * and every verb, the allow or deny PostgREST would answer, checked afterwards as the database
 * owner. "art_sessions (library)" and "dna_genomes (library)" are rows of the public catalogue.
 */
class AlgorhythmicAccessMatrixTest {

    private static final TestServer server = TestServer.get();
    private static final String SCHEMA = "algorhythmic";
    private static final String LIBRARY_ART = "art_sessions (library)";
    private static final String LIBRARY_GENOME = "dna_genomes (library)";

    private static final Outcome D = Outcome.DENIED;
    private static final Outcome R = Outcome.REFUSED;
    private static final Outcome A = Outcome.ALLOWED;
    private static final Outcome H = Outcome.HIDDEN;

    private static TestUser otherUser;
    private static TestUser admin;
    /** Every cell's row owner, to forget those whose credit account a cell deleted (see below). */
    private static final List<String> OWNERS = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * The user_credits cells delete the owner's account before inserting one; where the insert is
     * refused, the sign-up's ledger is left without its balance row. Those owners go (their ledger
     * with them), so that the reconcile of a later test class in this JVM sees only its own drift.
     */
    @AfterAll
    static void forgetOwnersWithoutAnAccount() throws SQLException {
        List<String> owners;
        synchronized (OWNERS) {
            owners = List.copyOf(OWNERS);
        }
        if (owners.isEmpty()) {
            return;
        }
        exec("delete from auth.users u where u.id::text in ('" + String.join("', '", owners) + "') "
                + "and not exists (select 1 from algorhythmic.user_credits c where c.user_id::text = u.id::text)");
    }

    @BeforeAll
    static void users() throws SQLException {
        otherUser = server.newUser();
        admin = server.newUser();
        exec("update algorhythmic.users set role = 'admin' where id = '" + admin.id() + "'");
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cells = new ArrayList<>();
        // table, verb: anon, owner, other user, admin, service_role
        row(cells, "subscription_tiers", Verb.SELECT, A, A, A, A, A);
        row(cells, "subscription_tiers", Verb.INSERT, D, R, R, A, A);
        row(cells, "subscription_tiers", Verb.UPDATE, D, H, H, A, A);
        row(cells, "subscription_tiers", Verb.DELETE, D, H, H, A, A);

        row(cells, "users", Verb.SELECT, D, A, H, A, A);
        row(cells, "users", Verb.INSERT, D, D, D, D, A);
        row(cells, "users", Verb.UPDATE, D, A, H, H, A);
        row(cells, "users", Verb.DELETE, D, D, D, D, A);

        for (String own : List.of("sessions", "art_preferences", "art_votes", "user_art_impressions")) {
            row(cells, own, Verb.SELECT, D, A, H, A, A);
            row(cells, own, Verb.INSERT, D, A, R, R, A);
            row(cells, own, Verb.UPDATE, D, A, H, H, A);
            row(cells, own, Verb.DELETE, D, A, H, H, A);
        }

        row(cells, "art_sessions", Verb.SELECT, H, A, H, A, A);
        row(cells, "art_sessions", Verb.INSERT, D, D, D, D, A);
        row(cells, "art_sessions", Verb.UPDATE, D, A, H, H, A);
        row(cells, "art_sessions", Verb.DELETE, D, A, H, A, A);

        row(cells, LIBRARY_ART, Verb.SELECT, A, A, A, A, A);
        row(cells, LIBRARY_ART, Verb.INSERT, D, D, D, D, A);
        row(cells, LIBRARY_ART, Verb.UPDATE, D, H, H, H, A);
        row(cells, LIBRARY_ART, Verb.DELETE, D, H, H, A, A);

        row(cells, "credit_ledger", Verb.SELECT, D, A, H, A, A);
        row(cells, "credit_ledger", Verb.INSERT, D, D, D, D, A);
        row(cells, "credit_ledger", Verb.UPDATE, D, D, D, D, D);
        row(cells, "credit_ledger", Verb.DELETE, D, D, D, D, D);

        for (String platformWritten : List.of("user_credits", "generation_jobs")) {
            row(cells, platformWritten, Verb.SELECT, D, A, H, A, A);
            row(cells, platformWritten, Verb.INSERT, D, D, D, D, A);
            row(cells, platformWritten, Verb.UPDATE, D, D, D, D, A);
            row(cells, platformWritten, Verb.DELETE, D, D, D, D, A);
        }

        row(cells, "rai_sessions", Verb.SELECT, D, A, H, A, A);
        row(cells, "rai_sessions", Verb.INSERT, D, A, R, R, A);
        row(cells, "rai_sessions", Verb.UPDATE, D, A, H, H, A);
        row(cells, "rai_sessions", Verb.DELETE, D, D, D, D, A);

        row(cells, "telemetry_events", Verb.SELECT, D, A, H, A, A);
        row(cells, "telemetry_events", Verb.INSERT, D, A, R, R, A);
        row(cells, "telemetry_events", Verb.UPDATE, D, D, D, D, A);
        row(cells, "telemetry_events", Verb.DELETE, D, D, D, D, A);

        row(cells, "dna_genomes", Verb.SELECT, H, A, H, A, A);
        row(cells, "dna_genomes", Verb.INSERT, D, D, D, D, A);
        row(cells, "dna_genomes", Verb.UPDATE, D, D, D, D, A);
        row(cells, "dna_genomes", Verb.DELETE, D, D, D, D, A);
        row(cells, LIBRARY_GENOME, Verb.SELECT, A, A, A, A, A);
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @MethodSource("matrix")
    void accessHoldsThroughTheDataApi(String table, Verb verb, Actor actor, Outcome expected) throws Exception {
        // A fresh owner per cell: updates and deletes must not disturb other cells.
        TestUser rowOwner = server.newUser();
        String token = AccessMatrix.token(actor, rowOwner.accessToken(), otherUser.accessToken(), admin.accessToken());
        String ownerId = rowOwner.id().toString();
        OWNERS.add(ownerId);
        switch (verb) {
            case SELECT -> checkSelect(table, actor, expected, token, seed(table, ownerId));
            case INSERT -> checkInsert(table, actor, expected, token, ownerId);
            case UPDATE -> checkUpdate(table, actor, expected, token, seed(table, ownerId));
            case DELETE -> checkDelete(table, actor, expected, token, seed(table, ownerId));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The verbs
    // ---------------------------------------------------------------------------------------------

    private static void checkSelect(String table, Actor actor, Outcome expected, String token, String key)
            throws Exception {
        String keyColumn = keyColumn(table);
        Response response =
                send("GET", path(table) + "?select=" + keyColumn + "&" + keyColumn + "=eq." + key, token, null);
        JsonNode rows = assertSelectAnswer(response, actor, expected);
        if (expected == Outcome.ALLOWED) {
            assertThat(rows.get(0).path(keyColumn).asText()).isEqualTo(key);
        }
    }

    private static void checkInsert(String table, Actor actor, Outcome expected, String token, String ownerId)
            throws Exception {
        String marker = "ins-" + UUID.randomUUID();
        String key = marker;
        String body;
        switch (table) {
            case "subscription_tiers" ->
                body = "{\"tier\":\"" + marker + "\",\"display_name\":\"T\",\"monthly_credits\":1,\"price\":1}";
            case "users" -> {
                // An identity whose app row is not there yet: what a service-side insert would create.
                key = UUID.randomUUID().toString();
                exec("insert into auth.users (id, email) values ('" + key + "', '" + marker + "@example.test')");
                exec("delete from algorhythmic.users where id = '" + key + "'");
                body = "{\"id\":\"" + key + "\",\"first_name\":\"New\"}";
            }
            case "sessions" -> body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId + "\"}";
            case "art_sessions" ->
                body = "{\"id\":\"" + marker + "\",\"session_id\":\"s\",\"user_id\":\"" + ownerId
                        + "\",\"image_url\":\"https://cdn/x.png\",\"prompt\":\"p\",\"styles\":[\"noir\"]}";
            case LIBRARY_ART ->
                body = "{\"id\":\"" + marker + "\",\"session_id\":\"library\",\"image_url\":\"https://cdn/l.png\","
                        + "\"prompt\":\"p\",\"is_library\":true}";
            case "art_preferences" ->
                body = "{\"id\":\"" + marker + "\",\"session_id\":\"" + seed("sessions", ownerId)
                        + "\",\"styles\":[\"noir\"]}";
            case "art_votes" ->
                body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId
                        + "\",\"session_id\":\"s\",\"art_prompt\":\"p\",\"vote\":1}";
            case "user_art_impressions" ->
                body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId + "\",\"artwork_id\":\""
                        + seed("art_sessions", ownerId) + "\",\"view_duration\":900}";
            case "credit_ledger" ->
                body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId
                        + "\",\"event_type\":\"grant\",\"amount\":5,\"balance_after\":5,\"idempotency_key\":\"" + marker
                        + "\"}";
            case "user_credits" -> {
                // The account sign-up made goes first, so that the insert is the only row.
                exec("delete from algorhythmic.user_credits where user_id = '" + ownerId + "'");
                key = ownerId;
                body = "{\"user_id\":\"" + ownerId
                        + "\",\"balance\":100,\"billing_cycle_start\":\"2026-01-01T00:00:00Z\","
                        + "\"billing_cycle_end\":\"2026-02-01T00:00:00Z\"}";
            }
            case "rai_sessions" ->
                body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId + "\",\"client_session_id\":\"web\"}";
            case "telemetry_events" ->
                body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId + "\",\"session_id\":\""
                        + seed("rai_sessions", ownerId) + "\",\"event_type\":\"frame\",\"event_data\":\"{}\"}";
            case "generation_jobs" ->
                body = "{\"id\":\"" + marker + "\",\"user_id\":\"" + ownerId + "\",\"prompt\":\"p\"}";
            case "dna_genomes" ->
                body = "{\"id\":\"" + marker + "\",\"artwork_id\":\"" + seed("art_sessions", ownerId)
                        + "\",\"dna_vector\":\"[]\",\"visual_traits\":\"{}\"}";
            default -> throw new IllegalArgumentException(table);
        }
        Response response = send("POST", path(table), token, body);
        assertInsertAnswer(response, actor, expected);
        assertThat(queryString("select count(*) from algorhythmic." + path(table) + " where " + keyColumn(table)
                        + " = '" + key + "'"))
                .isEqualTo(expected == Outcome.ALLOWED ? "1" : "0");
    }

    private static void checkUpdate(String table, Actor actor, Outcome expected, String token, String key)
            throws Exception {
        // column, the JSON value sent, and the same value as SQL
        String[] change = switch (table) {
            case "subscription_tiers" -> new String[] {"display_name", "\"Renamed\"", "'Renamed'"};
            case "users" -> new String[] {"first_name", "\"Renamed\"", "'Renamed'"};
            case "sessions" ->
                new String[] {"last_active_at", "\"2001-02-03T04:05:06Z\"", "'2001-02-03T04:05:06Z'::timestamptz"};
            case "art_sessions", LIBRARY_ART -> new String[] {"is_saved", "true", "true"};
            case "art_preferences" -> new String[] {"dynamic_mode", "true", "true"};
            case "art_votes" -> new String[] {"vote", "-1", "-1"};
            case "user_art_impressions" -> new String[] {"view_duration", "4321", "4321"};
            case "credit_ledger" -> new String[] {"description", "\"rewritten\"", "'rewritten'"};
            case "user_credits" -> new String[] {"timezone", "\"Europe/Paris\"", "'Europe/Paris'"};
            case "rai_sessions" -> new String[] {"total_interactions", "42", "42"};
            case "telemetry_events" -> new String[] {"visual_state", "\"{}\"", "'{}'"};
            case "generation_jobs" -> new String[] {"error_message", "\"rewritten\"", "'rewritten'"};
            case "dna_genomes" -> new String[] {"audio_reactivity", "\"{}\"", "'{}'"};
            default -> throw new IllegalArgumentException(table);
        };
        String changed = "select (" + change[0] + " is not distinct from " + change[2] + ")::text from algorhythmic."
                + path(table) + " where " + keyColumn(table) + " = '" + key + "'";
        assertThat(queryString(changed)).as("the seed differs from the update").isEqualTo("false");
        Response response = send(
                "PATCH",
                path(table) + "?" + keyColumn(table) + "=eq." + key,
                token,
                "{\"" + change[0] + "\":" + change[1] + "}");
        assertChangeAnswer(response, actor, expected);
        assertThat(queryString(changed)).isEqualTo(expected == Outcome.ALLOWED ? "true" : "false");
    }

    private static void checkDelete(String table, Actor actor, Outcome expected, String token, String key)
            throws Exception {
        Response response = send("DELETE", path(table) + "?" + keyColumn(table) + "=eq." + key, token, null);
        assertChangeAnswer(response, actor, expected);
        assertThat(queryString("select count(*) from algorhythmic." + path(table) + " where " + keyColumn(table)
                        + " = '" + key + "'"))
                .isEqualTo(expected == Outcome.ALLOWED ? "0" : "1");
    }

    // ---------------------------------------------------------------------------------------------
    // Scenarios the access table implies
    // ---------------------------------------------------------------------------------------------

    @Test
    void aUsersArtSessionsWhoseStylesOverlapAListByQualityScore() throws Exception {
        TestUser user = server.newUser();
        String id = user.id().toString();
        exec(
                "insert into algorhythmic.art_sessions (id, session_id, user_id, image_url, prompt, styles, quality_score) values "
                        + "('" + id + "-1', 's', '" + id + "', 'u', 'p', '{cubism,noir}', 40), "
                        + "('" + id + "-2', 's', '" + id + "', 'u', 'p', '{baroque}', 95), "
                        + "('" + id + "-3', 's', '" + id + "', 'u', 'p', '{noir}', 80), "
                        + "('" + id + "-4', 's', '" + otherUser.id() + "', 'u', 'p', '{noir}', 99)");
        Response response = send(
                "GET",
                "art_sessions?select=id,styles,quality_score&user_id=eq." + id
                        + "&styles=ov.%7Bnoir,cubism%7D&order=quality_score.desc",
                user.accessToken(),
                null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode rows = response.json();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("id").asText()).isEqualTo(id + "-3");
        assertThat(rows.get(1).path("id").asText()).isEqualTo(id + "-1");
        assertThat(rows.get(1).path("styles").get(1).asText()).isEqualTo("noir");
    }

    @Test
    void aUserCannotMakeThemselvesAdminNorUpgradeTheirTierThroughTheDataApi() throws Exception {
        TestUser user = server.newUser();
        for (String body : List.of("{\"role\":\"admin\"}", "{\"subscription_tier\":\"business_premium\"}")) {
            Response response = send("PATCH", "users?id=eq." + user.id(), user.accessToken(), body);
            assertDenied(response, Actor.OWNER);
        }
        assertThat(queryString("select role || ' ' || subscription_tier from algorhythmic.users where id = '"
                        + user.id() + "'"))
                .isEqualTo("user free");
    }

    @Test
    void anonReadsTheTiersAsData() throws Exception {
        Response response = send(
                "GET",
                "subscription_tiers?select=tier,monthly_credits,price&tier=in.(free,enthusiast)"
                        + "&order=monthly_credits",
                server.anonKey(),
                null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode rows = response.json();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("tier").asText()).isEqualTo("free");
        assertThat(rows.get(0).path("monthly_credits").asInt()).isEqualTo(100);
        assertThat(rows.get(1).path("monthly_credits").asInt()).isEqualTo(10000);
        assertThat(rows.get(1).path("price").decimalValue()).isEqualByComparingTo("50");
    }

    // ---------------------------------------------------------------------------------------------
    // Seeds and plumbing
    // ---------------------------------------------------------------------------------------------

    private static String path(String table) {
        return switch (table) {
            case LIBRARY_ART -> "art_sessions";
            case LIBRARY_GENOME -> "dna_genomes";
            default -> table;
        };
    }

    private static String keyColumn(String table) {
        return switch (table) {
            case "subscription_tiers" -> "tier";
            case "user_credits" -> "user_id";
            default -> "id";
        };
    }

    /** A row of {@code table} owned by the app user {@code ownerId}, written as the database owner; its key. */
    private static String seed(String table, String ownerId) throws SQLException {
        String sql = switch (table) {
            case "subscription_tiers" ->
                "insert into algorhythmic.subscription_tiers (tier, display_name, monthly_credits, price) "
                        + "values ('t-" + UUID.randomUUID() + "', 'Seed', 1, 1) returning tier";
            case "users" -> "select '" + ownerId + "'";
            case "sessions" -> "insert into algorhythmic.sessions (user_id) values ('" + ownerId + "') returning id";
            case "art_sessions" ->
                "insert into algorhythmic.art_sessions (session_id, user_id, image_url, prompt, styles) "
                        + "values ('s', '" + ownerId + "', 'https://cdn/seed.png', 'seed', '{noir}') returning id";
            case LIBRARY_ART ->
                "insert into algorhythmic.art_sessions (session_id, image_url, prompt, is_library) "
                        + "values ('library', 'https://cdn/library.png', 'seed', true) returning id";
            case "art_preferences" ->
                "insert into algorhythmic.art_preferences (session_id) values ('" + seed("sessions", ownerId)
                        + "') returning id";
            case "art_votes" ->
                "insert into algorhythmic.art_votes (user_id, session_id, art_prompt, vote) values ('" + ownerId
                        + "', 's', 'seed', 1) returning id";
            case "user_art_impressions" ->
                "insert into algorhythmic.user_art_impressions (user_id, artwork_id, view_duration) " + "values ('"
                        + ownerId + "', '" + seed("art_sessions", ownerId) + "', 10) returning id";
            case "credit_ledger" ->
                "insert into algorhythmic.credit_ledger (user_id, event_type, amount, balance_after) " + "values ('"
                        + ownerId + "', 'grant', 100, 100) returning id";
            // Every user has had their credit account since sign-up (V56).
            case "user_credits" -> "select '" + ownerId + "'";
            case "rai_sessions" ->
                "insert into algorhythmic.rai_sessions (user_id, client_session_id) values ('" + ownerId
                        + "', 'web') returning id";
            case "telemetry_events" ->
                "insert into algorhythmic.telemetry_events (session_id, user_id, event_type, event_data) " + "values ('"
                        + seed("rai_sessions", ownerId) + "', '" + ownerId + "', 'frame', '{\"fps\":60}') returning id";
            case "generation_jobs" ->
                "insert into algorhythmic.generation_jobs (user_id, prompt) values ('" + ownerId
                        + "', 'seed') returning id";
            case "dna_genomes" ->
                "insert into algorhythmic.dna_genomes (artwork_id, dna_vector, visual_traits) values ('"
                        + seed("art_sessions", ownerId) + "', '[]', '{}') returning id";
            case LIBRARY_GENOME ->
                "insert into algorhythmic.dna_genomes (artwork_id, dna_vector, visual_traits) values ('"
                        + seed(LIBRARY_ART, ownerId) + "', '[]', '{}') returning id";
            default -> throw new IllegalArgumentException(table);
        };
        return queryString(sql);
    }

    private static Response send(String method, String path, String token, String body) {
        return client(SCHEMA, token).send(method, "/" + path, body);
    }
}
