package dev.atelier.platform.rest;

import dev.atelier.testing.Rest;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Test data for the Data API: object mothers for InfiniteStories rows, a few extra database objects
 * the InfiniteStories schema lacks (a many-to-many junction, a view, functions of every result
 * shape), and self-signed tokens for the JWT error cases.
 */
final class Fixtures {

    private static boolean created;

    private Fixtures() {
    }

    /**
     * Creates the extra objects once per JVM, as the owner, and waits until the Data API's schema
     * cache has them (it reloads when a request names an object it does not know).
     */
    static synchronized void ensureObjects() {
        if (created) {
            return;
        }
        try (Connection c = TestServer.get().ownerDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    create table if not exists infinitestories.rest_fixture_tags (
                        id serial primary key, name text not null unique);
                    create table if not exists infinitestories.rest_fixture_hero_tags (
                        hero_id uuid references infinitestories.heroes (id) on delete cascade,
                        tag_id int references infinitestories.rest_fixture_tags (id),
                        primary key (hero_id, tag_id));
                    grant select on infinitestories.rest_fixture_tags, infinitestories.rest_fixture_hero_tags to authenticated;
                    grant update (name) on infinitestories.rest_fixture_tags to authenticated;
                    grant all on infinitestories.rest_fixture_tags, infinitestories.rest_fixture_hero_tags to service_role;
                    grant usage on sequence infinitestories.rest_fixture_tags_id_seq to service_role;
                    create or replace view infinitestories.rest_fixture_story_titles with (security_invoker = true) as
                        select id, user_id, title from infinitestories.stories;
                    grant select on infinitestories.rest_fixture_story_titles to authenticated, service_role;
                    create or replace function infinitestories.rest_fixture_add(a int, b int default 1)
                        returns int language sql immutable as 'select a + b';
                    create or replace function infinitestories.rest_fixture_heroes_named(prefix text)
                        returns setof infinitestories.heroes language sql stable
                        as $$ select * from infinitestories.heroes where name like prefix || '%' $$;
                    create or replace function infinitestories.rest_fixture_pairs(n int)
                        returns table (x int, y text) language sql immutable
                        as $$ select i, 'v' || i from generate_series(1, n) i $$;
                    create or replace function infinitestories.rest_fixture_numbers(n int)
                        returns setof int language sql immutable as $$ select generate_series(1, n) $$;
                    create or replace function infinitestories.rest_fixture_echo(payload json)
                        returns json language sql immutable as 'select payload';
                    create or replace function infinitestories.rest_fixture_nothing()
                        returns void language sql as 'select';
                    create or replace function infinitestories.rest_fixture_payment_required()
                        returns int language plpgsql as $$
                        begin raise exception 'pay first' using errcode = 'PT402', hint = 'top up'; end $$;
                    create or replace function infinitestories.rest_fixture_touch()
                        returns int language sql volatile
                        as $$ update infinitestories.rest_fixture_tags set name = name where false; select 1 $$;
                    -- New functions are not executable by PUBLIC (V47): the fixtures are meant for clients.
                    grant execute on function infinitestories.rest_fixture_add(int, int),
                        infinitestories.rest_fixture_heroes_named(text), infinitestories.rest_fixture_pairs(int),
                        infinitestories.rest_fixture_numbers(int), infinitestories.rest_fixture_echo(json),
                        infinitestories.rest_fixture_nothing(), infinitestories.rest_fixture_payment_required(),
                        infinitestories.rest_fixture_touch() to anon, authenticated, service_role;
                    """);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the Data API fixtures: " + e.getMessage(), e);
        }
        // The schema cache may still hold these names from an earlier class (dropped since): then the
        // objects just re-created are used under the same names. Otherwise a miss reloads it.
        long deadline = System.currentTimeMillis() + 15_000;
        while (Rest.service().get("/rest_fixture_hero_tags?limit=0").status() != 200
               || Rest.service().post("/rpc/rest_fixture_touch", "{}").status() != 200) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the schema cache never picked up the fixtures");
            }
            sleep(300);
        }
        created = true;
    }

    /**
     * Drops the extra objects again, so that the InfiniteStories schema other tests inspect in this
     * JVM is the one the migrations made. Each test class that creates them drops them after itself.
     */
    static synchronized void dropObjects() {
        try (Connection c = TestServer.get().ownerDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    drop view if exists infinitestories.rest_fixture_story_titles;
                    drop table if exists infinitestories.rest_fixture_hero_tags, infinitestories.rest_fixture_tags;
                    drop function if exists infinitestories.rest_fixture_add(int, int), infinitestories.rest_fixture_heroes_named(text),
                        infinitestories.rest_fixture_pairs(int), infinitestories.rest_fixture_numbers(int),
                        infinitestories.rest_fixture_echo(json), infinitestories.rest_fixture_nothing(),
                        infinitestories.rest_fixture_payment_required(), infinitestories.rest_fixture_touch();
                    """);
            created = false;
        } catch (Exception e) {
            throw new IllegalStateException("could not drop the Data API fixtures: " + e.getMessage(), e);
        }
    }

    static Map<String, Object> hero(UUID userId, String name, String primary, String secondary) {
        Map<String, Object> hero = new LinkedHashMap<>();
        hero.put("user_id", userId.toString());
        hero.put("name", name);
        hero.put("primary_trait", primary);
        hero.put("secondary_trait", secondary);
        return hero;
    }

    static Map<String, Object> story(UUID userId, String heroId, String title, String content) {
        Map<String, Object> story = new LinkedHashMap<>();
        story.put("user_id", userId.toString());
        story.put("hero_id", heroId);
        story.put("title", title);
        story.put("content", content);
        story.put("event_type", "built_in");
        story.put("event_data", Map.of("kind", title.toLowerCase(), "level", title.length()));
        return story;
    }

    /** A token signed with the server's own secret, with whatever role and expiry the test wants. */
    static String token(String role, Instant expires) {
        return TestServer.get().token(role, UUID.randomUUID(), expires);
    }

    /** A well-formed token signed with a secret the server does not know. */
    static String forgedToken(String role) {
        return TestServer.tokenSignedWith("not-the-servers-secret-0123456789abcdefghijklmnop", role, UUID.randomUUID(),
                Instant.now().plusSeconds(3600));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
