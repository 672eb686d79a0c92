package dev.atelier.apps.infinitestories;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import dev.atelier.testing.TestServer.TestUser;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * InfiniteStories through /rest/v1 as its app uses it: two users, their own heroes and stories,
 * shared and private events, and the refusals PostgREST gives. The supabase-js suite runs the same
 * story from Node; this is the Java side of it.
 */
class InfiniteStoriesApiTest {

    private static final TestServer server = TestServer.get();
    private static TestUser a;
    private static TestUser b;
    private static String heroOfA;
    private static String storyOfA;

    @BeforeAll
    static void twoUsersWithTheirOwnHeroesAndStories() {
        a = server.newUser();
        b = server.newUser();
        heroOfA = created(Rest.as(a.accessToken())
                        .with("Prefer", "return=representation")
                        .post("/heroes", hero(a, "Ayla", "brave", "kind")))
                .get(0)
                .get("id")
                .asText();
        created(Rest.as(b.accessToken())
                .with("Prefer", "return=representation")
                .post("/heroes", hero(b, "Bram", "shy", "clever")));
        storyOfA = created(Rest.as(a.accessToken())
                        .with("Prefer", "return=representation")
                        .post("/stories", story(a, heroOfA, "The Lantern")))
                .get(0)
                .get("id")
                .asText();
        created(Rest.as(b.accessToken())
                .with("Prefer", "return=representation")
                .post("/stories", story(b, null, "The Owl")));
    }

    @Test
    void eachUserSeesOnlyTheirOwnHeroesAndStories() {
        JsonNode heroesOfA =
                Rest.as(a.accessToken()).get("/heroes?select=name,user_id").json();
        assertThat(heroesOfA).hasSize(1);
        assertThat(heroesOfA.get(0).get("user_id").asText()).isEqualTo(a.id().toString());
        JsonNode storiesOfB =
                Rest.as(b.accessToken()).get("/stories?select=title").json();
        assertThat(storiesOfB).hasSize(1);
        assertThat(storiesOfB.get(0).get("title").asText()).isEqualTo("The Owl");
    }

    @Test
    void aPublicEventIsVisibleToOthersAndAPrivateOneIsNot() {
        String tag = UUID.randomUUID().toString();
        Rest asA = Rest.as(a.accessToken());
        assertThat(asA.post("/custom_events", event(a, "public " + tag, true)).status())
                .isEqualTo(201);
        assertThat(asA.post("/custom_events", event(a, "private " + tag, false)).status())
                .isEqualTo(201);
        JsonNode seenByB = Rest.as(b.accessToken())
                .get("/custom_events?select=title&title=like.*" + tag)
                .json();
        assertThat(seenByB).hasSize(1);
        assertThat(seenByB.get(0).get("title").asText()).isEqualTo("public " + tag);
        assertThat(asA.get("/custom_events?select=title&title=like.*" + tag).json())
                .hasSize(2);
    }

    @Test
    void anotherUserCannotUpdateOrDeleteARow() {
        Rest asB = Rest.as(b.accessToken()).with("Prefer", "return=representation");
        Rest.Response update = asB.patch("/heroes?id=eq." + heroOfA, "{\"name\":\"Stolen\"}");
        assertThat(update.status()).isEqualTo(200);
        assertThat(update.json()).isEmpty();
        Rest.Response delete = asB.delete("/stories?id=eq." + storyOfA);
        assertThat(delete.status()).isEqualTo(200);
        assertThat(delete.json()).isEmpty();
        assertThat(Rest.as(a.accessToken())
                        .get("/heroes?select=name&id=eq." + heroOfA)
                        .json()
                        .get(0)
                        .get("name")
                        .asText())
                .isEqualTo("Ayla");
        assertThat(Rest.as(a.accessToken())
                        .get("/stories?select=id&id=eq." + storyOfA)
                        .json())
                .hasSize(1);
    }

    @Test
    void aHeroWhosePrimaryTraitEqualsItsSecondaryTraitIsRefusedWith23514() {
        Rest.Response response = Rest.as(a.accessToken()).post("/heroes", hero(a, "Twin", "calm", "calm"));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.json().get("code").asText()).isEqualTo("23514");
        assertThat(response.json().get("message").asText()).contains("valid_traits");
    }

    @Test
    void storiesEmbedTheirHeroAndHeroesEmbedTheirStories() {
        JsonNode stories = Rest.as(a.accessToken())
                .get("/stories?select=title,heroes(name)")
                .json();
        assertThat(stories.get(0).get("heroes").get("name").asText()).isEqualTo("Ayla");
        JsonNode heroes = Rest.as(a.accessToken())
                .get("/heroes?select=name,stories(title)")
                .json();
        assertThat(heroes.get(0).get("stories").get(0).get("title").asText()).isEqualTo("The Lantern");
    }

    @Test
    void anExactCountComesBackInContentRange() {
        Rest.Response response =
                Rest.as(a.accessToken()).with("Prefer", "count=exact").head("/heroes");
        assertThat(response.header("Content-Range")).isEqualTo("0-0/1");
    }

    @Test
    void upsertMergesIntoTheExistingRow() {
        Rest.Response upsert = Rest.as(a.accessToken())
                .with("Prefer", "resolution=merge-duplicates,return=representation")
                .post(
                        "/heroes?on_conflict=id",
                        "{\"id\":\"" + heroOfA + "\",\"user_id\":\"" + a.id()
                                + "\",\"name\":\"Ayla\",\"primary_trait\":\"brave\",\"secondary_trait\":\"kind\",\"appearance\":\"green scarf\"}");
        assertThat(upsert.status()).isEqualTo(200); // every row updated: 200, as PostgREST 12+ (issue 14; it was 201)
        assertThat(Rest.as(a.accessToken())
                        .get("/heroes?select=appearance&id=eq." + heroOfA)
                        .json()
                        .get(0)
                        .get("appearance")
                        .asText())
                .isEqualTo("green scarf");
        assertThat(Rest.as(a.accessToken()).get("/heroes").json()).hasSize(1);
    }

    @Test
    void rpcRunsForTheServiceRoleAndIsRefusedToUsers() {
        Rest.Response service = Rest.service().post("/rpc/cleanup_expired_cache", "{}");
        assertThat(service.status()).isEqualTo(200);
        assertThat(service.json().isInt()).isTrue();
        Rest.Response user = Rest.as(a.accessToken()).post("/rpc/cleanup_expired_cache", "{}");
        assertThat(user.status()).isEqualTo(403);
        assertThat(user.json().get("code").asText()).isEqualTo("42501");
    }

    @Test
    void expiredForgedAndMissingTokensGetWhatPostgrestGives() {
        Rest.Response expired = Rest.as(
                        server.token("authenticated", a.id(), Instant.now().minusSeconds(60)))
                .get("/heroes");
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.json().get("code").asText()).isEqualTo("PGRST303");
        Rest.Response forged = Rest.as(TestServer.tokenSignedWith(
                        "another-secret-another-secret-another-secret",
                        "authenticated",
                        a.id(),
                        Instant.now().plusSeconds(600)))
                .get("/heroes");
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.json().get("code").asText()).isEqualTo("PGRST301");
        Rest.Response missing = Rest.anon().get("/heroes");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().get("code").asText()).isEqualTo("42501");
    }

    private static JsonNode created(Rest.Response response) {
        assertThat(response.status()).as(response.toString()).isEqualTo(201);
        return response.json();
    }

    private static String hero(TestUser owner, String name, String primary, String secondary) {
        return "{\"user_id\":\"" + owner.id() + "\",\"name\":\"" + name + "\",\"primary_trait\":\"" + primary
                + "\",\"secondary_trait\":\"" + secondary + "\"}";
    }

    private static String story(TestUser owner, String heroId, String title) {
        return "{\"user_id\":\"" + owner.id() + "\",\"hero_id\":" + (heroId == null ? "null" : "\"" + heroId + "\"")
                + ",\"title\":\"" + title
                + "\",\"content\":\"Once upon a time\",\"event_type\":\"built_in\",\"event_data\":{}}";
    }

    private static String event(TestUser owner, String title, boolean isPublic) {
        return "{\"user_id\":\"" + owner.id() + "\",\"title\":\"" + title
                + "\",\"prompt_seed\":\"a walk\",\"is_public\":" + isPublic + "}";
    }
}
