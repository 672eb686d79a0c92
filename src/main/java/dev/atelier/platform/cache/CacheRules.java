package dev.atelier.platform.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The rows of {@code rotation.cache_config} as read at one moment, and which one governs a key.
 * A pattern is a glob over the full key ({@code <cache name>:<key>}): {@code *} stands for any run
 * of characters, everything else for itself. The most specific matching pattern wins: the one
 * with the most literal characters, then the one with fewer stars, then the lower id.
 */
final class CacheRules {

    /** One row; {@code maxBytes} is null when the row sets no size. */
    record Rule(
            int id, String pattern, Duration ttl, @Nullable Long maxBytes, Strategy strategy, boolean enabled) {}

    /** cache_strategy: what goes first when a PostgreSQL cache is over its size. */
    enum Strategy {
        LRU,
        LFU,
        TTL;

        static Strategy of(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    static final CacheRules NONE = new CacheRules(List.of());

    private final List<Rule> rules; // most specific first
    private final List<String[]> pieces;

    CacheRules(List<Rule> rows) {
        List<Rule> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingInt((Rule r) -> -literals(r.pattern()))
                .thenComparingInt(r -> stars(r.pattern()))
                .thenComparingInt(Rule::id));
        this.rules = List.copyOf(sorted);
        List<String[]> p = new ArrayList<>();
        for (Rule r : sorted) {
            p.add(r.pattern().split("\\*", -1));
        }
        this.pieces = p;
    }

    List<Rule> rules() {
        return rules;
    }

    /** The rule governing a full key, or null when no pattern matches it (the cache's defaults hold). */
    @Nullable
    Rule forKey(String fullKey) {
        for (int i = 0; i < rules.size(); i++) {
            if (matches(pieces.get(i), fullKey)) {
                return rules.get(i);
            }
        }
        return null;
    }

    /**
     * The rule governing a cache as a whole (its size and strategy): the one that matches the
     * cache's name followed by a colon, so {@code name:*} and {@code *} do, {@code name:user:*}
     * does not.
     */
    @Nullable
    Rule forCache(String name) {
        return forKey(name + ":");
    }

    static boolean matches(String pattern, String key) {
        return matches(pattern.split("\\*", -1), key);
    }

    /** Glob match without backtracking blow-up: each literal piece is found left to right. */
    private static boolean matches(String[] parts, String key) {
        if (parts.length == 1) {
            return parts[0].equals(key);
        }
        String first = parts[0];
        String last = parts[parts.length - 1];
        if (!key.startsWith(first) || key.length() < first.length() + last.length() || !key.endsWith(last)) {
            return false;
        }
        int at = first.length();
        int end = key.length() - last.length();
        for (int i = 1; i < parts.length - 1; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                continue;
            }
            int found = key.indexOf(part, at);
            if (found < 0 || found + part.length() > end) {
                return false;
            }
            at = found + part.length();
        }
        return true;
    }

    private static int literals(String pattern) {
        return pattern.length() - stars(pattern);
    }

    private static int stars(String pattern) {
        int n = 0;
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) == '*') {
                n++;
            }
        }
        return n;
    }
}
