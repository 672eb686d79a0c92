package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import dev.atelier.platform.flags.FlagModel.Constraint;
import dev.atelier.platform.flags.FlagModel.Dependency;
import dev.atelier.platform.flags.FlagModel.Feature;
import dev.atelier.platform.flags.FlagModel.IpRange;
import dev.atelier.platform.flags.FlagModel.Override;
import dev.atelier.platform.flags.FlagModel.Segment;
import dev.atelier.platform.flags.FlagModel.Snapshot;
import dev.atelier.platform.flags.FlagModel.Strategy;
import dev.atelier.platform.flags.FlagModel.Variant;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates flags of a {@link Snapshot} for a {@link FlagContext}: Unleash's client specification
 * (strategies, constraints, segments, variants, dependencies) and Rotation's four types.
 * Stateless and allocation-light: every call reads the immutable snapshot only.
 */
public final class FlagEngine {

    /** What {@link #variant} answers when no variant applies. */
    public record VariantResult(String name, @Nullable JsonNode payload, boolean enabled, boolean featureEnabled) {
        static VariantResult disabled(boolean featureEnabled) {
            return new VariantResult("disabled", null, false, featureEnabled);
        }
    }

    private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9a-fA-F:.]+$");
    private static final String HOSTNAME = hostname();

    private FlagEngine() {}

    public static boolean isEnabled(Snapshot s, String name, FlagContext ctx) {
        Feature f = s.features().get(name);
        return f != null && evaluate(s, f, ctx).enabled;
    }

    public static VariantResult variant(Snapshot s, String name, FlagContext ctx) {
        Feature f = s.features().get(name);
        if (f == null) {
            return VariantResult.disabled(false);
        }
        return variant(s, f, ctx);
    }

    public static VariantResult variant(Snapshot s, Feature f, FlagContext ctx) {
        Evaluation e = evaluate(s, f, ctx);
        if (!e.enabled) {
            return VariantResult.disabled(false);
        }
        Strategy matched = e.strategy;
        if (matched != null && !matched.variants().isEmpty()) {
            String groupId = matched.parameters().getOrDefault("groupId", f.name());
            String stickiness = matched.parameters().get("stickiness");
            if (stickiness == null) {
                stickiness = matched.variants().get(0).stickiness();
            }
            Variant v = select(matched.variants(), groupId, stickiness, ctx);
            if (v != null) {
                return new VariantResult(v.name(), v.payload(), true, true);
            }
        }
        if (f.variants().isEmpty()) {
            return VariantResult.disabled(true);
        }
        Variant v = select(f.variants(), f.name(), f.variants().get(0).stickiness(), ctx);
        return v == null ? VariantResult.disabled(true) : new VariantResult(v.name(), v.payload(), true, true);
    }

    private record Evaluation(boolean enabled, @Nullable Strategy strategy) {}

    private static final Evaluation OFF = new Evaluation(false, null);
    private static final Evaluation ON = new Evaluation(true, null);

    private static Evaluation evaluate(Snapshot s, Feature f, FlagContext ctx) {
        if (!f.enabled() || !dependenciesSatisfied(s, f, ctx)) {
            return OFF;
        }
        if (f.rotation() != null) {
            return RotationRules.evaluate(f.name(), f.rotation(), ctx) ? ON : OFF;
        }
        if (f.strategies().isEmpty()) {
            return ON;
        }
        for (Strategy st : f.strategies()) {
            if (constraintsHold(s, st, ctx) && strategyHolds(f, st, ctx)) {
                return new Evaluation(true, st);
            }
        }
        return OFF;
    }

    /** Dependencies reach one level: a parent that has dependencies of its own fails the child. */
    private static boolean dependenciesSatisfied(Snapshot s, Feature f, FlagContext ctx) {
        for (Dependency d : f.dependencies()) {
            Feature parent = s.features().get(d.feature());
            if (parent == null || !parent.dependencies().isEmpty()) {
                return false;
            }
            if (d.enabled()) {
                if (!d.variants().isEmpty()) {
                    VariantResult v = variant(s, parent, ctx);
                    if (!v.featureEnabled() || !d.variants().contains(v.name())) {
                        return false;
                    }
                } else if (!evaluate(s, parent, ctx).enabled) {
                    return false;
                }
            } else if (evaluate(s, parent, ctx).enabled) {
                return false;
            }
        }
        return true;
    }

    private static boolean constraintsHold(Snapshot s, Strategy st, FlagContext ctx) {
        for (int id : st.segments()) {
            Segment seg = s.segments().get(id);
            if (seg == null) {
                return false;
            }
            for (Constraint c : seg.constraints()) {
                if (!constraint(c, ctx)) {
                    return false;
                }
            }
        }
        for (Constraint c : st.constraints()) {
            if (!constraint(c, ctx)) {
                return false;
            }
        }
        return true;
    }

    private static boolean strategyHolds(Feature f, Strategy st, FlagContext ctx) {
        var p = st.parameters();
        switch (st.name()) {
            case "default":
                return true;
            case "userWithId": {
                String uid = ctx.userId();
                return uid != null && st.prepared().userIds().contains(uid);
            }
            case "gradualRolloutUserId":
                return rollout(
                        ctx.userId(),
                        p.getOrDefault("groupId", f.name()),
                        st.prepared().percentage());
            case "gradualRolloutSessionId":
                return rollout(
                        ctx.sessionId(),
                        p.getOrDefault("groupId", f.name()),
                        st.prepared().percentage());
            case "gradualRolloutRandom": {
                Integer pct = st.prepared().percentage();
                return pct != null && pct > 0 && ThreadLocalRandom.current().nextInt(1, 101) <= pct;
            }
            case "flexibleRollout": {
                String stickiness = p.getOrDefault("stickiness", "default");
                String id = switch (stickiness) {
                    case "default" -> firstOf(ctx.userId(), ctx.sessionId(), randomId());
                    case "random" -> randomId();
                    default -> ctx.field(stickiness);
                };
                return rollout(
                        id, p.getOrDefault("groupId", f.name()), st.prepared().rollout());
            }
            case "remoteAddress": {
                String ip = ctx.remoteAddress();
                if (ip == null || !p.containsKey("IPs")) {
                    return false;
                }
                return inRanges(st.prepared().ips(), ip, true);
            }
            case "applicationHostname":
                return st.prepared().hostListed();
            default:
                return false;
        }
    }

    private static String firstOf(@Nullable String a, @Nullable String b, String c) {
        return a != null && !a.isEmpty() ? a : b != null && !b.isEmpty() ? b : c;
    }

    private static String randomId() {
        return Integer.toString(ThreadLocalRandom.current().nextInt(1, 10_001));
    }

    private static boolean listed(@Nullable String csv, String value, boolean ignoreCase) {
        if (csv == null) {
            return false;
        }
        for (String item : csv.split(",")) {
            String t = item.trim();
            if (ignoreCase ? t.equalsIgnoreCase(value) : t.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean rollout(@Nullable String id, String groupId, @Nullable Integer pct) {
        return id != null && !id.isEmpty() && pct != null && pct > 0 && FlagHash.bucket(groupId, id) <= pct;
    }

    private static @Nullable Integer percentage(@Nullable String text) {
        if (text == null) {
            return null;
        }
        try {
            return (int) Math.round(Double.parseDouble(text.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Variants
    // ------------------------------------------------------------------------------------------

    private static @Nullable Variant select(
            List<Variant> variants, String groupId, @Nullable String stickiness, FlagContext ctx) {
        for (Variant v : variants) {
            for (Override o : v.overrides()) {
                String value = ctx.field(o.contextName());
                if (value != null && o.values().contains(value)) {
                    return v;
                }
            }
        }
        int total = 0;
        for (Variant v : variants) {
            total += Math.max(0, v.weight());
        }
        if (total <= 0) {
            return null;
        }
        String seed;
        if (stickiness == null || stickiness.equals("default")) {
            String id = ctx.userId();
            if (id == null || id.isEmpty()) {
                id = ctx.sessionId();
            }
            if (id == null || id.isEmpty()) {
                id = ctx.remoteAddress();
            }
            seed = id == null || id.isEmpty() ? randomId() : id;
        } else {
            String id = ctx.field(stickiness);
            seed = id == null ? randomId() : id;
        }
        int target = FlagHash.normalized(seed, groupId, total, FlagHash.VARIANT_SEED);
        int counter = 0;
        for (Variant v : variants) {
            if (v.weight() <= 0) {
                continue;
            }
            counter += v.weight();
            if (counter >= target) {
                return v;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------
    // Constraints
    // ------------------------------------------------------------------------------------------

    static boolean constraint(Constraint c, FlagContext ctx) {
        boolean result = operator(c, ctx);
        return c.inverted() != result;
    }

    private static boolean operator(Constraint c, FlagContext ctx) {
        String value = ctx.field(c.contextName());
        String op = c.operator();
        switch (op) {
            case "IN":
                return value != null
                        && (c.parsed() instanceof Set<?> in
                                ? in.contains(value)
                                : c.values().contains(value));
            case "NOT_IN":
                return value == null
                        || !(c.parsed() instanceof Set<?> in
                                ? in.contains(value)
                                : c.values().contains(value));
            case "STR_CONTAINS":
            case "STR_STARTS_WITH":
            case "STR_ENDS_WITH": {
                if (value == null) {
                    return false;
                }
                String v = c.caseInsensitive() ? value.toLowerCase(Locale.ROOT) : value;
                @SuppressWarnings("unchecked")
                List<String> candidates = c.caseInsensitive() && c.parsed() instanceof List<?> lowered
                        ? (List<String>) lowered
                        : c.values();
                for (String candidate : candidates) {
                    String w = c.caseInsensitive() ? candidate.toLowerCase(Locale.ROOT) : candidate;
                    boolean hit = switch (op) {
                        case "STR_CONTAINS" -> v.contains(w);
                        case "STR_STARTS_WITH" -> v.startsWith(w);
                        default -> v.endsWith(w);
                    };
                    if (hit) {
                        return true;
                    }
                }
                return false;
            }
            case "NUM_EQ":
            case "NUM_GT":
            case "NUM_GTE":
            case "NUM_LT":
            case "NUM_LTE": {
                BigDecimal a = number(value);
                BigDecimal b = c.parsed() instanceof BigDecimal n ? n : number(c.value());
                if (a == null || b == null) {
                    return false;
                }
                int cmp = a.compareTo(b);
                return switch (op) {
                    case "NUM_EQ" -> cmp == 0;
                    case "NUM_GT" -> cmp > 0;
                    case "NUM_GTE" -> cmp >= 0;
                    case "NUM_LT" -> cmp < 0;
                    default -> cmp <= 0;
                };
            }
            case "DATE_AFTER":
            case "DATE_BEFORE": {
                Instant at = value == null && c.contextName().equals("currentTime") ? Instant.now() : instant(value);
                Instant limit = c.parsed() instanceof Instant i ? i : instant(c.value());
                if (at == null || limit == null) {
                    return false;
                }
                return op.equals("DATE_AFTER") ? at.isAfter(limit) : at.isBefore(limit);
            }
            case "SEMVER_EQ":
            case "SEMVER_GT":
            case "SEMVER_GTE":
            case "SEMVER_LT":
            case "SEMVER_LTE": {
                Semver a = Semver.parse(value);
                Semver b = c.parsed() instanceof Semver v ? v : Semver.parse(c.value());
                if (a == null || b == null) {
                    return false;
                }
                int cmp = a.compareTo(b);
                return switch (op) {
                    case "SEMVER_EQ" -> cmp == 0;
                    case "SEMVER_GT" -> cmp > 0;
                    case "SEMVER_GTE" -> cmp >= 0;
                    case "SEMVER_LT" -> cmp < 0;
                    default -> cmp <= 0;
                };
            }
            case "REGEX": {
                Pattern p = c.regex();
                return value != null && p != null && p.matcher(value).find();
            }
            case "IN_CIDR": {
                if (value == null) {
                    return false;
                }
                if (c.parsed() instanceof List<?> ranges) {
                    @SuppressWarnings("unchecked")
                    List<IpRange> parsedRanges = (List<IpRange>) ranges;
                    return inRanges(parsedRanges, value, false);
                }
                for (String range : c.values()) {
                    if (cidrContains(range.trim(), value)) {
                        return true;
                    }
                }
                return false;
            }
            default:
                return false;
        }
    }

    private static @Nullable BigDecimal number(@Nullable String text) {
        if (text == null || text.length() > 100) {
            return null;
        }
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static @Nullable Instant instant(@Nullable String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e2) {
                try {
                    return java.time.LocalDateTime.parse(text).toInstant(java.time.ZoneOffset.UTC);
                } catch (DateTimeParseException e3) {
                    return null;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Parsed once per snapshot
    // ------------------------------------------------------------------------------------------

    /** A strategy's parameters as {@link FlagModel.Prepared}; the same answers as parsing them each time. */
    static FlagModel.Prepared prepare(Map<String, String> p) {
        Set<String> userIds = new HashSet<>();
        String csv = p.get("userIds");
        if (csv != null) {
            for (String item : csv.split(",")) {
                userIds.add(item.trim());
            }
        }
        return new FlagModel.Prepared(
                Set.copyOf(userIds),
                listed(p.get("hostNames"), HOSTNAME, true),
                ranges(p.get("IPs") == null ? List.of() : List.of(p.get("IPs").split(","))),
                percentage(p.get("percentage")),
                percentage(p.get("rollout")));
    }

    /** A constraint's value or values parsed for its operator, or null (then parsed at evaluation). */
    static @Nullable Object parse(
            String operator, @Nullable String value, List<String> values, boolean caseInsensitive) {
        switch (operator) {
            case "IN", "NOT_IN":
                return Set.copyOf(new HashSet<>(values));
            case "STR_CONTAINS", "STR_STARTS_WITH", "STR_ENDS_WITH":
                return caseInsensitive
                        ? values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList()
                        : null;
            case "NUM_EQ", "NUM_GT", "NUM_GTE", "NUM_LT", "NUM_LTE":
                return number(value);
            case "DATE_AFTER", "DATE_BEFORE":
                return instant(value);
            case "SEMVER_EQ", "SEMVER_GT", "SEMVER_GTE", "SEMVER_LT", "SEMVER_LTE":
                return Semver.parse(value);
            case "IN_CIDR":
                return ranges(values);
            default:
                return null;
        }
    }

    private static List<IpRange> ranges(List<String> texts) {
        List<IpRange> out = new ArrayList<>();
        for (String t : texts) {
            String range = t.trim();
            int slash = range.indexOf('/');
            byte[] network = literal(slash < 0 ? range : range.substring(0, slash));
            int bits = network == null ? 0 : network.length * 8;
            if (network != null && slash >= 0) {
                try {
                    bits = Integer.parseInt(range.substring(slash + 1));
                } catch (NumberFormatException e) {
                    network = null;
                }
                if (bits < 0 || network != null && bits > network.length * 8) {
                    network = null;
                }
            }
            out.add(new IpRange(range, network, bits));
        }
        return List.copyOf(out);
    }

    /**
     * Whether {@code ip} is one of the ranges (the remoteAddress strategy also takes an exact
     * textual match, as it always did); the address is parsed once, and only when needed.
     */
    private static boolean inRanges(List<IpRange> ranges, String ip, boolean textual) {
        byte[] address = null;
        boolean parsed = false;
        for (IpRange r : ranges) {
            if (textual && r.text().equals(ip)) {
                return true;
            }
            if (r.network() == null) {
                continue;
            }
            if (!parsed) {
                address = literal(ip);
                parsed = true;
            }
            if (address != null && contains(r.network(), r.bits(), address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(byte[] network, int bits, byte[] address) {
        if (network.length != address.length) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((network[i / 8] & mask) != (address[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code ip} is {@code range} (an address or CIDR block); invalid input is no match. */
    static boolean cidrContains(String range, String ip) {
        byte[] address = literal(ip);
        if (address == null) {
            return false;
        }
        int slash = range.indexOf('/');
        byte[] network = literal(slash < 0 ? range : range.substring(0, slash));
        if (network == null || network.length != address.length) {
            return false;
        }
        int bits = network.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(range.substring(slash + 1));
            } catch (NumberFormatException e) {
                return false;
            }
            if (bits < 0 || bits > network.length * 8) {
                return false;
            }
        }
        return contains(network, bits, address);
    }

    /** An IP literal's bytes without any name lookup, or null. */
    private static byte @Nullable [] literal(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !(text.contains(":") && IPV6.matcher(text).matches())) {
            return null;
        }
        if (v4) {
            for (String part : text.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "undefined";
        }
    }
}
