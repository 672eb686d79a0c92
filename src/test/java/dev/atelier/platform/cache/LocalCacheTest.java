package dev.atelier.platform.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-process cache without a server: TTL on a moved ticker, size eviction, invalidation, cache_config rules. */
class LocalCacheTest {

    private final FakeTicker ticker = new FakeTicker();

    private LocalCache<String, String> cache(Duration ttl, long maxBytes) {
        return new LocalCache<>(
                "t.local", new LocalCache.Spec<>(ttl, maxBytes, String::length), ticker, CacheRules.NONE);
    }

    private static CacheRules.Rule rule(int id, String pattern, int ttlSeconds, Long maxBytes, boolean enabled) {
        return new CacheRules.Rule(
                id, pattern, Duration.ofSeconds(ttlSeconds), maxBytes, CacheRules.Strategy.LRU, enabled);
    }

    @Test
    void anEntryExpiresWhenItsTtlHasPassedOnTheTickerNotBefore() {
        LocalCache<String, String> c = cache(Duration.ofMinutes(10), 1 << 20);
        c.put("a", "one");
        ticker.advance(Duration.ofMinutes(10).minusNanos(1));
        assertThat(c.getIfPresent("a")).isEqualTo("one");
        ticker.advance(Duration.ofNanos(1));
        assertThat(c.getIfPresent("a")).isNull();
        c.cleanUp();
        assertThat(c.hits()).isEqualTo(1);
        assertThat(c.misses()).isEqualTo(1);
        assertThat(c.evictions()).isEqualTo(1);
        assertThat(c.hitRate()).isEqualTo(0.5);
    }

    @Test
    void readsDoNotExtendTheTtlButAWriteRestartsIt() {
        LocalCache<String, String> c = cache(Duration.ofSeconds(60), 1 << 20);
        c.put("a", "one");
        ticker.advance(Duration.ofSeconds(50));
        assertThat(c.getIfPresent("a")).isEqualTo("one");
        ticker.advance(Duration.ofSeconds(11));
        assertThat(c.getIfPresent("a")).isNull();
        c.put("a", "two");
        ticker.advance(Duration.ofSeconds(59));
        assertThat(c.get("a", k -> "loaded")).isEqualTo("two");
    }

    @Test
    void overItsSizeTheCacheEvictsAndKeepsWithinTheBound() {
        // each entry weighs 96 bytes of bookkeeping + 2 per key character + the value's 1000
        LocalCache<String, String> c = cache(Duration.ofHours(1), 10_000);
        String value = "x".repeat(1000);
        for (int i = 0; i < 50; i++) {
            c.put("k" + i, value);
            c.getIfPresent("k0"); // k0 is the one in use: frequency keeps it
        }
        c.cleanUp();
        assertThat(c.bytes()).isLessThanOrEqualTo(10_000);
        assertThat(c.entries()).isBetween(1L, 9L);
        assertThat(c.evictions()).isEqualTo(50 - c.entries());
        assertThat(c.getIfPresent("k0")).isEqualTo(value);
    }

    @Test
    void invalidatedEntriesAreGoneAndCounted() {
        LocalCache<String, String> c = cache(Duration.ofHours(1), 1 << 20);
        c.put("a", "1");
        c.put("b", "2");
        c.put("c", "3");
        c.invalidate("a");
        c.invalidate("missing");
        assertThat(c.getIfPresent("a")).isNull();
        assertThat(c.invalidations()).isEqualTo(1);
        c.invalidateAll();
        assertThat(c.getIfPresent("b")).isNull();
        assertThat(c.invalidations()).isEqualTo(3);
        assertThat(c.get("b", k -> "loaded")).isEqualTo("loaded");
        assertThat(c.puts()).isEqualTo(4);
    }

    @Test
    void newRulesRetimeHeldEntriesFromTheirWriteTimeResizeAndSwitchOff() {
        LocalCache<String, String> c = cache(Duration.ofHours(1), 1 << 20);
        c.put("user:1", "a");
        c.put("match:1", "b");
        ticker.advance(Duration.ofMinutes(5));
        // match:* now lives 10 minutes: the entry written 5 minutes ago has 5 left
        c.apply(new CacheRules(List.of(rule(1, "t.local:match:*", 600, null, true))));
        assertThat(c.ttlFor("match:2")).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.ttlFor("user:2")).isEqualTo(Duration.ofHours(1));
        ticker.advance(Duration.ofMinutes(5));
        assertThat(c.getIfPresent("match:1")).isNull();
        assertThat(c.getIfPresent("user:1")).isEqualTo("a");
        // a shorter TTL than an entry's age removes it at once
        c.apply(new CacheRules(List.of(rule(2, "t.local:user:*", 60, null, true))));
        assertThat(c.getIfPresent("user:1")).isNull();
        // size from the cache-wide pattern
        c.apply(new CacheRules(List.of(rule(3, "t.local:*", 60, 4096L, true))));
        assertThat(c.maxBytes()).isEqualTo(4096);
        // a disabled key pattern neither serves nor stores; the rest still does
        c.apply(new CacheRules(List.of(rule(4, "t.local:secret:*", 60, null, false))));
        c.put("secret:1", "s");
        c.put("open:1", "o");
        assertThat(c.getIfPresent("secret:1")).isNull();
        assertThat(c.get("secret:1", k -> "fresh")).isEqualTo("fresh");
        assertThat(c.getIfPresent("open:1")).isEqualTo("o");
        // a disabled cache-wide pattern empties the cache and keeps it empty
        c.apply(new CacheRules(List.of(rule(5, "t.local:*", 60, null, false))));
        assertThat(c.entries()).isZero();
        c.put("open:2", "o");
        assertThat(c.getIfPresent("open:2")).isNull();
        // removing the rule turns it back on with the spec's defaults
        c.apply(CacheRules.NONE);
        c.put("open:2", "o");
        assertThat(c.getIfPresent("open:2")).isEqualTo("o");
        assertThat(c.maxBytes()).isEqualTo(1 << 20);
    }

    @Test
    void theMostSpecificPatternWins() {
        CacheRules rules = new CacheRules(List.of(
                rule(1, "*", 1, null, true),
                rule(2, "rotation.metadata_cache:*", 2, null, true),
                rule(3, "rotation.metadata_cache:record:*", 3, null, true),
                rule(4, "rotation.metadata_cache:record:*:summary", 4, null, true),
                rule(5, "rotation.metadata_cache:record:42:summary", 5, null, true)));
        assertThat(rules.forKey("rotation.metadata_cache:record:42:summary").id())
                .isEqualTo(5);
        assertThat(rules.forKey("rotation.metadata_cache:record:7:summary").id())
                .isEqualTo(4);
        assertThat(rules.forKey("rotation.metadata_cache:record:7:tracks").id()).isEqualTo(3);
        assertThat(rules.forKey("rotation.metadata_cache:store:7:x").id()).isEqualTo(2);
        assertThat(rules.forKey("infinitestories.cache_entries:story:1").id()).isEqualTo(1);
        assertThat(rules.forCache("rotation.metadata_cache").id()).isEqualTo(2);
        assertThat(new CacheRules(List.of()).forKey("x")).isNull();
        assertThat(CacheRules.matches("a*b*c", "abc")).isTrue();
        assertThat(CacheRules.matches("a*b*c", "aXbYc")).isTrue();
        assertThat(CacheRules.matches("a*b*c", "acb")).isFalse();
        assertThat(CacheRules.matches("a*a", "a")).isFalse();
        assertThat(CacheRules.matches("match:*", "match:")).isTrue();
        assertThat(CacheRules.matches("*.*", "x".repeat(10_000))).isFalse();
    }
}
