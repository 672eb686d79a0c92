package dev.atelier.platform.flags;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Semantic Versioning 2.0.0 versions and their precedence, for the SEMVER_* operators. */
record Semver(BigInteger major, BigInteger minor, BigInteger patch, List<String> pre) implements Comparable<Semver> {

    private static final Pattern FORMAT = Pattern.compile("^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$");

    static @Nullable Semver parse(@Nullable String text) {
        if (text == null || text.length() > 256) {
            return null;
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            return null;
        }
        String pre = m.group(4);
        return new Semver(
                new BigInteger(m.group(1)),
                new BigInteger(m.group(2)),
                new BigInteger(m.group(3)),
                pre == null ? List.of() : List.of(pre.split("\\.")));
    }

    @Override
    public int compareTo(Semver o) {
        int c = major.compareTo(o.major);
        if (c == 0) {
            c = minor.compareTo(o.minor);
        }
        if (c == 0) {
            c = patch.compareTo(o.patch);
        }
        if (c != 0) {
            return c;
        }
        if (pre.isEmpty() || o.pre.isEmpty()) {
            return Boolean.compare(pre.isEmpty(), o.pre.isEmpty());
        }
        for (int i = 0; i < Math.min(pre.size(), o.pre.size()); i++) {
            String a = pre.get(i);
            String b = o.pre.get(i);
            boolean an = a.chars().allMatch(Character::isDigit);
            boolean bn = b.chars().allMatch(Character::isDigit);
            int d;
            if (an && bn) {
                d = new BigInteger(a).compareTo(new BigInteger(b));
            } else if (an || bn) {
                d = an ? -1 : 1;
            } else {
                d = a.compareTo(b);
            }
            if (d != 0) {
                return d;
            }
        }
        return Integer.compare(pre.size(), o.pre.size());
    }
}
