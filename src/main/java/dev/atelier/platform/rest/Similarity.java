package dev.atelier.platform.rest;

import java.util.Collection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** "Perhaps you meant ..." hints: the closest known name by edit distance, if it is close enough to be a typo. */
final class Similarity {

    private static final double MIN_SCORE = 0.6;

    private Similarity() {}

    static @Nullable String closest(String wanted, Collection<String> known) {
        String best = null;
        double bestScore = MIN_SCORE;
        for (String candidate : known) {
            double score = score(wanted.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (score >= bestScore) {
                best = candidate;
                bestScore = score;
            }
        }
        return best;
    }

    static double score(String a, String b) {
        int longest = Math.max(a.length(), b.length());
        return longest == 0 ? 1.0 : 1.0 - (double) distance(a, b) / longest;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
