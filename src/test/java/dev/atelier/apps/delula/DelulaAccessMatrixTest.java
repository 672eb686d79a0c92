package dev.atelier.apps.delula;

import static dev.atelier.apps.delula.DelulaSql.query;
import static dev.atelier.apps.delula.DelulaSql.unique;
import static dev.atelier.testing.AccessMatrix.assertDenied;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.Rest.Response;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may do what to every Delula table through /rest/v1, exactly as docs/apps/delula.md's
 * access table says. For each table (and the row kinds whose visibility differs: hidden tags,
 * inactive recipes and components, private market assets, soft-deleted assets), each role (anon,
 * user A who owns the row, user B, the app admin, service_role) and each verb, one request, then
 * a look as the owner at what really happened.
 *
 * <p>Outcomes, one letter per role in the order anon, A, B, admin, service_role:
 * {@code A} allowed (SELECT sees the row, INSERT 201, UPDATE changed it, DELETE removed it);
 * {@code E} SELECT answers 200 without the row; {@code N} UPDATE/DELETE answer 2xx and touch
 * nothing; {@code S} DELETE answers 2xx and soft-deletes the row; {@code D} denied with 42501
 * (401 for anon, 403 otherwise) and nothing changed; {@code -} not exercised.
 */
class DelulaAccessMatrixTest {

    private static final TestServer server = TestServer.get();
    private static final List<String> ROLES = List.of("anon", "user A", "user B", "admin", "service_role");

    private static TestUser userA;
    private static TestUser userB;
    private static TestUser admin;
    private static int recipe;
    private static int provider;
    private static String component;

    @BeforeAll
    static void fixtures() throws SQLException {
        userA = server.newUser();
        userB = server.newUser();
        admin = server.newUser();
        DelulaSql.makeAdmin(admin.id());
        recipe = Integer.parseInt(DelulaSql.insert("recipes", Map.of("name", "Matrix", "slug", unique("matrix"))));
        provider =
                Integer.parseInt(DelulaSql.insert("providers", Map.of("name", unique("matrix"), "display_name", "M")));
        component = unique("matrix-component");
        DelulaSql.insert("component_registry", Map.of("component_id", component, "name", "M", "category", "video"));
    }

    /** Makes a row owned by {@code owner} (as the database owner) and returns its key. */
    @FunctionalInterface
    interface RowMaker {
        String make(UUID owner) throws SQLException;
    }

    /** A valid INSERT body for a row owned by {@code owner}; may prepare what the row needs. */
    @FunctionalInterface
    interface BodyMaker {
        Map<String, Object> make(UUID owner) throws SQLException;
    }

    /**
     * One matrix row: a table (or a kind of row in it), how to make a target row and an insert
     * body, which column an UPDATE changes, and the outcomes for SELECT, INSERT, UPDATE, DELETE.
     */
    record Case(
            String label,
            String table,
            String key,
            RowMaker target,
            BodyMaker body,
            String column,
            String value,
            String select,
            String insert,
            String update,
            String delete,
            boolean freshOwner) {
        @Override
        public String toString() {
            return label;
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        // Own rows.
        cases.add(new Case(
                "users",
                "users",
                "id",
                owner -> owner.toString(),
                owner -> {
                    String id = DelulaSql.newIdentity().toString();
                    DelulaSql.exec(
                            "delete from delula.users where id = '" + id + "'"); // a fresh identity without its row
                    return Map.of("id", id);
                },
                "first_name",
                "Changed",
                "DAEAA",
                "DDDDA",
                "DANNA",
                "DDDDA",
                true));
        cases.add(new Case(
                "generations",
                "generations",
                "id",
                owner -> row("generations", Map.of("user_id", owner.toString())),
                owner -> Map.of("user_id", owner.toString(), "prompt", "p"),
                "prompt",
                "changed",
                "DAEAA",
                "DDDDA",
                "DDDDA",
                "DDDDA",
                false));
        cases.add(new Case(
                "credit_transactions",
                "credit_transactions",
                "id",
                owner -> row(
                        "credit_transactions", Map.of("user_id", owner.toString(), "amount", "1", "type", "purchase")),
                owner -> Map.of("user_id", owner.toString(), "amount", 1, "type", "admin_adjustment"),
                "description",
                "changed",
                "DAEAA",
                "DDDAA",
                "DDDDD",
                "DDDDD",
                false));
        cases.add(new Case(
                "user_assets",
                "user_assets",
                "id",
                owner -> asset(owner, false),
                owner -> Map.of(
                        "user_id",
                        owner.toString(),
                        "display_name",
                        "a",
                        "s3_key",
                        "k",
                        "mime_type",
                        "image/png",
                        "asset_type",
                        "image"),
                "display_name",
                "changed",
                "DAEAA",
                "DDDDA",
                "DANAA",
                "DSNSA",
                false));
        cases.add(new Case(
                "user_assets (soft-deleted)",
                "user_assets",
                "id",
                owner -> asset(owner, true),
                null,
                "display_name",
                "changed",
                "DEEAA",
                "-----",
                "DNNAA",
                "DNNSA",
                false));
        cases.add(new Case(
                "component_usage",
                "component_usage",
                "id",
                owner -> row(
                        "component_usage",
                        Map.of("component_id", component, "user_id", owner.toString(), "success", "true")),
                owner -> Map.of("component_id", component, "user_id", owner.toString(), "success", true),
                "execution_id",
                "changed",
                "DAEAA",
                "DDDDA",
                "DDDDA",
                "DDDDA",
                false));
        cases.add(new Case(
                "market_assets (public)",
                "market_assets",
                "id",
                owner -> market(owner, true),
                owner -> Map.of(
                        "creator_id",
                        owner.toString(),
                        "asset_id",
                        unique("m"),
                        "name",
                        "n",
                        "url",
                        "u",
                        "mime_type",
                        "image/png"),
                "name",
                "changed",
                "AAAAA",
                "DADAA",
                "DANAA",
                "DANAA",
                false));
        cases.add(new Case(
                "market_assets (private)",
                "market_assets",
                "id",
                owner -> market(owner, false),
                null,
                "name",
                "changed",
                "EAEAA",
                "-----",
                "DANAA",
                "DANAA",
                false));
        // Public catalogue.
        cases.add(catalogue(
                "tags (visible)",
                "tags",
                owner -> row("tags", Map.of("name", unique("Tag"))),
                owner -> Map.of("name", unique("Tag")),
                "description",
                "AAAAA"));
        cases.add(catalogue(
                "tags (hidden)",
                "tags",
                owner -> row("tags", Map.of("name", "category:" + unique("c"), "is_hidden", "true")),
                owner -> Map.of("name", "workflow:" + unique("w"), "is_hidden", true),
                "description",
                "EEEAA"));
        cases.add(catalogue(
                "tags (inactive)",
                "tags",
                owner -> row("tags", Map.of("name", unique("Old"), "is_active", "false")),
                owner -> Map.of("name", unique("Old"), "is_active", false),
                "description",
                "EEEAA"));
        cases.add(catalogue(
                "recipes (active)",
                "recipes",
                owner -> row("recipes", Map.of("name", "R", "slug", unique("r"))),
                owner -> Map.of("name", "R", "slug", unique("r")),
                "description",
                "AAAAA"));
        cases.add(catalogue(
                "recipes (inactive)",
                "recipes",
                owner -> row("recipes", Map.of("name", "R", "slug", unique("r"), "is_active", "false")),
                owner -> Map.of("name", "R", "slug", unique("r"), "is_active", false),
                "description",
                "EEEAA"));
        cases.add(new Case(
                "recipe_usage",
                "recipe_usage",
                "recipe_id",
                owner -> {
                    String id = row("recipes", Map.of("name", "U", "slug", unique("u")));
                    DelulaSql.exec("insert into delula.recipe_usage (recipe_id, usage_count) values (" + id + ", 1)");
                    return id;
                },
                owner -> Map.of(
                        "recipe_id",
                        Integer.parseInt(row("recipes", Map.of("name", "U", "slug", unique("u")))),
                        "usage_count",
                        1),
                "usage_count",
                "5",
                "AAAAA",
                "DDDDA",
                "DDDDA",
                "DDDDA",
                false));
        cases.add(catalogue(
                "recipe_samples",
                "recipe_samples",
                owner -> row("recipe_samples", Map.of("recipe_id", Integer.toString(recipe), "url", "u")),
                owner -> Map.of("recipe_id", recipe, "url", "u"),
                "title",
                "AAAAA"));
        cases.add(catalogue(
                "system_assets",
                "system_assets",
                owner -> row(
                        "system_assets",
                        Map.of(
                                "system_id",
                                "delula",
                                "asset_id",
                                unique("s"),
                                "name",
                                "n",
                                "url",
                                "u",
                                "mime_type",
                                "image/png")),
                owner -> Map.of(
                        "system_id",
                        "delula",
                        "asset_id",
                        unique("s"),
                        "name",
                        "n",
                        "url",
                        "u",
                        "mime_type",
                        "image/png"),
                "name",
                "AAAAA"));
        cases.add(catalogue(
                "component_registry (active)",
                "component_registry",
                owner -> row(
                        "component_registry", Map.of("component_id", unique("c"), "name", "C", "category", "video")),
                owner -> Map.of("component_id", unique("c"), "name", "C", "category", "video"),
                "description",
                "AAAAA"));
        cases.add(catalogue(
                "component_registry (inactive)",
                "component_registry",
                owner -> row(
                        "component_registry",
                        Map.of("component_id", unique("c"), "name", "C", "category", "video", "is_active", "false")),
                owner -> Map.of("component_id", unique("c"), "name", "C", "category", "video", "is_active", false),
                "description",
                "EEEAA"));
        cases.add(catalogue(
                "component_input_channels",
                "component_input_channels",
                owner -> row(
                        "component_input_channels",
                        Map.of(
                                "component_id",
                                component,
                                "channel_id",
                                unique("in"),
                                "channel_name",
                                "In",
                                "type",
                                "image")),
                owner -> Map.of(
                        "component_id", component, "channel_id", unique("in"), "channel_name", "In", "type", "image"),
                "channel_name",
                "AAAAA"));
        cases.add(catalogue(
                "component_output_channels",
                "component_output_channels",
                owner -> row(
                        "component_output_channels",
                        Map.of(
                                "component_id",
                                component,
                                "channel_id",
                                unique("out"),
                                "channel_name",
                                "Out",
                                "type",
                                "video")),
                owner -> Map.of(
                        "component_id", component, "channel_id", unique("out"), "channel_name", "Out", "type", "video"),
                "channel_name",
                "AAAAA"));
        cases.add(catalogue(
                "component_dependencies",
                "component_dependencies",
                owner -> row(
                        "component_dependencies",
                        Map.of("component_id", component, "depends_on_component_id", newComponent())),
                owner -> Map.of("component_id", component, "depends_on_component_id", newComponent()),
                "description",
                "AAAAA"));
        // Admin and configuration.
        cases.add(catalogue(
                "backlog_videos",
                "backlog_videos",
                owner -> row("backlog_videos", Map.of("recipe_id", Integer.toString(recipe), "video_url", "u")),
                owner -> Map.of("recipe_id", recipe, "video_url", "u"),
                "prompt",
                "DEEAA"));
        cases.add(catalogue(
                "providers",
                "providers",
                owner -> row("providers", Map.of("name", unique("p"), "display_name", "P")),
                owner -> Map.of("name", unique("p"), "display_name", "P"),
                "display_name",
                "DEEAA"));
        cases.add(catalogue(
                "services",
                "services",
                owner -> row(
                        "services",
                        Map.of(
                                "provider_id",
                                Integer.toString(provider),
                                "name",
                                unique("s"),
                                "display_name",
                                "S",
                                "service_type",
                                "video",
                                "endpoint",
                                "/run")),
                owner -> Map.of(
                        "provider_id",
                        provider,
                        "name",
                        unique("s"),
                        "display_name",
                        "S",
                        "service_type",
                        "video",
                        "endpoint",
                        "/run"),
                "display_name",
                "DEEAA"));
        cases.add(new Case(
                "provider_credentials",
                "provider_credentials",
                "provider_id",
                owner -> {
                    String id = row("providers", Map.of("name", unique("p"), "display_name", "P"));
                    DelulaSql.exec(
                            "insert into delula.provider_credentials (provider_id, api_key_encrypted, encryption_key_id) "
                                    + "values (" + id + ", '\\x01'::bytea, 'k1')");
                    return id;
                },
                owner -> Map.of(
                        "provider_id",
                        Integer.parseInt(row("providers", Map.of("name", unique("p"), "display_name", "P"))),
                        "api_key_encrypted",
                        "\\x0102",
                        "encryption_key_id",
                        "k1"),
                "encryption_key_id",
                "k2",
                "DDDDA",
                "DDDDA",
                "DDDDA",
                "DDDDA",
                false));
        return cases;
    }

    /**
     * Catalogue and configuration tables: reads as {@code select} says; writes are the admin's and
     * service_role's (anon has no write grant, users have the grant but no policy).
     */
    private static Case catalogue(
            String label, String table, RowMaker target, BodyMaker body, String column, String select) {
        return new Case(label, table, "id", target, body, column, "changed", select, "DDDAA", "DNNAA", "DNNAA", false);
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases()) {
            String[] verbs = {"SELECT", "INSERT", "UPDATE", "DELETE"};
            String[] expectations = {c.select(), c.insert(), c.update(), c.delete()};
            for (int v = 0; v < verbs.length; v++) {
                for (int r = 0; r < ROLES.size(); r++) {
                    char outcome = expectations[v].charAt(r);
                    if (outcome != '-') {
                        out.add(Arguments.of(c, verbs[v], ROLES.get(r), outcome));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1} as {2} -> {3}")
    @MethodSource("matrix")
    void accessIsAsDocumented(Case c, String verb, String role, char outcome) throws Exception {
        TestUser owner = c.freshOwner() ? server.newUser() : userA;
        String token = switch (role) {
            case "anon" -> null;
            case "user A" -> owner.accessToken();
            case "user B" -> userB.accessToken();
            case "admin" -> admin.accessToken();
            default -> server.serviceKey();
        };
        boolean anonymous = token == null;
        switch (verb) {
            case "SELECT" -> {
                String id = c.target().make(owner.id());
                Response r = send("GET", c.table() + "?select=" + c.key() + "&" + c.key() + "=eq." + id, token, null);
                if (outcome == 'D') {
                    assertDenied(r, anonymous);
                } else {
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    JsonNode rows = r.json();
                    assertThat(rows.size()).as(r.body()).isEqualTo(outcome == 'A' ? 1 : 0);
                }
            }
            case "INSERT" -> {
                Map<String, Object> body = c.body().make(owner.id());
                Response r = send("POST", c.table(), token, server.json().writeValueAsString(body));
                if (outcome == 'D') {
                    assertDenied(r, anonymous);
                } else {
                    assertThat(r.status()).as(r.body()).isEqualTo(201);
                }
            }
            case "UPDATE" -> {
                String id = c.target().make(owner.id());
                String before = valueOf(c, id);
                Response r = send(
                        "PATCH",
                        c.table() + "?" + c.key() + "=eq." + id,
                        token,
                        server.json().writeValueAsString(Map.of(c.column(), typed(c.value()))));
                if (outcome == 'D') {
                    assertDenied(r, anonymous);
                } else {
                    assertThat(r.status()).as(r.body()).isBetween(200, 204);
                }
                assertThat(valueOf(c, id)).isEqualTo(outcome == 'A' ? c.value() : before);
            }
            case "DELETE" -> {
                String id = c.target().make(owner.id());
                Response r = send("DELETE", c.table() + "?" + c.key() + "=eq." + id, token, null);
                if (outcome == 'D') {
                    assertDenied(r, anonymous);
                } else {
                    assertThat(r.status()).as(r.body()).isBetween(200, 204);
                }
                String left =
                        query("select count(*) from delula." + c.table() + " where " + c.key() + " = '" + id + "'");
                assertThat(left).isEqualTo(outcome == 'A' ? "0" : "1");
                if (outcome == 'S') {
                    assertThat(query("select is_deleted::text from delula.user_assets where id = " + id))
                            .isEqualTo("true");
                }
            }
            default -> throw new IllegalArgumentException(verb);
        }
    }

    private static String valueOf(Case c, String id) throws SQLException {
        return query(
                "select " + c.column() + "::text from delula." + c.table() + " where " + c.key() + " = '" + id + "'");
    }

    private static Object typed(String value) {
        return value.chars().allMatch(Character::isDigit) ? Integer.parseInt(value) : value;
    }

    /** Reads name the schema in Accept-Profile; writes in Content-Profile, asking for no representation back. */
    private static Response send(String method, String pathAndQuery, String token, String body) {
        Rest api = Rest.as(token);
        api = method.equals("GET")
                ? api.with("Accept-Profile", "delula")
                : api.with("Content-Profile", "delula").with("Prefer", "return=minimal");
        return api.send(method, "/" + pathAndQuery, body);
    }

    private static String row(String table, Map<String, String> values) throws SQLException {
        return DelulaSql.insert(table, new LinkedHashMap<>(values));
    }

    private static String asset(UUID owner, boolean deleted) throws SQLException {
        Map<String, String> values = new LinkedHashMap<>(Map.of(
                "user_id",
                owner.toString(),
                "display_name",
                "a",
                "s3_key",
                "k",
                "mime_type",
                "image/png",
                "asset_type",
                "image"));
        if (deleted) {
            values.put("is_deleted", "true");
            values.put("deleted_at", "2026-01-01T00:00:00Z");
        }
        return row("user_assets", values);
    }

    private static String market(UUID owner, boolean isPublic) throws SQLException {
        return row(
                "market_assets",
                Map.of(
                        "creator_id",
                        owner.toString(),
                        "asset_id",
                        unique("m"),
                        "name",
                        "n",
                        "url",
                        "u",
                        "mime_type",
                        "image/png",
                        "is_public",
                        Boolean.toString(isPublic)));
    }

    private static String newComponent() throws SQLException {
        String id = unique("dep");
        row("component_registry", Map.of("component_id", id, "name", "D", "category", "video"));
        return id;
    }
}
