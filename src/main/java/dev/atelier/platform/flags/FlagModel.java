package dev.atelier.platform.flags;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The immutable definitions the engine evaluates: Unleash's model plus Rotation's four types. */
public final class FlagModel {

    private FlagModel() {}

    /**
     * A flag. {@code rotation} is set for Rotation's four types, which decide whether the flag is on
     * instead of {@code strategies}; variants and dependencies apply to every flag.
     */
    public record Feature(
            String name,
            boolean enabled,
            List<Strategy> strategies,
            List<Variant> variants,
            List<Dependency> dependencies,
            boolean impressionData,
            @Nullable RotationRule rotation) {}

    public record Strategy(
            String name,
            Map<String, String> parameters,
            List<Constraint> constraints,
            List<Integer> segments,
            List<Variant> variants,
            Prepared prepared) {}

    /**
     * A strategy's parameters parsed once, when the snapshot is read, instead of at every
     * evaluation: userIds as a set, whether this host is among hostNames, the IPs as parsed
     * ranges, percentage and rollout as numbers (null when absent or not a number).
     */
    public record Prepared(
            Set<String> userIds,
            boolean hostListed,
            List<IpRange> ips,
            @Nullable Integer percentage,
            @Nullable Integer rollout) {}

    /** An address or CIDR block as written, with its network bytes and prefix (null bytes: invalid). */
    public record IpRange(String text, byte @Nullable [] network, int bits) {}

    /**
     * A constraint; {@code regex} is the compiled REGEX value, null when invalid or not a REGEX;
     * {@code parsed} is what the operator compares with, parsed once (a BigDecimal for NUM_*, an
     * Instant for DATE_*, a Semver for SEMVER_*, a set for IN and NOT_IN, lower-cased values for
     * case-insensitive STR_*, IpRanges for IN_CIDR), null when it does not parse.
     */
    public record Constraint(
            String contextName,
            String operator,
            List<String> values,
            @Nullable String value,
            boolean inverted,
            boolean caseInsensitive,
            @Nullable Pattern regex,
            @Nullable Object parsed) {}

    public record Variant(
            String name,
            int weight,
            @Nullable JsonNode payload,
            @Nullable String stickiness,
            List<Override> overrides) {}

    public record Override(String contextName, List<String> values) {}

    public record Dependency(String feature, boolean enabled, List<String> variants) {}

    public record Segment(int id, List<Constraint> constraints) {}

    /** The Rotation flag types of {@code rotation.feature_flag_type}. */
    public enum RotationType {
        BOOLEAN,
        PERCENTAGE,
        USER_LIST,
        CONDITION
    }

    /** A Rotation flag's rule, as {@code rotation.evaluate_feature_flag} evaluates it. */
    public record RotationRule(
            RotationType type, int rolloutPercentage, Set<Integer> targetUsers, JsonNode conditions) {}

    /** Everything one evaluation looks at: the flags by name and the segments by id. */
    public record Snapshot(Map<String, Feature> features, Map<Integer, Segment> segments) {
        public static Snapshot empty() {
            return new Snapshot(Map.of(), Map.of());
        }
    }
}
