package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST, PATCH, PUT and DELETE over real HTTP: statuses, Prefer handling, upserts and rollback. */
class WriteTest {

    private TestUser user;
    private Rest rest;
    private Rest representation;

    @BeforeEach
    void newUser() {
        user = TestServer.get().newUser();
        rest = Fixtures.as(user.accessToken());
        representation = rest.with("Prefer", "return=representation");
    }

    private String character(String name) {
        return Rest.json(Fixtures.character(user.id(), name, "brave", "kind"));
    }

    private List<String> characterNames() {
        Rest.Response r = rest.get("/characters?select=name&order=name");
        assertThat(r.status()).isEqualTo(200);
        return r.json().findValuesAsText("name");
    }

    @Test
    void insertWithRepresentationAnswers201WithTheNewRows() {
        Rest.Response r = representation.post("/characters", character("Ayla"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().isArray()).isTrue();
        JsonNode row = r.json().get(0);
        assertThat(row.get("name").asText()).isEqualTo("Ayla");
        assertThat(row.get("id").asText()).as("default applied").hasSize(36);
        assertThat(row.get("is_active").asBoolean())
                .as("absent column takes its default")
                .isTrue();
        assertThat(r.header("Content-Range")).isEqualTo("*/*");
        assertThat(r.header("Preference-Applied")).isEqualTo("return=representation");
    }

    @Test
    void insertWithoutPreferIsMinimal() {
        Rest.Response r = rest.post("/characters", character("Bram"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.body()).isEmpty();
        assertThat(characterNames()).containsExactly("Bram");
    }

    @Test
    void insertReportsTheCountWhenAsked() {
        Rest.Response r = rest.with("Prefer", "count=exact")
                .post(
                        "/characters",
                        Rest.json(List.of(
                                Fixtures.character(user.id(), "A", "brave", "kind"),
                                Fixtures.character(user.id(), "B", "brave", "kind"))));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("Content-Range")).isEqualTo("*/2");
    }

    @Test
    void representationAppliesSelectAndEmbedding() {
        String characterId = representation
                .post("/characters", character("Ayla"))
                .json()
                .get(0)
                .get("id")
                .asText();
        Rest.Response r = representation.post(
                "/tales?select=title,characters(name)",
                Rest.json(Fixtures.tale(user.id(), characterId, "Dragon", "fire")));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get(0).get("title").asText()).isEqualTo("Dragon");
        assertThat(r.json().get(0).get("characters").get("name").asText()).isEqualTo("Ayla");
        assertThat(r.json().get(0).has("content")).isFalse();
    }

    @Test
    void columnsParameterAllowsRowsWithMissingKeys() {
        Map<String, Object> withAppearance = Fixtures.character(user.id(), "Pair two", "brave", "kind");
        withAppearance.put("appearance", "a blue scarf");
        Map<String, Object> without = Fixtures.character(user.id(), "Pair one", "brave", "kind");
        without.put("is_active", false);
        Rest.Response r = representation.post(
                "/characters?columns=%22user_id%22,%22name%22,%22primary_trait%22,%22secondary_trait%22,%22appearance%22,%22is_active%22&order=name",
                Rest.json(List.of(without, withAppearance)));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        JsonNode rows = r.json();
        JsonNode one = rows.get(0).get("name").asText().equals("Pair one") ? rows.get(0) : rows.get(1);
        JsonNode two = one == rows.get(0) ? rows.get(1) : rows.get(0);
        assertThat(one.get("appearance").isNull()).isTrue();
        assertThat(two.get("appearance").asText()).isEqualTo("a blue scarf");
        assertThat(two.get("is_active").isNull())
                .as("missing key without missing=default is NULL")
                .isTrue();
    }

    @Test
    void missingDefaultFillsAbsentKeysWithColumnDefaults() {
        Map<String, Object> inactive = Fixtures.character(user.id(), "Off", "brave", "kind");
        inactive.put("is_active", false);
        Map<String, Object> plain = Fixtures.character(user.id(), "On", "brave", "kind");
        Rest.Response r = representation
                .with("Prefer", "missing=default")
                .post(
                        "/characters?columns=user_id,name,primary_trait,secondary_trait,is_active",
                        Rest.json(List.of(inactive, plain)));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        assertThat(r.header("Preference-Applied")).contains("missing=default");
        assertThat(r.json()).hasSize(2);
        for (JsonNode row : r.json()) {
            assertThat(row.get("is_active").asBoolean())
                    .isEqualTo(row.get("name").asText().equals("On"));
        }
    }

    @Test
    void upsertMergesOnThePrimaryKeyOrIgnores() {
        String id = representation
                .post("/characters", character("Before"))
                .json()
                .get(0)
                .get("id")
                .asText();
        Map<String, Object> changed = Fixtures.character(user.id(), "After", "brave", "kind");
        changed.put("id", id);
        Rest merge = representation.with("Prefer", "resolution=merge-duplicates");
        Rest.Response merged = merge.post("/characters", Rest.json(changed));
        // Every row updated: 200, as PostgREST 12+ (issue 14; it was 201).
        assertThat(merged.status()).isEqualTo(200);
        assertThat(merged.json().get(0).get("name").asText()).isEqualTo("After");
        assertThat(characterNames()).containsExactly("After");

        String newId = UUID.randomUUID().toString();
        Map<String, Object> fresh = Fixtures.character(user.id(), "Fresh", "brave", "kind");
        fresh.put("id", newId);
        changed.put("name", "After again");
        assertThat(merge.post("/characters?on_conflict=id", Rest.json(List.of(changed, fresh)))
                        .json())
                .hasSize(2);
        assertThat(characterNames()).containsExactly("After again", "Fresh");

        changed.put("name", "Ignored");
        Rest.Response ignored =
                representation.with("Prefer", "resolution=ignore-duplicates").post("/characters", Rest.json(changed));
        assertThat(ignored.status()).isEqualTo(201);
        assertThat(ignored.json()).isEmpty();
        assertThat(characterNames()).containsExactly("After again", "Fresh");
    }

    @Test
    void patchChangesFilteredRowsAndAnswers200Or204() {
        rest.post(
                "/characters",
                Rest.json(List.of(
                        Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                        Fixtures.character(user.id(), "Bram", "brave", "wise"),
                        Fixtures.character(user.id(), "Cato", "clever", "kind"))));
        Rest.Response minimal = rest.with("Prefer", "count=exact")
                .patch("/characters?name=in.(Ayla,Bram)", "{\"appearance\":\"muddy\"}");
        assertThat(minimal.status()).isEqualTo(204);
        assertThat(minimal.header("Content-Range")).isEqualTo("0-1/2");
        Rest.Response shown =
                representation.patch("/characters?name=eq.Cato&select=name,appearance", "{\"appearance\":\"hat\"}");
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.json().get(0).get("appearance").asText()).isEqualTo("hat");
        assertThat(shown.json().get(0).size()).isEqualTo(2);
        assertThat(rest.get("/characters?select=name&appearance=eq.muddy&order=name")
                        .json()
                        .findValuesAsText("name"))
                .containsExactly("Ayla", "Bram");
        Rest.Response nothing = representation.patch("/characters?name=eq.Nobody", "{\"appearance\":\"x\"}");
        assertThat(nothing.status()).isEqualTo(200);
        assertThat(nothing.json()).isEmpty();
    }

    @Test
    void deleteRemovesFilteredRowsAndCanShowThem() {
        rest.post(
                "/characters",
                Rest.json(List.of(
                        Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                        Fixtures.character(user.id(), "Bram", "brave", "wise"))));
        Rest.Response shown = representation.delete("/characters?name=eq.Ayla&select=name");
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.json().findValuesAsText("name")).containsExactly("Ayla");
        Rest.Response minimal = rest.delete("/characters?name=eq.Bram");
        assertThat(minimal.status()).isEqualTo(204);
        assertThat(minimal.body()).isEmpty();
        assertThat(characterNames()).isEmpty();
    }

    @Test
    void limitedDeleteRemovesOnlyTheFirstRowsInOrder() {
        rest.post(
                "/characters",
                Rest.json(List.of(
                        Fixtures.character(user.id(), "Ayla", "brave", "kind"),
                        Fixtures.character(user.id(), "Bram", "brave", "wise"),
                        Fixtures.character(user.id(), "Cato", "clever", "kind"))));
        assertThat(rest.delete("/characters?order=name.desc&limit=2").status()).isEqualTo(204);
        assertThat(characterNames()).containsExactly("Ayla");
    }

    @Test
    void putUpsertsOneRowByItsPrimaryKey() {
        String id = UUID.randomUUID().toString();
        Map<String, Object> row = Fixtures.character(user.id(), "Put", "brave", "kind");
        row.put("id", id);
        Rest.Response created = representation.put("/characters?id=eq." + id, Rest.json(row));
        // A PUT that inserts answers 201, as PostgREST 12+ (issue 14; it was 200).
        assertThat(created.status()).isEqualTo(201);
        row.put("name", "Put again");
        assertThat(rest.put("/characters?id=eq." + id, Rest.json(row)).status()).isEqualTo(204);
        assertThat(characterNames()).containsExactly("Put again");
        Rest.Response mismatch = rest.put("/characters?id=eq." + UUID.randomUUID(), Rest.json(row));
        assertThat(mismatch.status()).isEqualTo(400);
        assertThat(mismatch.json().get("code").asText()).isEqualTo("PGRST115");
    }

    @Test
    void singleObjectInsertOfTwoRowsIs406AndWritesNothing() {
        Rest.Response r = representation
                .with("Accept", "application/vnd.pgrst.object+json")
                .post(
                        "/characters",
                        Rest.json(List.of(
                                Fixtures.character(user.id(), "One", "brave", "kind"),
                                Fixtures.character(user.id(), "Two", "brave", "kind"))));
        assertThat(r.status()).isEqualTo(406);
        assertThat(r.json().get("code").asText()).isEqualTo("PGRST116");
        assertThat(characterNames()).as("rolled back").isEmpty();
        Rest.Response one = representation
                .with("Accept", "application/vnd.pgrst.object+json")
                .post("/characters", character("Solo"));
        assertThat(one.status()).isEqualTo(201);
        assertThat(one.json().get("name").asText()).isEqualTo("Solo");
    }

    @Test
    void constraintViolationsMapToPostgrestStatuses() {
        String id = representation
                .post("/characters", character("Ayla"))
                .json()
                .get(0)
                .get("id")
                .asText();
        Map<String, Object> duplicate = Fixtures.character(user.id(), "Dup", "brave", "kind");
        duplicate.put("id", id);
        assertError(rest.post("/characters", Rest.json(duplicate)), 409, "23505");
        assertError(rest.post("/characters", character("").replace("\"brave\"", "\"kind\"")), 400, "23514");
        Map<String, Object> noTrait = Fixtures.character(user.id(), "X", "brave", "kind");
        noTrait.put("primary_trait", null);
        assertError(rest.post("/characters", Rest.json(noTrait)), 400, "23502");
        Map<String, Object> orphan = Fixtures.tale(user.id(), UUID.randomUUID().toString(), "Orphan", "x");
        assertError(rest.post("/tales", Rest.json(orphan)), 409, "23503");
        assertError(
                rest.post("/characters", character("Y").replace("\"brave\"", "\"brave\",\"is_active\":\"perhaps\"")),
                400,
                "22P02");
    }

    @Test
    void rowLevelSecurityRefusesWritingForAnotherUser() {
        TestUser other = TestServer.get().newUser();
        Rest.Response r =
                rest.post("/characters", Rest.json(Fixtures.character(other.id(), "Impostor", "brave", "kind")));
        assertError(r, 403, "42501");
        assertThat(r.json().get("message").asText()).contains("row-level security");
        assertError(Fixtures.anon().post("/characters", character("Anon")), 401, "42501");
    }

    @Test
    void serviceRoleWritesTablesClosedToUsers() {
        String key = "rest-write-" + UUID.randomUUID();
        Rest.Response r = Fixtures.service()
                .with("Prefer", "return=representation")
                .post(
                        "/vault_entries",
                        "{\"key\":\"" + key + "\",\"value\":{\"v\":1},\"expires_at\":\"2099-01-01T00:00:00Z\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get(0).get("value").get("v").asInt()).isEqualTo(1);
        assertError(rest.get("/vault_entries"), 403, "42501");
    }

    private static void assertError(Rest.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().get("code").asText()).as(r.toString()).isEqualTo(code);
    }
}
