package dev.atelier.apps.algorhythmic;

import dev.atelier.platform.cache.Caches;
import dev.atelier.platform.cache.LocalCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The document's RecentlyServedCache: per {@code userId:sessionId:endpoint}, the artworks served
 * within the last hour, at most 100 (the least recently served goes first), so a feed does not
 * serve one twice. In process (Caffeine through platform.cache), as the document has it "in
 * memory": a user whose requests land on two servers may see an artwork once on each. The hour
 * is the TTL of pattern {@code algorhythmic.recently_served:*} in cache_config when there is one;
 * it holds per artwork and, for the whole key, from its last write.
 */
@Component
class RecentlyServed {

    static final String CACHE = "algorhythmic.recently_served";
    static final int MAX_PER_KEY = 100;

    /** Every server's budget for the whole cache; cache_config's max_size_mb overrides it. */
    private static final long MAX_BYTES = 32L * 1024 * 1024;

    /** One key's artworks by id, with the cache's nanoTime when each was served; access order. */
    static final class Served {
        private final LinkedHashMap<String, Long> ids = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > MAX_PER_KEY;
            }
        };

        long bytes() {
            return 64L + ids.size() * 120L; // a LinkedHashMap entry, a 36-character id, a Long
        }
    }

    private final LocalCache<String, Served> cache;

    @org.springframework.beans.factory.annotation.Autowired
    RecentlyServed(Caches caches) {
        this(caches.local(CACHE, spec()));
    }

    RecentlyServed(LocalCache<String, Served> cache) {
        this.cache = cache;
    }

    static LocalCache.Spec<Served> spec() {
        return new LocalCache.Spec<>(Duration.ofHours(1), MAX_BYTES, Served::bytes);
    }

    static String key(String userId, String sessionId, String endpoint) {
        return userId + ":" + sessionId + ":" + endpoint;
    }

    /** The artworks served for a key within its TTL. */
    List<String> recent(String key) {
        List<String> out = new ArrayList<>();
        cache.compute(key, (k, served) -> {
            if (served == null) {
                return null;
            }
            prune(k, served);
            out.addAll(served.ids.keySet());
            return served.ids.isEmpty() ? null : served;
        });
        return out;
    }

    /**
     * Records candidates as served, in order, up to {@code limit}, skipping any served meanwhile
     * (by a concurrent request of the same key); returns the ones recorded, which are the ones to
     * serve.
     */
    List<String> claim(String key, Collection<String> candidates, int limit) {
        List<String> claimed = new ArrayList<>();
        cache.compute(key, (k, current) -> {
            Served served = current == null ? new Served() : current;
            prune(k, served);
            long now = cache.nanoTime();
            for (String id : candidates) {
                if (claimed.size() >= limit) {
                    break;
                }
                if (!served.ids.containsKey(id)) {
                    served.ids.put(id, now);
                    claimed.add(id);
                }
            }
            return served.ids.isEmpty() ? null : served;
        });
        return claimed;
    }

    private void prune(String key, Served served) {
        long oldest = cache.nanoTime() - cache.ttlFor(key).toNanos();
        served.ids.values().removeIf(at -> at - oldest <= 0);
    }

    LocalCache<String, Served> cache() {
        return cache;
    }
}
