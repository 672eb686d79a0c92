package dev.atelier.platform.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/admin/monitoring}: only the service role and app admins get in, and the figures
 * are the database's own — a slow statement run here is found among the slow queries, a running
 * one among the connections.
 */
class MonitoringTest {

    private static final String BASE = "/api/v1/admin/monitoring";
    private static final TestServer server = TestServer.get();

    @Test
    void onlyTheServiceRoleAndAdminsGetIn() throws Exception {
        TestServer.TestUser user = server.newUser();
        assertThat(Rest.anon().get(BASE + "/database").status()).isEqualTo(401);
        assertThat(Rest.as(user.accessToken()).get(BASE + "/database").status()).isEqualTo(403);
        OwnerSql.exec("update rotation.users set role = 'admin' where auth_user_id = '" + user.id() + "'");
        Rest.Response asAdmin = Rest.as(user.accessToken()).get(BASE + "/database");
        assertThat(asAdmin.status()).as(asAdmin.body()).isEqualTo(200);
        assertThat(Rest.service()
                        .get(BASE + "/tables?limit=0")
                        .json()
                        .path("field")
                        .asText())
                .isEqualTo("limit");
    }

    @Test
    void theFiguresAreTheDatabases() throws Exception {
        Rest service = Rest.service();
        JsonNode db = service.get(BASE + "/database").json();
        assertThat(db.path("database").path("size_bytes").asLong()).isPositive();
        assertThat(db.path("database").path("connections").asLong()).isPositive();
        assertThat(db.path("database").path("cache_hit_ratio").asDouble()).isBetween(0.0, 1.0);

        JsonNode tables =
                service.get(BASE + "/tables?schema=algorhythmic&limit=1000").json();
        assertThat(tables.findValuesAsText("table")).contains("telemetry_events", "users");
        assertThat(tables.get(0).path("total_bytes").asLong()).isPositive();
        assertThat(tables.get(0).has("dead_rows")).isTrue();
        assertThat(tables.get(0).has("last_autovacuum")).isTrue();

        JsonNode unused = service.get(BASE + "/indexes?unused=true&limit=2000").json();
        assertThat(unused).isNotEmpty();
        assertThat(unused.findValues("unused")).allMatch(JsonNode::asBoolean);

        assertThat(service.get(BASE + "/pool").json().path("max").asInt()).isEqualTo(16);
    }

    @Test
    void aSlowStatementIsFoundAndARunningOneIsSeen() throws Exception {
        String tag = "slow_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = OwnerSql.owner();
                Statement s = c.createStatement()) {
            s.execute("select count(*) as " + tag + " from generate_series(1, 2000000) g where g % 7 = 3");
        }
        JsonNode slow = Rest.service().get(BASE + "/slow-queries?limit=500").json();
        JsonNode found = null;
        for (JsonNode row : slow) {
            if (row.path("query").asText().contains(tag)) {
                found = row;
            }
        }
        assertThat(found)
                .as("the statement among " + slow.size() + " slow queries, from " + slow.get(0) + " to "
                        + slow.get(slow.size() - 1))
                .isNotNull();
        assertThat(found.path("calls").asLong()).isEqualTo(1);
        assertThat(found.path("mean_ms").asDouble()).isGreaterThan(10.0);

        String running = "running_" + UUID.randomUUID().toString().replace("-", "");
        CompletableFuture<Void> sleeper = CompletableFuture.runAsync(() -> {
            try (Connection c = OwnerSql.owner();
                    Statement s = c.createStatement()) {
                s.execute("select pg_sleep(3) as " + running);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Poll.until("the running statement is listed", Duration.ofSeconds(3), () -> {
            for (JsonNode row : Rest.service().get(BASE + "/connections").json()) {
                if (row.path("query").asText().contains(running)
                        && row.path("state").asText().equals("active")) {
                    return true;
                }
            }
            return false;
        });
        sleeper.join();
    }

    @Test
    void usageAnalyticsCountUsersAndFunctions() throws Exception {
        TestServer.TestUser user = server.newUser(); // a session today
        // Popular content in the two apps whose counts live in their own tables: a recipe used
        // more than any other, a track recommended more than any other in the period.
        String tag = UUID.randomUUID().toString().substring(0, 8);
        OwnerSql.exec("with r as (insert into delula.recipes (name, slug) values ('Popular " + tag + "', 'popular-"
                + tag + "') returning id) insert into delula.recipe_usage (recipe_id, usage_count, last_used_at)"
                + " select id, 1000000000, now() from r");
        OwnerSql.exec("insert into moodscale.recommendations (user_id, spotify_track_id, track_name, artist_name)"
                + " select m.id, 'track-" + tag + "', 'Song', 'Band' from moodscale.users m, generate_series(1, 1000)"
                + " where m.auth_user_id = '" + user.id() + "'");
        for (int i = 0; i < 30; i++) {
            Rest.anon().get("/api/v1/rotation/flags/no-such-flag-" + i);
        }
        Poll.until(
                "request samples are written",
                Duration.ofSeconds(10),
                () -> Rest.service()
                                .get(BASE + "/usage?days=1")
                                .json()
                                .path("api_performance")
                                .size()
                        > 0);
        JsonNode usage = Rest.service().get(BASE + "/usage?days=1").json();
        assertThat(usage.path("daily_active_users").get(0).path("users").asLong())
                .isPositive();
        JsonNode function = usage.path("api_performance").get(0);
        assertThat(function.path("calls").asLong()).isPositive();
        assertThat(function.has("p95_ms")).isTrue();
        assertThat(usage.path("popular").has("rotation_tracks")).isTrue();
        assertThat(usage.path("popular")
                        .path("delula_recipes")
                        .get(0)
                        .path("name")
                        .asText())
                .isEqualTo("Popular " + tag);
        JsonNode track = usage.path("popular").path("moodscale_tracks").get(0);
        assertThat(track.path("spotify_track_id").asText()).isEqualTo("track-" + tag);
        assertThat(track.path("recommendations").asLong()).isEqualTo(1000);
        assertThat(Rest.service().get(BASE + "/usage?days=365").status()).isEqualTo(400);
    }
}
