package dev.atelier.platform.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.db.Database;
import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.Poll;
import dev.atelier.testing.Rest;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The caches with the server: cache_config reaching a running server, PostgreSQL caches counted,
 * expired and trimmed by the clean-up job's work, and the admin endpoint.
 */
class CachesTest {

    private static final TestServer server = TestServer.get();
    private static String table;

    @BeforeAll
    static void scratchTable() throws Exception {
        // a cache table of this test's own, shaped as InfiniteStories' cache_entries, so that
        // trimming it cannot touch other tests' rows
        table = "cache_test.kv_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = OwnerSql.owner()) {
            OwnerSql.exec(c, "create schema if not exists cache_test");
            OwnerSql.exec(c, "create table " + table + " (like infinitestories.cache_entries including all)");
            OwnerSql.exec(c, "grant usage on schema cache_test to service_role");
            OwnerSql.exec(c, "grant select, insert, update, delete on " + table + " to service_role");
        }
    }

    private static Caches caches() {
        return new Caches(server.component(Database.class), Clock.systemUTC(), new FakeTicker(), Duration.ofHours(1));
    }

    private static String name() {
        return "cachetest.c" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aCacheConfigChangeReachesTheRunningServerWithoutARestart() throws Exception {
        String name = name();
        LocalCache<String, String> c = server.component(Caches.class)
                .local(name, new LocalCache.Spec<>(Duration.ofHours(1), 1 << 20, String::length));
        c.put("match:1", "m");
        OwnerSql.exec("insert into rotation.cache_config (cache_key_pattern, ttl_seconds, max_size_mb) values ('" + name
                + ":*', 120, 2)");
        try {
            Poll.until(
                    "the server applies the new pattern",
                    Duration.ofSeconds(10),
                    () -> c.ttlFor("match:2").equals(Duration.ofSeconds(120)) && c.maxBytes() == 2L * 1024 * 1024);
            assertThat(c.getIfPresent("match:1")).isEqualTo("m");
            OwnerSql.exec(
                    "update rotation.cache_config set enabled = false where cache_key_pattern = '" + name + ":*'");
            Poll.until(
                    "the server switches the cache off and empties it",
                    Duration.ofSeconds(10),
                    () -> !c.enabledFor("match:1") && c.entries() == 0);
            assertThat(c.getIfPresent("match:1")).isNull();
            c.put("match:1", "m");
            assertThat(c.entries()).isZero();
        } finally {
            OwnerSql.exec("delete from rotation.cache_config where cache_key_pattern = '" + name + ":*'");
        }
        Poll.until(
                "the server is back on its defaults",
                Duration.ofSeconds(10),
                () -> c.enabledFor("match:1") && c.ttlFor("match:1").equals(Duration.ofHours(1)));
    }

    @Test
    void postgresqlEntriesAreServedCountedInBatchesAndExpiredByTheJob() throws Exception {
        Caches caches = caches();
        SharedCache c = caches.keyValue(name(), table, null, Duration.ofMinutes(5), null);
        c.put("story:1", "{\"content\":\"once\"}");
        assertThat(c.get("story:1")).contains("{\"content\": \"once\"}");
        assertThat(c.get("story:1")).isPresent();
        assertThat(c.get("story:2")).isEmpty();
        assertThat(c.hits()).isEqualTo(2);
        assertThat(c.misses()).isEqualTo(1);
        // no UPDATE per hit: the table learns of the reads at the flush
        assertThat(OwnerSql.queryString("select access_count from " + table + " where key = 'story:1'"))
                .isEqualTo("0");
        caches.flush();
        assertThat(OwnerSql.queryString("select access_count || ' ' || size_bytes"
                        + " || ' ' || (expires_at between now() + interval '4 minutes' and now() + interval '5 minutes')"
                        + " from " + table + " where key = 'story:1'"))
                .isEqualTo("2 18 true"); // {"content":"once"} is 18 bytes
        c.get("story:1");
        caches.flush();
        assertThat(OwnerSql.queryString("select access_count from " + table + " where key = 'story:1'"))
                .isEqualTo("3");

        OwnerSql.exec("insert into " + table + " (key, value, expires_at, size_bytes) values"
                + " ('old:1', '{}', now() - interval '1 second', 2), ('old:2', '{}', now() - interval '1 hour', 2)");
        assertThat(caches.expire()).isEqualTo(2);
        assertThat(OwnerSql.rows("select key from " + table + " order by key")).containsExactly("story:1");
        assertThat(c.evictions()).isEqualTo(2);
        assertThat(c.invalidate("story:1")).isTrue();
        assertThat(c.get("story:1")).isEmpty();
        assertThat(c.invalidations()).isEqualTo(1);
    }

    @Test
    void theJobTrimsATableOverItsSizeLeastRecentlyUsedFirst() throws Exception {
        Caches caches = caches();
        String name = name();
        SharedCache c = caches.keyValue(name, table, null, Duration.ofMinutes(5), null);
        OwnerSql.exec("insert into rotation.cache_config (cache_key_pattern, ttl_seconds, max_size_mb,"
                + " cache_strategy) values ('" + name + ":*', 300, 1, 'lru')");
        try {
            caches.refresh();
            String big = "{\"x\":\"" + "y".repeat(400_000) + "\"}";
            for (int i = 0; i < 4; i++) {
                c.put("big:" + i, big);
            }
            OwnerSql.exec("update " + table + " set last_accessed_at = now() - (key_n || ' minutes')::interval"
                    + " from (select key as k, substr(key, 5)::int as key_n from " + table
                    + " where key like 'big:%') o"
                    + " where key = o.k");
            // big:0 is the most recently used, big:3 the least
            assertThat(caches.expire()).isEqualTo(2);
            assertThat(OwnerSql.rows("select key from " + table + " where key like 'big:%' order by key"))
                    .containsExactly("big:0", "big:1");
        } finally {
            OwnerSql.exec("delete from rotation.cache_config where cache_key_pattern = '" + name + ":*'");
            OwnerSql.exec("delete from " + table + " where key like 'big:%'");
        }
    }

    @Test
    void metadataEntriesCountRefreshesAndExpire() throws Exception {
        Caches caches = caches();
        SharedCache c = caches.metadata(name(), "rotation.metadata_cache", Duration.ofMinutes(5), null);
        int entity = 2_000_000_000 + (int) (Math.random() * 100_000_000);
        String key = "store:" + entity + ":hours";
        c.put(key, "{\"open\":9}");
        c.put(key, "{\"open\":10}");
        assertThat(c.get(key)).contains("{\"open\": 10}");
        assertThat(OwnerSql.queryString(
                        "select refresh_count from rotation.metadata_cache where entity_type = 'store' and entity_id = "
                                + entity))
                .isEqualTo("2");
        OwnerSql.exec("update rotation.metadata_cache set expires_at = now() - interval '1 second'"
                + " where entity_type = 'store' and entity_id = " + entity);
        assertThat(c.get(key)).isEmpty();
        assertThat(caches.expire()).isGreaterThanOrEqualTo(1);
        assertThat(OwnerSql.queryString(
                        "select count(*) from rotation.metadata_cache where entity_type = 'store' and entity_id = "
                                + entity))
                .isEqualTo("0");
    }

    @Test
    void theCleanUpIsOnePeriodicJobOfTheEngineHourly() throws Exception {
        assertThat(OwnerSql.queryString(
                        "select expression || ' ' || catch_up from platform.job_schedules where name = '"
                                + Caches.EXPIRE_SCHEDULE + "'"))
                .isEqualTo("0 * * * * latest");
    }

    @Test
    void theServiceRoleAndRotationAdminsReadHitRatesOthersDoNot() throws Exception {
        Rest.Response r = Rest.service().get("/api/v1/admin/caches");
        assertThat(r.status()).isEqualTo(200);
        JsonNode list = r.json().get("caches");
        assertThat(list.findValuesAsText("name"))
                .contains("algorhythmic.recently_served", "infinitestories.cache_entries", "rotation.metadata_cache");
        for (JsonNode c : list) {
            assertThat(c.has("hits") && c.has("misses") && c.has("hit_rate") && c.has("evictions"))
                    .isTrue();
        }
        assertThat(Rest.anon().get("/api/v1/admin/caches").status()).isEqualTo(401);
        TestServer.TestUser user = server.newUser();
        assertThat(Rest.as(user.accessToken()).get("/api/v1/admin/caches").status())
                .isEqualTo(403);
        OwnerSql.exec("update rotation.users set role = 'admin' where auth_user_id = '" + user.id() + "'");
        assertThat(Rest.as(user.accessToken()).get("/api/v1/admin/caches").status())
                .isEqualTo(200);
    }
}
