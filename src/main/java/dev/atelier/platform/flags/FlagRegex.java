package dev.atelier.platform.flags;

import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * The REGEX constraint operator with the RE2 syntax the specification uses: POSIX classes such as
 * {@code [[:alpha:]]} are understood, and what RE2 lacks (look-around, back-references, atomic
 * groups, possessive quantifiers) makes the pattern invalid, so the constraint is false.
 */
final class FlagRegex {

    private static final Map<String, String> POSIX = Map.ofEntries(
            Map.entry("alpha", "\\p{Alpha}"),
            Map.entry("digit", "\\p{Digit}"),
            Map.entry("alnum", "\\p{Alnum}"),
            Map.entry("upper", "\\p{Upper}"),
            Map.entry("lower", "\\p{Lower}"),
            Map.entry("space", "\\s"),
            Map.entry("punct", "\\p{Punct}"),
            Map.entry("xdigit", "\\p{XDigit}"),
            Map.entry("word", "\\w"),
            Map.entry("blank", "\\p{Blank}"),
            Map.entry("cntrl", "\\p{Cntrl}"),
            Map.entry("print", "\\p{Print}"),
            Map.entry("graph", "\\p{Graph}"),
            Map.entry("ascii", "\\p{ASCII}"));

    private FlagRegex() {}

    /** The compiled pattern, or null when it is not valid RE2. */
    static @Nullable Pattern compile(String re2, boolean caseInsensitive) {
        StringBuilder out = new StringBuilder(re2.length() + 16);
        for (int i = 0; i < re2.length(); i++) {
            char c = re2.charAt(i);
            if (c == '\\' && i + 1 < re2.length()) {
                char n = re2.charAt(i + 1);
                if ((n >= '1' && n <= '9') || n == 'k' || n == 'g') {
                    return null; // back-references
                }
                out.append(c).append(n);
                i++;
            } else if (c == '(' && re2.startsWith("(?", i)) {
                if (re2.startsWith("(?=", i)
                        || re2.startsWith("(?!", i)
                        || re2.startsWith("(?<=", i)
                        || re2.startsWith("(?<!", i)
                        || re2.startsWith("(?>", i)) {
                    return null;
                }
                out.append(c);
            } else if (c == '[' && re2.startsWith("[:", i)) {
                int end = re2.indexOf(":]", i + 2);
                String cls = end < 0 ? null : POSIX.get(re2.substring(i + 2, end));
                if (cls == null) {
                    return null;
                }
                out.append(cls);
                i = end + 1;
            } else if ((c == '+' || c == '*' || c == '?' || c == '}')
                    && i + 1 < re2.length()
                    && re2.charAt(i + 1) == '+') {
                return null; // possessive quantifiers
            } else {
                out.append(c);
            }
        }
        try {
            return Pattern.compile(out.toString(), caseInsensitive ? Pattern.CASE_INSENSITIVE : 0);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }
}
