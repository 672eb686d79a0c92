package dev.atelier.platform.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** GoTrue's admin API at /auth/v1/admin/users, as supabase.auth.admin.* calls it; the service role only. */
class AdminUsersApiTest {

    private static final TestServer server = TestServer.get();
    private static final String PASSWORD = "a long enough password";

    @Test
    void createsAConfirmedUserWithMetadataWhoCanSignIn() {
        String email = unique();
        Rest.Response created = Rest.service()
                .post(
                        "/auth/v1/admin/users",
                        Rest.json(Map.of(
                                "email",
                                email,
                                "password",
                                PASSWORD,
                                "email_confirm",
                                true,
                                "user_metadata",
                                Map.of("name", "Ada"),
                                "app_metadata",
                                Map.of("plan", "pro"))));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        JsonNode user = created.json();
        assertThat(user.path("email").asText()).isEqualTo(email);
        assertThat(user.path("email_confirmed_at").isTextual()).isTrue();
        assertThat(user.path("user_metadata").path("name").asText()).isEqualTo("Ada");
        assertThat(user.path("app_metadata").path("plan").asText()).isEqualTo("pro");
        assertThat(user.path("app_metadata").path("provider").asText()).isEqualTo("email");
        assertThat(signIn(email, PASSWORD).status()).isEqualTo(200);

        Rest.Response again = Rest.service()
                .post("/auth/v1/admin/users", Rest.json(Map.of("email", email.toUpperCase(), "password", PASSWORD)));
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.json().path("error_code").asText()).isEqualTo("email_exists");
    }

    @Test
    void anUnconfirmedUserCannotSignInUntilConfirmed() {
        String email = unique();
        JsonNode user = create(email, false);
        assertThat(user.path("email_confirmed_at").isNull()).isTrue();
        Rest.Response refused = signIn(email, PASSWORD);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("error_code").asText()).isEqualTo("email_not_confirmed");
    }

    @Test
    void getUpdateAndDeleteById() {
        String email = unique();
        String id = create(email, true).path("id").asText();
        assertThat(Rest.service()
                        .get("/auth/v1/admin/users/" + id)
                        .json()
                        .path("email")
                        .asText())
                .isEqualTo(email);

        String newEmail = unique();
        Rest.Response updated = Rest.service()
                .put(
                        "/auth/v1/admin/users/" + id,
                        Rest.json(Map.of(
                                "email", newEmail,
                                "user_metadata", Map.of("colour", "teal"),
                                "app_metadata", Map.of("role_hint", "editor"))));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.json().path("email").asText()).isEqualTo(newEmail);
        assertThat(updated.json().path("user_metadata").path("colour").asText()).isEqualTo("teal");
        assertThat(updated.json().path("app_metadata").path("role_hint").asText())
                .isEqualTo("editor");
        assertThat(updated.json().path("app_metadata").path("provider").asText())
                .as("app_metadata is merged, not replaced")
                .isEqualTo("email");
        assertThat(signIn(newEmail, PASSWORD).status()).isEqualTo(200);

        Rest.Response deleted = Rest.service().delete("/auth/v1/admin/users/" + id);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.json().path("id").asText()).isEqualTo(id);
        Rest.Response gone = Rest.service().get("/auth/v1/admin/users/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().path("error_code").asText()).isEqualTo("user_not_found");
        assertThat(Rest.service().delete("/auth/v1/admin/users/" + id).status()).isEqualTo(404);
        assertThat(Rest.service().get("/auth/v1/admin/users/not-a-uuid").status())
                .isEqualTo(404);
    }

    @Test
    void aNewPasswordEndsTheUsersSessions() {
        TestServer.TestUser user = server.newUser();
        Rest.Response updated = Rest.service()
                .put("/auth/v1/admin/users/" + user.id(), Rest.json(Map.of("password", "another fine password")));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(refresh(user.refreshToken()).status()).isEqualTo(400);
        assertThat(signIn(user.email(), TestServer.MINTED_PASSWORD).status()).isEqualTo(400);
        assertThat(signIn(user.email(), "another fine password").status()).isEqualTo(200);
        Rest.Response weak =
                Rest.service().put("/auth/v1/admin/users/" + user.id(), Rest.json(Map.of("password", "123")));
        assertThat(weak.status()).isEqualTo(422);
        assertThat(weak.json().path("error_code").asText()).isEqualTo("weak_password");
    }

    @Test
    void aBannedUserCannotSignInOrRefreshUntilTheBanIsLifted() {
        TestServer.TestUser user = server.newUser();
        Rest.Response banned =
                Rest.service().put("/auth/v1/admin/users/" + user.id(), Rest.json(Map.of("ban_duration", "24h")));
        assertThat(banned.status()).as(banned.body()).isEqualTo(200);
        Instant until = Instant.parse(banned.json().path("banned_until").asText());
        assertThat(until)
                .isBetween(
                        Instant.now().plus(Duration.ofHours(23)), Instant.now().plus(Duration.ofHours(25)));

        Rest.Response signIn = signIn(user.email(), TestServer.MINTED_PASSWORD);
        assertThat(signIn.status()).isEqualTo(400);
        assertThat(signIn.json().path("error_code").asText()).isEqualTo("user_banned");
        Rest.Response refresh = refresh(user.refreshToken());
        assertThat(refresh.status()).isEqualTo(400);
        assertThat(refresh.json().path("error_code").asText()).isEqualTo("user_banned");

        Rest.Response lifted =
                Rest.service().put("/auth/v1/admin/users/" + user.id(), Rest.json(Map.of("ban_duration", "none")));
        assertThat(lifted.json().has("banned_until")).isFalse();
        assertThat(refresh(user.refreshToken()).status())
                .as("the refused refresh did not use the token up")
                .isEqualTo(200);
        assertThat(signIn(user.email(), TestServer.MINTED_PASSWORD).status()).isEqualTo(200);

        Rest.Response bad =
                Rest.service().put("/auth/v1/admin/users/" + user.id(), Rest.json(Map.of("ban_duration", "forever")));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("error_code").asText()).isEqualTo("validation_failed");
    }

    @Test
    void listsPageByPageWithGoTruesTotalAndLinks() throws Exception {
        for (int i = 0; i < 3; i++) {
            server.newUser();
        }
        Rest.Response first = Rest.service().get("/auth/v1/admin/users?page=1&per_page=2");
        assertThat(first.status()).isEqualTo(200);
        int total = Integer.parseInt(first.header("X-Total-Count"));
        try (Connection owner = OwnerSql.owner()) {
            int counted = Integer.parseInt(OwnerSql.queryString(owner, "select count(*) from auth.users"));
            assertThat(total).isBetween(3, counted);
        }
        assertThat(first.json().path("users").size()).isEqualTo(2);
        assertThat(first.json().path("aud").asText()).isEqualTo("authenticated");
        assertThat(first.header("Link"))
                .contains("page=2&per_page=2>; rel=\"next\"")
                .contains(">; rel=\"last\"");
        Rest.Response second = Rest.service().get("/auth/v1/admin/users?page=2&per_page=2");
        assertThat(second.json().path("users").get(0).path("id").asText())
                .isNotEqualTo(first.json().path("users").get(0).path("id").asText());
        Rest.Response beyond = Rest.service().get("/auth/v1/admin/users?page=100000&per_page=1000");
        assertThat(beyond.json().path("users").size()).isZero();
        assertThat(beyond.header("Link")).doesNotContain("rel=\"next\"");
        assertThat(Rest.service().get("/auth/v1/admin/users?per_page=100000").status())
                .isEqualTo(400);
        assertThat(Rest.service().get("/auth/v1/admin/users?page=x").status()).isEqualTo(400);
    }

    @Test
    void onlyTheServiceRoleMayUseIt() {
        TestServer.TestUser user = server.newUser();
        String path = "/auth/v1/admin/users/" + user.id();
        Rest.Response none = Rest.anon().get("/auth/v1/admin/users");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().path("error_code").asText()).isEqualTo("no_authorization");
        for (Rest client : new Rest[] {Rest.as(server.anonKey()), Rest.as(user.accessToken())}) {
            for (Rest.Response refused : new Rest.Response[] {
                client.get("/auth/v1/admin/users"),
                client.get(path),
                client.put(path, "{\"ban_duration\":\"1h\"}"),
                client.delete(path),
                client.post("/auth/v1/admin/users", Rest.json(Map.of("email", unique(), "password", PASSWORD)))
            }) {
                assertThat(refused.status()).as(refused.body()).isEqualTo(403);
                assertThat(refused.json().path("error_code").asText()).isEqualTo("not_admin");
            }
        }
        Rest.Response forged = Rest.as(TestServer.tokenSignedWith(
                        "x".repeat(40),
                        "service_role",
                        UUID.randomUUID(),
                        Instant.now().plusSeconds(60)))
                .get("/auth/v1/admin/users");
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.json().path("error_code").asText()).isEqualTo("bad_jwt");
        assertThat(Rest.service().get(path).status())
                .as("the user is untouched")
                .isEqualTo(200);
        assertThat(Rest.service().get(path).json().has("banned_until")).isFalse();
    }

    @Test
    void goDurationsParseAsGoTrueReadsThem() {
        assertThat(AdminUsers.goDuration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(AdminUsers.goDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(AdminUsers.goDuration("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(AdminUsers.goDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(AdminUsers.goDuration("h")).isNull();
        assertThat(AdminUsers.goDuration("10")).isNull();
        assertThat(AdminUsers.goDuration("10d")).isNull();
    }

    private static JsonNode create(String email, boolean confirm) {
        Rest.Response created = Rest.service()
                .post(
                        "/auth/v1/admin/users",
                        Rest.json(Map.of("email", email, "password", PASSWORD, "email_confirm", confirm)));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        return created.json();
    }

    private static Rest.Response signIn(String email, String password) {
        return Rest.anon()
                .with("apikey", server.anonKey())
                .post("/auth/v1/token?grant_type=password", Rest.json(Map.of("email", email, "password", password)));
    }

    private static Rest.Response refresh(String token) {
        return Rest.anon()
                .with("apikey", server.anonKey())
                .post("/auth/v1/token?grant_type=refresh_token", Rest.json(Map.of("refresh_token", token)));
    }

    private static String unique() {
        return "admin-" + UUID.randomUUID() + "@example.test";
    }
}
