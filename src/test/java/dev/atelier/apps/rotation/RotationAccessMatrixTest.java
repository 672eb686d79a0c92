package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.linkManager;
import static dev.atelier.apps.rotation.RotationSql.newInventory;
import static dev.atelier.apps.rotation.RotationSql.newRecord;
import static dev.atelier.apps.rotation.RotationSql.newStore;
import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static dev.atelier.apps.rotation.RotationSql.trackOf;
import static dev.atelier.testing.AccessMatrix.assertChangeAnswer;
import static dev.atelier.testing.AccessMatrix.assertDenied;
import static dev.atelier.testing.AccessMatrix.assertInsertAnswer;
import static dev.atelier.testing.AccessMatrix.assertSelectAnswer;
import static dev.atelier.testing.AccessMatrix.client;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.testing.AccessMatrix;
import dev.atelier.testing.AccessMatrix.Actor;
import dev.atelier.testing.AccessMatrix.Outcome;
import dev.atelier.testing.AccessMatrix.Verb;
import dev.atelier.testing.Rest.Response;
import dev.atelier.testing.TestServer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * docs/apps/rotation.md's access table, cell by cell, through /rest/v1 as clients reach it: for
 * every table, every role and every verb, the allow or deny PostgREST would answer, checked
 * afterwards as the database owner. The roles: anon; the row's owner (for store tables: a store
 * manager of the row's store; for catalogue and admin tables: just a signed-in user); another
 * signed-in user; the app's admin (users.role = 'admin'); service_role.
 */
class RotationAccessMatrixTest {

    private static final TestServer server = TestServer.get();
    private static final String SCHEMA = "rotation";

    private static final Outcome D = Outcome.DENIED;
    private static final Outcome R = Outcome.REFUSED;
    private static final Outcome A = Outcome.ALLOWED;
    private static final Outcome H = Outcome.HIDDEN;

    /**
     * How a table is exercised: a row template (column → value, with placeholders), the column a
     * cell marks and checks, and the value an update writes.
     */
    record Spec(
            String table,
            Map<String, String> row,
            String markerColumn,
            String markerValue,
            String updateColumn,
            String updateValue,
            List<String> afterSeed,
            String beforeWrite) {}

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();
    private static final Map<String, Outcome[][]> EXPECTED = new LinkedHashMap<>();

    private static Map<String, String> row(String... pairs) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            row.put(pairs[i], pairs[i + 1]);
        }
        return row;
    }

    private static void spec(
            String table,
            Map<String, String> row,
            String markerColumn,
            Outcome[] select,
            Outcome[] insert,
            Outcome[] update,
            Outcome[] delete) {
        spec(
                new Spec(table, row, markerColumn, "{marker}", markerColumn, "{marker}x", List.of(), null),
                select,
                insert,
                update,
                delete);
    }

    private static void spec(Spec spec, Outcome[] select, Outcome[] insert, Outcome[] update, Outcome[] delete) {
        SPECS.put(spec.table(), spec);
        EXPECTED.put(spec.table(), new Outcome[][] {select, insert, update, delete});
    }

    /** Outcomes for anon, owner, other user, admin, service_role. */
    private static Outcome[] o(Outcome anon, Outcome owner, Outcome other, Outcome admin, Outcome service) {
        return new Outcome[] {anon, owner, other, admin, service};
    }

    static {
        Outcome[] adminOnlySelect = o(D, H, H, A, A);
        Outcome[] adminOnlyWrite = o(D, R, R, A, A);
        Outcome[] adminOnlyChange = o(D, H, H, A, A);
        Outcome[] serviceOnly = o(D, D, D, D, A);
        Outcome[] nobody = o(D, D, D, D, D);
        Outcome[] ownRead = o(D, A, H, H, A);
        Outcome[] ownWrite = o(D, A, R, R, A);
        Outcome[] ownChange = o(D, A, H, H, A);

        // users: the row is the owner's own app user; INSERT and DELETE are cells of their own (below).
        spec(
                new Spec("users", row(), "bio", "{marker}", "bio", "{marker}x", List.of(), null),
                o(D, A, H, A, A),
                serviceOnly,
                o(D, A, H, A, A),
                serviceOnly);
        spec(
                new Spec(
                        "stores",
                        row("name", "{marker}", "slug", "s-{int}", "discogs_username", "d{int}", "status", "active"),
                        "name",
                        "{marker}",
                        "name",
                        "{marker}x",
                        List.of("insert into rotation.store_managers (store_id, user_id) values ({id}, {owner})"),
                        null),
                o(A, A, A, A, A),
                o(D, R, R, A, A),
                o(D, A, H, A, A),
                o(D, H, H, A, A));
        spec(
                new Spec(
                        "store_managers",
                        row("store_id", "{newstore}", "user_id", "{owner}"),
                        "store_id",
                        "{newstore}",
                        "role",
                        "staff",
                        List.of(),
                        null),
                o(D, A, H, A, A),
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                new Spec(
                        "discogs_tokens",
                        row(
                                "user_id",
                                "{owner}",
                                "username",
                                "{marker}",
                                "access_token_encrypted",
                                "\\x0102",
                                "access_secret_encrypted",
                                "\\x0304",
                                "encryption_key_id",
                                "k1"),
                        "username",
                        "{marker}",
                        "scope",
                        "{marker}x",
                        List.of(),
                        null),
                o(D, A, H, H, A),
                serviceOnly,
                serviceOnly,
                o(D, A, H, H, A));
        spec(
                "records",
                row("discogs_release_id", "{bigint}", "title", "{marker}", "artist", "a"),
                "title",
                o(A, A, A, A, A),
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "tracks",
                row("record_id", "{record}", "position", "Z9", "title", "{marker}", "track_index", "{int}"),
                "title",
                o(A, A, A, A, A),
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "store_inventory",
                row("store_id", "{store}", "record_id", "{record}", "status", "active", "description", "{marker}"),
                "description",
                o(A, A, A, A, A),
                o(D, A, R, A, A),
                o(D, A, H, A, A),
                o(D, A, H, A, A));
        // An unverified match of a track the owner's store lists: the public sees approved matches only.
        spec(
                "audio_matches",
                row(
                        "track_id",
                        "{track}",
                        "platform",
                        "youtube",
                        "external_id",
                        "{marker}",
                        "url",
                        "u",
                        "confidence_score",
                        "0.5",
                        "title",
                        "{marker}"),
                "title",
                o(H, A, H, A, A),
                adminOnlyWrite,
                o(D, A, H, A, A),
                adminOnlyChange);
        spec(
                "metadata_cache",
                row("entity_type", "record", "entity_id", "1", "cache_key", "{marker}", "data", "{}"),
                "cache_key",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "audio_match_history",
                row("audio_match_id", "{match}", "action", "created", "notes", "{marker}"),
                "notes",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        spec(
                "match_candidates",
                row(
                        "track_id",
                        "{track}",
                        "session_id",
                        "{marker}",
                        "platform",
                        "youtube",
                        "external_id",
                        "e",
                        "url",
                        "u",
                        "confidence_score",
                        "0.5"),
                "session_id",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "audio_quality_metrics",
                row("audio_match_id", "{match}", "format", "{marker}"),
                "format",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "favorites",
                row("user_id", "{owner}", "favoritable_type", "record", "favoritable_id", "{int}", "notes", "{marker}"),
                "notes",
                ownRead,
                ownWrite,
                ownChange,
                ownChange);
        spec(
                new Spec(
                        "play_history",
                        row("user_id", "{owner}", "track_id", "{track}", "session_id", "{marker}"),
                        "session_id",
                        "{marker}",
                        "session_id",
                        "{marker}x",
                        List.of(),
                        null),
                ownRead,
                ownWrite,
                serviceOnly,
                ownChange);
        spec(
                "feedback",
                row(
                        "user_id",
                        "{owner}",
                        "feedback_type",
                        "bad_match",
                        "subject_type",
                        "track",
                        "subject_id",
                        "1",
                        "title",
                        "{marker}",
                        "description",
                        "d"),
                "title",
                o(D, A, H, A, A),
                o(D, A, R, A, A),
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "user_collections",
                row("user_id", "{owner}", "name", "{marker}"),
                "name",
                o(H, A, H, H, A),
                ownWrite,
                ownChange,
                ownChange);
        spec(
                "user_collection_items",
                row("collection_id", "{collection}", "track_id", "{newtrack}", "notes", "{marker}"),
                "notes",
                o(H, A, H, H, A),
                ownWrite,
                ownChange,
                ownChange);
        spec(
                new Spec(
                        "user_follows",
                        row("follower_id", "{owner}", "followable_type", "store", "followable_id", "{int}"),
                        "followable_id",
                        "{int}",
                        "notifications_enabled",
                        "false",
                        List.of(),
                        null),
                ownRead,
                ownWrite,
                ownChange,
                ownChange);
        spec(
                new Spec(
                        "user_preferences",
                        row("user_id", "{owner}", "timezone", "{marker}"),
                        "timezone",
                        "{marker}",
                        "timezone",
                        "{marker}x",
                        List.of(),
                        "delete from rotation.user_preferences where user_id = {owner}"),
                ownRead,
                ownWrite,
                ownChange,
                ownChange);
        spec(
                "jobs",
                row("type", "cleanup", "title", "{marker}"),
                "title",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "job_logs",
                row("job_id", "{job}", "message", "{marker}"),
                "message",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        spec(
                "audit_logs",
                row("action", "{marker}", "entity_type", "test"),
                "action",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        spec(
                "usage_metrics",
                row("event_type", "t", "event_name", "{marker}"),
                "event_name",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        spec(
                "daily_metrics",
                row("metric_date", "2000-01-01", "metric_type", "t", "metric_name", "{marker}", "metric_value", "1"),
                "metric_name",
                adminOnlySelect,
                serviceOnly,
                serviceOnly,
                serviceOnly);
        spec(
                "recommendation_data",
                row("user_id", "{owner}", "recommendation_type", "g", "data_key", "{marker}", "data_value", "1"),
                "data_key",
                ownRead,
                serviceOnly,
                serviceOnly,
                serviceOnly);
        spec(
                "content_similarity",
                row(
                        "source_type",
                        "track",
                        "source_id",
                        "1",
                        "target_type",
                        "track",
                        "target_id",
                        "2",
                        "similarity_score",
                        "0.5",
                        "similarity_type",
                        "{marker}"),
                "similarity_type",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "performance_metrics",
                row("metric_type", "{marker}"),
                "metric_type",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        // A private setting (public ones are readable by anyone: see its own test below).
        spec(
                new Spec(
                        "settings",
                        row("key", "t.{marker}", "value", "v", "description", "{marker}"),
                        "description",
                        "{marker}",
                        "description",
                        "{marker}x",
                        List.of(),
                        null),
                o(H, H, H, A, A),
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "feature_flags",
                row("key", "{marker}", "name", "{marker}"),
                "name",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "feature_flag_history",
                row("flag_key", "{marker}", "action", "created"),
                "flag_key",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        spec(
                "feature_flag_evaluations",
                row("feature_flag_id", "{flag}", "evaluation_result", "true", "session_id", "{marker}"),
                "session_id",
                adminOnlySelect,
                serviceOnly,
                nobody,
                nobody);
        spec(
                "config_profiles",
                row("name", "{marker}", "environment", "staging"),
                "name",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "rate_limits",
                row(
                        "identifier",
                        "{marker}",
                        "identifier_type",
                        "ip",
                        "endpoint_pattern",
                        "/x",
                        "requests_per_window",
                        "10",
                        "window_duration_seconds",
                        "60"),
                "identifier",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "cache_config",
                row("cache_key_pattern", "{marker}"),
                "cache_key_pattern",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "maintenance_windows",
                row(
                        "title",
                        "{marker}",
                        "maintenance_type",
                        "api",
                        "starts_at",
                        "2030-01-01T00:00:00Z",
                        "ends_at",
                        "2030-01-01T01:00:00Z"),
                "title",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
        spec(
                "track_matches",
                row(
                        "release_id",
                        "{bigint}",
                        "track_index",
                        "0",
                        "platform",
                        "youtube",
                        "match_url",
                        "{marker}",
                        "confidence",
                        "0.5"),
                "match_url",
                adminOnlySelect,
                adminOnlyWrite,
                adminOnlyChange,
                adminOnlyChange);
    }

    private static AppUser owner;
    private static AppUser other;
    private static AppUser admin;
    private static int store;
    private static int record;
    private static int track;
    private static int match;
    private static int job;
    private static int flag;
    private static int collection;

    @BeforeAll
    static void fixtures() throws SQLException {
        owner = newUserWithRole("store_manager");
        other = newUser();
        admin = newUserWithRole("admin");
        store = newStore("active");
        linkManager(store, owner.id());
        record = newRecord(200);
        newInventory(store, record, "active");
        track = trackOf(record, 0);
        match = Integer.parseInt(ownerQuery("insert into rotation.audio_matches (track_id, platform, external_id, url, "
                + "confidence_score) values (" + track + ", 'youtube', 'matrix', 'https://y/m', 0.5) returning id"));
        job = Integer.parseInt(
                ownerQuery("insert into rotation.jobs (type, title) values ('cleanup', 'matrix') returning id"));
        flag = Integer.parseInt(ownerQuery("insert into rotation.feature_flags (key, name) values ('matrix-"
                + UUID.randomUUID().toString().substring(0, 8) + "', 'Matrix') returning id"));
        collection = Integer.parseInt(ownerQuery("insert into rotation.user_collections (user_id, name) values ("
                + owner.id() + ", 'matrix') returning id"));
    }

    @Test
    void everyTableOfTheSchemaHasItsRowInTheMatrix() throws SQLException {
        List<String> tables =
                RotationSql.ownerRows("select tablename from pg_tables where schemaname = 'rotation' order by 1");
        assertThat(SPECS.keySet()).containsExactlyInAnyOrderElementsOf(tables);
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cells = new ArrayList<>();
        EXPECTED.forEach((table, byVerb) -> {
            for (Verb verb : Verb.values()) {
                for (Actor actor : Actor.values()) {
                    cells.add(Arguments.of(table, verb, actor, byVerb[verb.ordinal()][actor.ordinal()]));
                }
            }
        });
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} {1} as {2}: {3}")
    @MethodSource("matrix")
    void accessHoldsThroughTheDataApi(String table, Verb verb, Actor actor, Outcome expected) throws Exception {
        Spec spec = SPECS.get(table);
        Map<String, String> values = placeholders();
        AppUser rowOwner = owner;
        if ("users".equals(table) && verb != Verb.SELECT) {
            rowOwner = newUser(); // updates and deletes of users rows must not disturb other cells
            values.put("{owner}", String.valueOf(rowOwner.id()));
        }
        String token = AccessMatrix.token(actor, rowOwner.accessToken(), other.accessToken(), admin.accessToken());
        if (spec.beforeWrite() != null) {
            ownerExec(fill(spec.beforeWrite(), values));
        }
        switch (verb) {
            case SELECT -> checkSelect(table, actor, expected, token, seed(spec, values, rowOwner));
            case INSERT -> checkInsert(spec, actor, expected, token, values);
            case UPDATE -> checkUpdate(spec, actor, expected, token, seed(spec, values, rowOwner), values);
            case DELETE -> checkDelete(table, actor, expected, token, seed(spec, values, rowOwner));
        }
    }

    private static Map<String, String> placeholders() {
        Map<String, String> values = new HashMap<>();
        values.put(
                "{marker}", "mk" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
        values.put("{int}", String.valueOf(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE)));
        values.put("{bigint}", String.valueOf(ThreadLocalRandom.current().nextLong(10_000_000_000L, 90_000_000_000L)));
        values.put("{owner}", String.valueOf(owner.id()));
        values.put("{store}", String.valueOf(store));
        values.put("{record}", String.valueOf(record));
        values.put("{track}", String.valueOf(track));
        values.put("{match}", String.valueOf(match));
        values.put("{job}", String.valueOf(job));
        values.put("{flag}", String.valueOf(flag));
        values.put("{collection}", String.valueOf(collection));
        return values;
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{[a-z]+}");

    /** Replaces placeholders; {newstore} and {newtrack} create their row the first time a cell asks. */
    private static String fill(String template, Map<String, String> values) throws SQLException {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group();
            if (!values.containsKey(key)) {
                switch (key) {
                    case "{newstore}" -> values.put(key, String.valueOf(newStore("active")));
                    case "{newtrack}" ->
                        values.put(
                                key,
                                ownerQuery("insert into rotation.tracks (record_id, position, title, "
                                        + "track_index) values (" + record + ", 'N', 'n', "
                                        + ThreadLocalRandom.current().nextInt(1000, Integer.MAX_VALUE)
                                        + ") returning id"));
                    default -> {
                        // not a placeholder of ours (e.g. JSON braces)
                    }
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(key, key)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A row of the table owned by the cell's owner, written as the database owner; its id. */
    private static int seed(Spec spec, Map<String, String> values, AppUser rowOwner) throws SQLException {
        if ("users".equals(spec.table())) {
            return rowOwner.id();
        }
        Map<String, String> row = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : spec.row().entrySet()) {
            row.put(e.getKey(), fill(e.getValue(), values));
        }
        String sql = "insert into rotation." + spec.table() + " (" + String.join(", ", row.keySet()) + ") values ("
                + row.values().stream()
                        .map(v -> "'" + v.replace("'", "''") + "'")
                        .collect(Collectors.joining(", ")) + ") returning id";
        int id = Integer.parseInt(ownerQuery(sql));
        values.put("{id}", String.valueOf(id));
        for (String after : spec.afterSeed()) {
            ownerExec(fill(after, values));
        }
        return id;
    }

    private static void checkSelect(String table, Actor actor, Outcome expected, String token, int rowId)
            throws Exception {
        Response response = send("GET", table + "?select=id&id=eq." + rowId, token, null);
        JsonNode rows = assertSelectAnswer(response, actor, expected);
        if (expected == Outcome.ALLOWED) {
            assertThat(rows.get(0).path("id").asInt()).isEqualTo(rowId);
        }
    }

    private static void checkInsert(Spec spec, Actor actor, Outcome expected, String token, Map<String, String> values)
            throws Exception {
        ObjectNode body = server.json().createObjectNode();
        String countSql;
        if ("users".equals(spec.table())) {
            // A new identity whose app user is not there yet: what a service-side insert would create.
            UUID identity = UUID.randomUUID();
            ownerExec(
                    "insert into auth.users (id, email) values ('" + identity + "', '" + identity + "@example.test')",
                    "delete from rotation.users where auth_user_id = '" + identity + "'");
            body.put("auth_user_id", identity.toString());
            body.put("name", values.get("{marker}"));
            countSql = "select count(*) from rotation.users where auth_user_id = '" + identity + "'";
        } else {
            for (Map.Entry<String, String> e : spec.row().entrySet()) {
                putTyped(body, e.getKey(), fill(e.getValue(), values));
            }
            countSql = "select count(*) from rotation." + spec.table() + " where " + spec.markerColumn() + "::text = '"
                    + fill(spec.markerValue(), values) + "'";
        }
        Response response = send("POST", spec.table(), token, body.toString());
        assertInsertAnswer(response, actor, expected);
        assertThat(ownerQuery(countSql)).as(response.body()).isEqualTo(expected == Outcome.ALLOWED ? "1" : "0");
    }

    private static void checkUpdate(
            Spec spec, Actor actor, Outcome expected, String token, int rowId, Map<String, String> values)
            throws Exception {
        String column = spec.updateColumn();
        String newValue = fill(spec.updateValue(), values);
        String read = "select coalesce(" + column + "::text, '<null>') from rotation." + spec.table() + " where id = "
                + rowId;
        String before = ownerQuery(read);
        ObjectNode body = server.json().createObjectNode();
        putTyped(body, column, newValue);
        Response response = send("PATCH", spec.table() + "?id=eq." + rowId, token, body.toString());
        assertChangeAnswer(response, actor, expected);
        assertThat(ownerQuery(read)).as(response.body()).isEqualTo(expected == Outcome.ALLOWED ? newValue : before);
    }

    private static void checkDelete(String table, Actor actor, Outcome expected, String token, int rowId)
            throws Exception {
        Response response = send("DELETE", table + "?id=eq." + rowId, token, null);
        assertChangeAnswer(response, actor, expected);
        assertThat(ownerQuery("select count(*) from rotation." + table + " where id = " + rowId))
                .as(response.body())
                .isEqualTo(expected == Outcome.ALLOWED ? "0" : "1");
    }

    /** Numbers and booleans as JSON numbers and booleans, everything else as a string. */
    private static void putTyped(ObjectNode body, String column, String value) throws IOException {
        if (value.matches("-?\\d+(\\.\\d+)?")) {
            body.set(column, server.json().readTree(value));
        } else if (value.equals("true") || value.equals("false")) {
            body.put(column, Boolean.parseBoolean(value));
        } else if (value.startsWith("{")) {
            body.set(column, server.json().readTree(value));
        } else {
            body.put(column, value);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Scenarios beyond the matrix.
    // ------------------------------------------------------------------------------------------

    @Test
    void anonListsRecordsOfAGenreWithTheirTracksEmbedded() throws Exception {
        String genre = "Genre" + UUID.randomUUID().toString().substring(0, 8);
        int withGenre = newRecord(120, 180);
        newRecord(60);
        ownerExec("update rotation.records set genres = '{Electronic," + genre + "}' where id = " + withGenre);
        Response response = send(
                "GET",
                "records?select=id,title,tracks(position,title)&genres=cs."
                        + URLEncoder.encode("{" + genre + "}", StandardCharsets.UTF_8),
                server.anonKey(),
                null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode rows = response.json();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("id").asInt()).isEqualTo(withGenre);
        assertThat(rows.get(0).path("tracks")).hasSize(2);
    }

    @Test
    void anonReadsPublicSettingsOnly() throws Exception {
        String key =
                "test.shown" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        ownerExec("insert into rotation.settings (key, value, is_public) values ('" + key + "', 'yes', true), ('" + key
                + "_hidden', 'no', false)");
        Response response = send("GET", "settings?select=key,value&key=like." + key + "*", server.anonKey(), null);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode rows = response.json();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("value").asText()).isEqualTo("yes");
        assertDenied(send("GET", "settings?select=value_encrypted", server.anonKey(), null), Actor.ANON);
    }

    @Test
    void selectStarOnDiscogsTokensLeavesTheCiphertextsOutForUsers() throws Exception {
        String username = "dt" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        ownerExec(
                "insert into rotation.discogs_tokens (user_id, username, access_token_encrypted, access_secret_encrypted, "
                        + "encryption_key_id) values (" + owner.id() + ", '" + username + "', '\\x0a', '\\x0b', 'k1')");
        // select=* stands for the columns the role may read (issue 6): the ciphertexts are not among them.
        Response star = send("GET", "discogs_tokens?select=*&username=eq." + username, owner.accessToken(), null);
        assertThat(star.status()).as(star.body()).isEqualTo(200);
        assertThat(star.json().get(0).path("username").asText()).isEqualTo(username);
        assertThat(star.json().get(0).has("access_token_encrypted")).isFalse();
        assertThat(star.json().get(0).has("access_secret_encrypted")).isFalse();
        assertDenied(
                send("GET", "discogs_tokens?select=access_token_encrypted", owner.accessToken(), null), Actor.OWNER);
        Response mine = send(
                "GET", "discogs_tokens?select=username,token_type&username=eq." + username, owner.accessToken(), null);
        assertThat(mine.status()).as(mine.body()).isEqualTo(200);
        assertThat(mine.json().get(0).path("token_type").asText()).isEqualTo("oauth");
        Response service = send("GET", "discogs_tokens?select=*&username=eq." + username, server.serviceKey(), null);
        assertThat(service.status()).as(service.body()).isEqualTo(200);
        assertThat(service.json().get(0).has("access_token_encrypted")).isTrue();
    }

    @Test
    void aUserCannotMakeThemselvesAdminThroughTheDataApi() throws Exception {
        AppUser user = newUser();
        assertDenied(
                send("PATCH", "users?id=eq." + user.id(), user.accessToken(), "{\"role\":\"admin\"}"), Actor.OWNER);
        assertThat(ownerQuery("select role from rotation.users where id = " + user.id()))
                .isEqualTo("general_user");
    }

    @Test
    void anyoneEvaluatesAFlagThroughRpc() throws Exception {
        String key = "rpc-" + UUID.randomUUID().toString().substring(0, 8);
        ownerExec(
                "insert into rotation.feature_flags (key, name, flag_type, is_enabled, conditions) values ('" + key
                        + "', 'Rpc', 'condition', true, '{\"attribute\": \"country\", \"operator\": \"in\", \"values\": [\"NL\", \"DE\"]}')");
        Response nl = send(
                "POST",
                "rpc/evaluate_feature_flag",
                server.anonKey(),
                "{\"key\": \"" + key + "\", \"context\": {\"country\": \"NL\"}}");
        assertThat(nl.status()).as(nl.body()).isEqualTo(200);
        assertThat(nl.body().trim()).isEqualTo("true");
        Response fr = send(
                "POST",
                "rpc/evaluate_feature_flag",
                other.accessToken(),
                "{\"key\": \"" + key + "\", \"context\": {\"country\": \"FR\"}}");
        assertThat(fr.body().trim()).as(fr.body()).isEqualTo("false");
    }

    @Test
    void aUserEvaluatesFlagsOnlyForThemselves() throws Exception {
        String key = "own-" + UUID.randomUUID().toString().substring(0, 8);
        ownerExec("insert into rotation.feature_flags (key, name, flag_type, is_enabled, rollout_percentage) values ('"
                + key + "', 'Own', 'percentage', true, 100)");
        Response own = send(
                "POST",
                "rpc/evaluate_feature_flag",
                other.accessToken(),
                "{\"key\": \"" + key + "\", \"user_id\": " + other.id() + "}");
        assertThat(own.status()).as(own.body()).isEqualTo(200);
        assertThat(own.body().trim()).isEqualTo("true");
        Response someoneElse = send(
                "POST",
                "rpc/evaluate_feature_flag",
                other.accessToken(),
                "{\"key\": \"" + key + "\", \"user_id\": " + owner.id() + "}");
        assertThat(someoneElse.status()).as(someoneElse.body()).isEqualTo(403);
        assertThat(someoneElse.body()).contains("42501").contains("only for themselves");
        Response platform = send(
                "POST",
                "rpc/evaluate_feature_flag",
                server.serviceKey(),
                "{\"key\": \"" + key + "\", \"user_id\": " + owner.id() + "}");
        assertThat(platform.body().trim()).as(platform.body()).isEqualTo("true");
    }

    @Test
    void aUserLearnsTheirAppUserIdThroughRpc() throws Exception {
        Response response = send("POST", "rpc/current_user_id", other.accessToken(), "{}");
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body().trim()).isEqualTo(String.valueOf(other.id()));
    }

    private static Response send(String method, String path, String token, String body) {
        return client(SCHEMA, token).send(method, "/" + path, body);
    }
}
