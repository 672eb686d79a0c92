package dev.atelier.apps.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.flags.FlagContext;
import dev.atelier.platform.flags.FlagEngine;
import dev.atelier.platform.flags.FlagHash;
import dev.atelier.platform.flags.FlagJson;
import dev.atelier.platform.flags.FlagModel.Constraint;
import dev.atelier.platform.flags.FlagModel.Feature;
import dev.atelier.platform.flags.FlagModel.RotationRule;
import dev.atelier.platform.flags.FlagModel.RotationType;
import dev.atelier.platform.flags.FlagModel.Snapshot;
import dev.atelier.platform.flags.FlagModel.Strategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The platform's Java engine and {@code rotation.evaluate_feature_flag} agree: on every case of
 * Unleash's client specification that Rotation's four types can express (and both agree with the
 * specification there), and on 10,000 random contexts over random flags of the four types, with
 * percentage buckets equal bit for bit. The SQL calls are batched: one query per set.
 */
class RotationFlagsAgreementTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SPEC = Path.of("test/js/node_modules/@unleash/client-specification/specifications");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

    /** A Rotation flag and one evaluation of it, as the SQL function takes them. */
    record Call(
            String key,
            RotationRule rule,
            boolean enabled,
            @Nullable Integer userId,
            ObjectNode context) {}

    // ------------------------------------------------------------------------------------------
    // The specification's expressible cases
    // ------------------------------------------------------------------------------------------

    @Test
    void everyExpressibleSpecificationCaseAgrees() throws IOException, SQLException {
        int total = 0;
        int expressible = 0;
        Map<String, Integer> perFile = new LinkedHashMap<>();
        for (JsonNode file : JSON.readTree(SPEC.resolve("index.json").toFile())) {
            // One batch per file: files reuse names for different flags.
            List<Call> calls = new ArrayList<>();
            List<Boolean> expected = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            JsonNode spec = JSON.readTree(Files.readString(SPEC.resolve(file.asText())));
            Snapshot state = FlagJson.state(spec.get("state"));
            for (JsonNode t : spec.path("tests")) {
                total++;
                Feature f = state.features().get(t.get("toggleName").asText());
                Optional<Call> call = f == null ? Optional.empty() : express(f, FlagContext.of(t.path("context")));
                if (call.isPresent()) {
                    calls.add(call.get());
                    expected.add(t.get("expectedResult").asBoolean());
                    labels.add(file.asText() + " / " + t.path("description").asText());
                }
            }
            List<Boolean> sql = evaluateInSql(calls);
            for (int i = 0; i < calls.size(); i++) {
                boolean java = evaluateInJava(calls.get(i));
                assertThat(sql.get(i)).as("SQL vs Java: " + labels.get(i)).isEqualTo(java);
                assertThat(java)
                        .as("Java (as a Rotation flag) vs the specification: " + labels.get(i))
                        .isEqualTo(expected.get(i));
            }
            expressible += calls.size();
            perFile.put(file.asText().substring(0, 2), calls.size());
        }
        System.out.printf(
                "SQL/Java agreement: %d of %d specification toggle cases expressible in Rotation's types, by file %s%n",
                expressible, total, perFile);
        assertThat(expressible).isGreaterThanOrEqualTo(49);
    }

    /**
     * The specification's feature as one of Rotation's types for this context, when the two say the
     * same by construction: disabled or default-only flags (boolean), userWithId with integer ids
     * (user_list), rollouts grouped by the flag's own name with a user or session id (percentage),
     * and default strategies whose constraints are IN, NOT_IN or STR_CONTAINS (condition).
     */
    static Optional<Call> express(Feature f, FlagContext ctx) {
        String key = KEY.matcher(f.name()).matches()
                ? f.name()
                : "spec-" + Integer.toHexString(f.name().hashCode());
        ObjectNode empty = JSON.createObjectNode();
        if (!f.dependencies().isEmpty()) {
            return Optional.empty();
        }
        if (!f.enabled()) {
            return Optional.of(new Call(key, rule(RotationType.BOOLEAN, 0, Set.of(), empty), false, null, empty));
        }
        List<Strategy> ss = f.strategies();
        if (ss.isEmpty()) {
            return Optional.of(new Call(key, rule(RotationType.BOOLEAN, 0, Set.of(), empty), true, null, empty));
        }
        if (ss.stream().anyMatch(s -> !s.segments().isEmpty())) {
            return Optional.empty();
        }
        Strategy s = ss.get(0);
        if (ss.size() == 1 && s.constraints().isEmpty()) {
            switch (s.name()) {
                case "default":
                    return Optional.of(
                            new Call(key, rule(RotationType.BOOLEAN, 0, Set.of(), empty), true, null, empty));
                case "userWithId": {
                    Set<Integer> ids = new TreeSet<>();
                    for (String id : s.parameters().getOrDefault("userIds", "").split(",")) {
                        Integer n = integer(id.trim());
                        if (n == null) {
                            return Optional.empty();
                        }
                        ids.add(n);
                    }
                    Integer uid = integer(ctx.userId());
                    if (ctx.userId() != null && uid == null) {
                        return Optional.empty();
                    }
                    return Optional.of(new Call(key, rule(RotationType.USER_LIST, 0, ids, empty), true, uid, empty));
                }
                case "flexibleRollout":
                case "gradualRolloutUserId":
                case "gradualRolloutSessionId": {
                    String pct = s.parameters().get(s.name().equals("flexibleRollout") ? "rollout" : "percentage");
                    Integer p = integer(pct);
                    if (p == null
                            || !key.equals(f.name())
                            || !s.parameters().getOrDefault("groupId", f.name()).equals(f.name())) {
                        return Optional.empty();
                    }
                    String stickiness = switch (s.name()) {
                        case "gradualRolloutUserId" -> "userId";
                        case "gradualRolloutSessionId" -> "sessionId";
                        default -> s.parameters().getOrDefault("stickiness", "default");
                    };
                    String user = ctx.userId();
                    String session = ctx.sessionId();
                    String id;
                    switch (stickiness) {
                        case "default" -> id = user != null ? user : session;
                        case "userId" -> {
                            if (user == null && session != null) {
                                return Optional.empty();
                            }
                            id = user;
                        }
                        case "sessionId" -> {
                            if (user != null) {
                                return Optional.empty();
                            }
                            id = session;
                        }
                        default -> {
                            return Optional.empty();
                        }
                    }
                    if (id == null && stickiness.equals("default")) {
                        return Optional.empty(); // Unleash picks a random id
                    }
                    ObjectNode c = JSON.createObjectNode();
                    Integer uid = integer(id);
                    if (id != null && uid == null) {
                        c.put("sessionId", id); // Rotation hashes a session id as it is
                    }
                    return Optional.of(new Call(key, rule(RotationType.PERCENTAGE, p, Set.of(), empty), true, uid, c));
                }
                default:
                    return Optional.empty();
            }
        }
        ArrayNode any = JSON.createArrayNode();
        ObjectNode c = JSON.createObjectNode();
        for (Strategy st : ss) {
            if (!st.name().equals("default")) {
                return Optional.empty();
            }
            ArrayNode all = JSON.createArrayNode();
            for (Constraint k : st.constraints()) {
                if (k.contextName().contains(".")
                        || k.caseInsensitive()
                        || k.contextName().isEmpty()) {
                    return Optional.empty();
                }
                ObjectNode leaf = JSON.createObjectNode();
                switch (k.operator()) {
                    case "IN", "NOT_IN" -> {
                        leaf.put("attribute", k.contextName());
                        leaf.put("operator", k.operator().toLowerCase());
                        ArrayNode values = leaf.putArray("values");
                        k.values().forEach(values::add);
                    }
                    case "STR_CONTAINS" -> {
                        ArrayNode options = leaf.putArray("any");
                        for (String v : k.values()) {
                            options.addObject()
                                    .put("attribute", k.contextName())
                                    .put("operator", "contains")
                                    .put("value", v);
                        }
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
                all.add(k.inverted() ? JSON.createObjectNode().set("not", leaf) : leaf);
                String value = ctx.field(k.contextName());
                if (value != null) {
                    c.put(k.contextName(), value);
                }
            }
            if (all.isEmpty()) {
                // No constraint: on. A missing attribute's eq is false, so its negation is true.
                all.add(JSON.createObjectNode()
                        .set(
                                "not",
                                JSON.createObjectNode()
                                        .put("attribute", "atelier-never-set")
                                        .put("operator", "eq")
                                        .put("value", 1)));
            }
            any.add(JSON.createObjectNode().set("all", all));
        }
        ObjectNode condition = JSON.createObjectNode();
        condition.set("any", any);
        return Optional.of(new Call(key, rule(RotationType.CONDITION, 0, Set.of(), condition), true, null, c));
    }

    private static RotationRule rule(RotationType type, int pct, Set<Integer> users, JsonNode conditions) {
        return new RotationRule(type, pct, Set.copyOf(users), conditions);
    }

    private static @Nullable Integer integer(@Nullable String s) {
        if (s == null) {
            return null;
        }
        try {
            return Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean evaluateInJava(Call c) {
        Feature f = new Feature(c.key(), c.enabled(), List.of(), List.of(), List.of(), false, c.rule());
        Snapshot s = new Snapshot(Map.of(c.key(), f), Map.of());
        FlagContext ctx = FlagContext.of(c.context())
                .withUserId(c.userId() == null ? null : c.userId().toString());
        return FlagEngine.isEnabled(s, c.key(), ctx);
    }

    /** Stores each distinct flag once, then evaluates every call in one query. */
    static List<Boolean> evaluateInSql(List<Call> calls) throws SQLException {
        if (calls.isEmpty()) {
            return List.of();
        }
        Map<String, Call> flags = new LinkedHashMap<>();
        for (Call c : calls) {
            Call before = flags.putIfAbsent(c.key(), c);
            assertThat(before == null || (before.rule().equals(c.rule()) && before.enabled() == c.enabled()))
                    .as("one definition per key: " + c.key())
                    .isTrue();
        }
        try (Connection owner = RotationSql.owner()) {
            try (PreparedStatement upsert = owner.prepareStatement("insert into rotation.feature_flags (key, name,"
                    + " flag_type, is_enabled, rollout_percentage, target_users, conditions, track_evaluations)"
                    + " values (?, ?, ?::rotation.feature_flag_type, ?, ?, ?::integer[], ?::jsonb, false)"
                    + " on conflict (key) do update set flag_type = excluded.flag_type, is_enabled = excluded.is_enabled,"
                    + " rollout_percentage = excluded.rollout_percentage, target_users = excluded.target_users,"
                    + " conditions = excluded.conditions, track_evaluations = false")) {
                for (Call c : flags.values()) {
                    upsert.setString(1, c.key());
                    upsert.setString(2, c.key());
                    upsert.setString(3, c.rule().type().name().toLowerCase());
                    upsert.setBoolean(4, c.enabled());
                    upsert.setInt(5, c.rule().rolloutPercentage());
                    upsert.setArray(
                            6,
                            owner.createArrayOf(
                                    "integer", c.rule().targetUsers().toArray()));
                    upsert.setString(7, c.rule().conditions().toString());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            ArrayNode batch = JSON.createArrayNode();
            for (int i = 0; i < calls.size(); i++) {
                ObjectNode row =
                        batch.addObject().put("i", i).put("k", calls.get(i).key());
                if (calls.get(i).userId() != null) {
                    row.put("u", calls.get(i).userId());
                }
                row.set("c", calls.get(i).context());
            }
            List<Boolean> out = new ArrayList<>();
            try (PreparedStatement q = owner.prepareStatement("select rotation.evaluate_feature_flag(t.k, t.u, t.c)"
                    + " from jsonb_to_recordset(?::jsonb) as t(i integer, k text, u integer, c jsonb) order by t.i")) {
                q.setString(1, batch.toString());
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getBoolean(1));
                    }
                }
            }
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Random flags and contexts
    // ------------------------------------------------------------------------------------------

    private static final String[] ATTRIBUTES = {"country", "plan", "version", "tags", "app.version", "beta", "score"};
    private static final String[] WORDS = {"NL", "DE", "pro", "free", "a", "b", "ä", "😀", "3", "", "x.y"};

    @Test
    void tenThousandRandomContextsAgree() throws SQLException {
        Random r = new Random(20261127L);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Call> templates = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            String key = "agree-" + run + "-" + i + (i % 5 == 0 ? "-ü".replace("ü", "u") : "");
            RotationType type = RotationType.values()[i % 4];
            boolean enabled = r.nextInt(8) != 0;
            RotationRule rule = switch (type) {
                case BOOLEAN -> rule(type, 0, Set.of(), JSON.createObjectNode());
                case PERCENTAGE ->
                    rule(
                            type,
                            List.of(0, 1, 50, 99, 100).get(r.nextInt(5)) == 50
                                    ? r.nextInt(101)
                                    : List.of(0, 1, 37, 99, 100).get(r.nextInt(5)),
                            Set.of(),
                            JSON.createObjectNode());
                case USER_LIST -> {
                    Set<Integer> users = new TreeSet<>();
                    for (int u = r.nextInt(20); u > 0; u--) {
                        users.add(1 + r.nextInt(60));
                    }
                    yield rule(type, 0, users, JSON.createObjectNode());
                }
                case CONDITION -> rule(type, 0, Set.of(), condition(r, 0));
            };
            templates.add(new Call(key, rule, enabled, null, JSON.createObjectNode()));
        }
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            Call t = templates.get(r.nextInt(templates.size()));
            calls.add(
                    new Call(t.key(), t.rule(), t.enabled(), r.nextInt(3) == 0 ? null : 1 + r.nextInt(60), context(r)));
        }
        long started = System.nanoTime();
        List<Boolean> sql = evaluateInSql(calls);
        long sqlMillis = (System.nanoTime() - started) / 1_000_000;
        int on = 0;
        Map<RotationType, Integer> byType = new HashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            boolean java = evaluateInJava(calls.get(i));
            assertThat(sql.get(i))
                    .as(
                            "call %d: %s user %s context %s",
                            i,
                            calls.get(i).rule(),
                            calls.get(i).userId(),
                            calls.get(i).context())
                    .isEqualTo(java);
            on += java ? 1 : 0;
            byType.merge(calls.get(i).rule().type(), 1, Integer::sum);
        }
        System.out.printf(
                "SQL/Java agreement: 10000 random contexts over %d flags (%s), %d on, SQL batch %d ms%n",
                templates.size(), byType, on, sqlMillis);
        assertThat(on).isBetween(1000, 9000); // both outcomes are exercised
    }

    @Test
    void percentageBucketsAreEqualBitForBit() throws SQLException {
        Random r = new Random(7);
        ArrayNode batch = JSON.createArrayNode();
        List<Integer> java = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            String group = randomText(r, 1 + r.nextInt(30));
            String id = r.nextBoolean() ? Integer.toString(r.nextInt(1_000_000)) : randomText(r, r.nextInt(40));
            batch.addObject().put("i", i).put("g", group).put("s", id);
            java.add(FlagHash.bucket(group, id));
        }
        try (Connection owner = RotationSql.owner();
                PreparedStatement q = owner.prepareStatement("select rotation.feature_flag_bucket(t.g, t.s)"
                        + " from jsonb_to_recordset(?::jsonb) as t(i integer, g text, s text) order by t.i")) {
            q.setString(1, batch.toString());
            List<Integer> sql = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    sql.add(rs.getInt(1));
                }
            }
            assertThat(sql).isEqualTo(java);
        }
    }

    private static String randomText(Random r, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = r.nextInt(10);
            if (kind < 6) {
                b.append((char) ('a' + r.nextInt(26)));
            } else if (kind < 8) {
                b.append((char) (0xA0 + r.nextInt(0x700)));
            } else if (kind < 9) {
                b.appendCodePoint(0x1F300 + r.nextInt(0x200));
            } else {
                b.append(":.-_ 0".charAt(r.nextInt(6)));
            }
        }
        return b.toString();
    }

    private static JsonNode value(Random r) {
        return switch (r.nextInt(5)) {
            case 0, 1 -> JSON.getNodeFactory().textNode(WORDS[r.nextInt(WORDS.length)]);
            case 2 -> JSON.getNodeFactory().numberNode(r.nextInt(5));
            case 3 -> JSON.getNodeFactory().numberNode(r.nextInt(5) + 0.5);
            default -> JSON.getNodeFactory().booleanNode(r.nextBoolean());
        };
    }

    private static ObjectNode condition(Random r, int depth) {
        ObjectNode c = JSON.createObjectNode();
        int kind = depth > 3 ? 3 : r.nextInt(6);
        switch (kind) {
            case 0, 1 -> {
                ArrayNode items = c.putArray(kind == 0 ? "all" : "any");
                for (int i = r.nextInt(4); i > 0; i--) {
                    items.add(condition(r, depth + 1));
                }
            }
            case 2 -> c.set("not", condition(r, depth + 1));
            default -> {
                c.put("attribute", ATTRIBUTES[r.nextInt(ATTRIBUTES.length)]);
                String op = List.of("eq", "neq", "in", "not_in", "gt", "lt", "contains", "bogus")
                        .get(r.nextInt(8));
                c.put("operator", op);
                if (op.endsWith("in")) {
                    ArrayNode values = c.putArray("values");
                    for (int i = r.nextInt(4); i > 0; i--) {
                        values.add(value(r));
                    }
                } else if (r.nextInt(10) != 0) {
                    c.set("value", value(r));
                }
            }
        }
        return c;
    }

    private static ObjectNode context(Random r) {
        ObjectNode c = JSON.createObjectNode();
        if (r.nextBoolean()) {
            c.put(r.nextBoolean() ? "sessionId" : "session_id", randomText(r, 1 + r.nextInt(20)));
        }
        for (String a : ATTRIBUTES) {
            if (r.nextInt(3) == 0) {
                continue;
            }
            if (a.equals("app.version")) {
                c.putObject("app").set("version", value(r));
            } else if (a.equals("tags")) {
                ArrayNode tags = c.putArray("tags");
                for (int i = r.nextInt(4); i > 0; i--) {
                    tags.add(value(r));
                }
            } else {
                c.set(a, r.nextInt(10) == 0 ? JSON.nullNode() : value(r));
            }
        }
        return c;
    }
}
