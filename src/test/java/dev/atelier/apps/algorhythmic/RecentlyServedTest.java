package dev.atelier.apps.algorhythmic;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.atelier.platform.cache.LocalCache;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The document's RecentlyServedCache on a ticker the test moves: 100 per key, least recently served first out, one hour. */
class RecentlyServedTest {

    private final AtomicLong nanos = new AtomicLong(1);
    private final Ticker ticker = nanos::get;
    private final RecentlyServed served =
            new RecentlyServed(LocalCache.standalone(RecentlyServed.CACHE, RecentlyServed.spec(), ticker));

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private static List<String> ids(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "art-" + i).toList();
    }

    @Test
    void anArtworkServedIsNotClaimedAgainWithinTheHourForThatKeyOnly() {
        String key = RecentlyServed.key("u1", "s1", "artworks/next");
        assertThat(served.claim(key, List.of("a", "b"), 10)).containsExactly("a", "b");
        assertThat(served.claim(key, List.of("a", "c"), 10)).containsExactly("c");
        assertThat(served.claim(RecentlyServed.key("u1", "s2", "artworks/next"), List.of("a"), 10))
                .containsExactly("a");
        assertThat(served.claim(RecentlyServed.key("u2", "s1", "artworks/next"), List.of("a"), 10))
                .containsExactly("a");
        advance(Duration.ofMinutes(59));
        assertThat(served.claim(key, List.of("a"), 10)).isEmpty();
        assertThat(served.recent(key)).containsExactlyInAnyOrder("a", "b", "c");
        advance(Duration.ofMinutes(1));
        // a and b were served an hour ago; c too
        assertThat(served.recent(key)).isEmpty();
        assertThat(served.claim(key, List.of("a"), 10)).containsExactly("a");
    }

    @Test
    void eachArtworkHasItsOwnHour() {
        String key = RecentlyServed.key("u1", "s1", "feed");
        served.claim(key, List.of("early"), 1);
        advance(Duration.ofMinutes(30));
        served.claim(key, List.of("late"), 1);
        advance(Duration.ofMinutes(31));
        assertThat(served.recent(key)).containsExactly("late");
        assertThat(served.claim(key, List.of("early", "late"), 5)).containsExactly("early");
    }

    @Test
    void atMostOneHundredPerKeyTheLeastRecentlyServedLeavingFirst() {
        String key = RecentlyServed.key("u1", "s1", "feed");
        assertThat(served.claim(key, ids(0, 100), 100)).hasSize(100);
        assertThat(served.recent(key)).hasSize(100);
        assertThat(served.claim(key, ids(100, 105), 5)).hasSize(5);
        List<String> recent = served.recent(key);
        assertThat(recent).hasSize(100).doesNotContain("art-0", "art-4").contains("art-5", "art-104");
        assertThat(served.claim(key, List.of("art-0", "art-50"), 5)).containsExactly("art-0");
    }

    @Test
    void claimServesNoMoreThanTheLimit() {
        String key = RecentlyServed.key("u1", "s1", "feed");
        assertThat(served.claim(key, ids(0, 10), 3)).containsExactly("art-0", "art-1", "art-2");
        assertThat(served.recent(key)).hasSize(3);
    }
}
