package dev.atelier.apps.rotation;

import static dev.atelier.apps.rotation.RotationSql.asUser;
import static dev.atelier.apps.rotation.RotationSql.newUser;
import static dev.atelier.apps.rotation.RotationSql.newUserWithRole;
import static dev.atelier.apps.rotation.RotationSql.ownerExec;
import static dev.atelier.apps.rotation.RotationSql.ownerQuery;
import static dev.atelier.apps.rotation.RotationSql.ownerRows;
import static dev.atelier.apps.rotation.RotationSql.rowsAs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.atelier.apps.rotation.RotationSql.AppUser;
import dev.atelier.testing.ReferenceData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.codec.digest.MurmurHash3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Feature flags as seeds/rotation.md describes them: rotation.murmur3_32 against every published
 * and generated MurmurHash3 x86_32 vector, Unleash-compatible percentage buckets, the four flag
 * types of evaluate_feature_flag, the condition format, evaluation records, and
 * log_feature_flag_change's history.
 */
class RotationFeatureFlagsTest {

    /** Read lazily, so a missing ../shared fails each test with directions instead of breaking class loading. */
    private static Path vectors() {
        return ReferenceData.path("murmur3", "vectors.json");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    // ------------------------------------------------------------------------------------------
    // murmur3_32 (PL/pgSQL) against the reference vectors.
    // ------------------------------------------------------------------------------------------

    @Test
    void murmur3MatchesEveryVectorOfTheReferenceFile() throws IOException, SQLException {
        JsonNode vectors = JSON.readTree(vectors().toFile());
        int checked = 0;
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps = owner.prepareStatement("select rotation.murmur3_32_bytes(?, ?)")) {
            for (String group : List.of("published", "generated_commons_codec_1_22_1")) {
                assertThat(vectors.path(group).size()).as(group).isPositive();
                for (JsonNode vector : vectors.path(group)) {
                    byte[] input =
                            HexFormat.of().parseHex(vector.path("input_hex").asText());
                    long seed = vector.path("seed").asLong();
                    ps.setBytes(1, input);
                    ps.setInt(2, (int) seed); // the seed's 32-bit pattern: 4294967295 is -1
                    assertThat(single(ps))
                            .as("%s %s seed %d", group, vector.path("input_hex").asText(), seed)
                            .isEqualTo(vector.path("expected").asLong());
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(527);
    }

    @Test
    void murmur3ReproducesSmhashersVerificationValue() throws SQLException {
        // SMHasher: hash keys {}, {0}, {0,1}, ... {0..254} with seed 256 - length, concatenate the
        // 256 hashes little-endian, hash that with seed 0.
        ByteBuffer hashes = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps = owner.prepareStatement("select rotation.murmur3_32_bytes(?, ?)")) {
            for (int i = 0; i < 256; i++) {
                byte[] key = new byte[i];
                for (int j = 0; j < i; j++) {
                    key[j] = (byte) j;
                }
                ps.setBytes(1, key);
                ps.setInt(2, 256 - i);
                hashes.putInt((int) single(ps));
            }
            ps.setBytes(1, hashes.array());
            ps.setInt(2, 0);
            assertThat(single(ps)).isEqualTo(0xB0F57EE3L);
        }
    }

    @Test
    void murmur3OfTextHashesItsUtf8BytesLikeCommonsCodec() throws SQLException {
        Random random = new Random(20200806);
        List<String> inputs =
                new ArrayList<>(List.of("", "a", "ab", "abc", "abcd", "Ünïcødé ♫", "日本語のテキスト", "flag:42"));
        for (int i = 0; i < 100; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                s.appendCodePoint(
                        random.nextInt(4) == 0 ? 0x00C0 + random.nextInt(0x2000) : 0x20 + random.nextInt(0x5F));
            }
            inputs.add(s.toString());
        }
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps = owner.prepareStatement("select rotation.murmur3_32(?, ?)")) {
            for (String input : inputs) {
                int seed = random.nextInt();
                byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
                ps.setString(1, input);
                ps.setInt(2, seed);
                assertThat(single(ps))
                        .as(input)
                        .isEqualTo(Integer.toUnsignedLong(MurmurHash3.hash32x86(bytes, 0, bytes.length, seed)));
            }
        }
    }

    @Test
    void bucketsFollowUnleashsNormalisation() throws IOException, SQLException {
        JsonNode vectors = JSON.readTree(vectors().toFile()).path("unleash_normalized");
        assertThat(vectors.size()).isEqualTo(4);
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps = owner.prepareStatement("select rotation.murmur3_32(? || ':' || ?, ?) % ? + 1")) {
            for (JsonNode vector : vectors) {
                ps.setString(1, vector.path("groupId").asText());
                ps.setString(2, vector.path("id").asText());
                ps.setInt(3, (int) vector.path("seed").asLong());
                ps.setInt(4, vector.path("modulus").asInt());
                assertThat(single(ps))
                        .as(vector.toString())
                        .isEqualTo(vector.path("expected").asLong());
            }
        }
        assertThat(ownerQuery("select rotation.feature_flag_bucket('gr1', '123')"))
                .isEqualTo("73");
        assertThat(ownerQuery("select rotation.feature_flag_bucket('groupX', '999')"))
                .isEqualTo("25");
    }

    @Test
    void bucketsOfKnownUsersAreStable() throws SQLException {
        // murmur3("new_feed:<id>", 0) % 100 + 1, computed independently (commons-codec, and by hand).
        assertThat(ownerQuery("select rotation.murmur3_32('new_feed:1', 0)")).isEqualTo("4241223045");
        assertThat(ownerQuery(
                        "select string_agg(rotation.feature_flag_bucket('new_feed', i::text)::text, ',' order by i) "
                                + "from generate_series(1, 10) i"))
                .isEqualTo("46,71,35,76,57,22,22,27,30,42");
        for (int id = 1; id <= 10; id++) {
            assertThat(Integer.parseInt(ownerQuery("select rotation.feature_flag_bucket('new_feed', '" + id + "')")))
                    .isEqualTo(javaBucket("new_feed", String.valueOf(id)));
        }
    }

    // ------------------------------------------------------------------------------------------
    // evaluate_feature_flag: the four types.
    // ------------------------------------------------------------------------------------------

    @Test
    void percentageFlagsEnableExactlyTheUsersWhoseBucketIsWithinTheRollout() throws SQLException {
        String key = flag("percentage", true, "rollout_percentage", "30");
        int enabled = 0;
        for (int userId = 1; userId <= 300; userId++) {
            boolean expected = javaBucket(key, String.valueOf(userId)) <= 30;
            assertThat(evaluate(key, userId, "{}")).as("user %d", userId).isEqualTo(expected);
            enabled += expected ? 1 : 0;
        }
        assertThat(enabled).isBetween(60, 120); // about 30% of 300
        // Stable: asking again gives the same answers.
        for (int userId = 1; userId <= 20; userId++) {
            assertThat(evaluate(key, userId, "{}")).isEqualTo(javaBucket(key, String.valueOf(userId)) <= 30);
        }
        ownerExec("update rotation.feature_flags set rollout_percentage = 0 where key = '" + key + "'");
        for (int userId = 1; userId <= 100; userId++) {
            assertThat(evaluate(key, userId, "{}")).isFalse();
        }
        ownerExec("update rotation.feature_flags set rollout_percentage = 100 where key = '" + key + "'");
        for (int userId = 1; userId <= 100; userId++) {
            assertThat(evaluate(key, userId, "{}")).isTrue();
        }
    }

    @Test
    void percentageFlagsFallBackToTheSessionAndAreOffWithoutAnyStickiness() throws SQLException {
        String key = flag("percentage", true, "rollout_percentage", "50");
        for (int i = 0; i < 20; i++) {
            String session = "session-" + i;
            assertThat(evaluate(key, null, "{\"sessionId\":\"" + session + "\"}"))
                    .isEqualTo(javaBucket(key, session) <= 50);
        }
        assertThat(evaluate(key, null, "{}")).isFalse();
        // The caller's own app user id is the default stickiness.
        AppUser user = newUser();
        assertThat(rowsAs(user, "select rotation.evaluate_feature_flag('" + key + "')::text"))
                .containsExactly(String.valueOf(javaBucket(key, String.valueOf(user.id())) <= 50));
    }

    @Test
    void booleanFlagsFollowIsEnabledAndMissingFlagsAreOff() throws SQLException {
        String on = flag("boolean", true);
        String off = flag("boolean", false);
        assertThat(evaluate(on, null, "{}")).isTrue();
        assertThat(evaluate(on, 7, "{\"country\":\"NL\"}")).isTrue();
        assertThat(evaluate(off, 7, "{}")).isFalse();
        assertThat(evaluate("no-such-flag-" + UUID.randomUUID(), 7, "{}")).isFalse();
    }

    @Test
    void userListFlagsEnableTheListedUsersOnly() throws SQLException {
        AppUser listed = newUser();
        AppUser unlisted = newUser();
        String key = flag("user_list", true, "target_users", "{" + listed.id() + ",424242}");
        assertThat(evaluate(key, listed.id(), "{}")).isTrue();
        assertThat(evaluate(key, 424242, "{}")).isTrue();
        assertThat(evaluate(key, unlisted.id(), "{}")).isFalse();
        assertThat(evaluate(key, null, "{}")).isFalse();
        assertThat(rowsAs(listed, "select rotation.evaluate_feature_flag('" + key + "')::text"))
                .containsExactly("true");
        assertThat(rowsAs(unlisted, "select rotation.evaluate_feature_flag('" + key + "')::text"))
                .containsExactly("false");
        ownerExec("update rotation.feature_flags set is_enabled = false where key = '" + key + "'");
        assertThat(evaluate(key, listed.id(), "{}")).isFalse();
    }

    @Test
    void conditionFlagsEvaluateTheirConditionAgainstTheContext() throws SQLException {
        String key = flag(
                "condition",
                true,
                "conditions",
                "{\"all\": [{\"attribute\": \"country\", \"operator\": \"in\", \"values\": [\"NL\", \"DE\"]},"
                        + " {\"attribute\": \"app.version\", \"operator\": \"gt\", \"value\": 3}]}");
        assertThat(evaluate(key, null, "{\"country\": \"NL\", \"app\": {\"version\": 4}}"))
                .isTrue();
        assertThat(evaluate(key, null, "{\"country\": \"FR\", \"app\": {\"version\": 4}}"))
                .isFalse();
        assertThat(evaluate(key, null, "{\"country\": \"DE\", \"app\": {\"version\": 3}}"))
                .isFalse();
        assertThat(evaluate(key, null, "{\"country\": \"DE\"}")).isFalse();
        assertThat(evaluate(key, null, null)).isFalse();
    }

    static Stream<Arguments> conditions() {
        String ctx = "{\"country\": \"NL\", \"plan\": \"pro\", \"age\": 34, \"tags\": [\"dj\", \"collector\"], "
                + "\"device\": {\"os\": \"android\"}, \"since\": \"2024-05-01\", \"nothing\": null}";
        return Stream.of(
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"eq\", \"value\": \"NL\"}", ctx, true),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"eq\", \"value\": \"nl\"}", ctx, false),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"neq\", \"value\": \"DE\"}", ctx, true),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"neq\", \"value\": \"NL\"}", ctx, false),
                Arguments.of(
                        "{\"attribute\": \"country\", \"operator\": \"in\", \"values\": [\"NL\", \"DE\"]}", ctx, true),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"in\", \"values\": [\"BE\"]}", ctx, false),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"not_in\", \"values\": [\"BE\"]}", ctx, true),
                Arguments.of(
                        "{\"attribute\": \"country\", \"operator\": \"not_in\", \"values\": [\"NL\"]}", ctx, false),
                Arguments.of("{\"attribute\": \"age\", \"operator\": \"gt\", \"value\": 18}", ctx, true),
                Arguments.of("{\"attribute\": \"age\", \"operator\": \"gt\", \"value\": 34}", ctx, false),
                Arguments.of("{\"attribute\": \"age\", \"operator\": \"lt\", \"value\": 34.5}", ctx, true),
                Arguments.of("{\"attribute\": \"age\", \"operator\": \"lt\", \"value\": \"40\"}", ctx, false),
                Arguments.of("{\"attribute\": \"since\", \"operator\": \"lt\", \"value\": \"2025-01-01\"}", ctx, true),
                Arguments.of("{\"attribute\": \"since\", \"operator\": \"gt\", \"value\": \"2025-01-01\"}", ctx, false),
                Arguments.of("{\"attribute\": \"plan\", \"operator\": \"contains\", \"value\": \"ro\"}", ctx, true),
                Arguments.of("{\"attribute\": \"plan\", \"operator\": \"contains\", \"value\": \"free\"}", ctx, false),
                Arguments.of("{\"attribute\": \"tags\", \"operator\": \"contains\", \"value\": \"dj\"}", ctx, true),
                Arguments.of("{\"attribute\": \"tags\", \"operator\": \"contains\", \"value\": \"d\"}", ctx, false),
                Arguments.of("{\"attribute\": \"device.os\", \"operator\": \"eq\", \"value\": \"android\"}", ctx, true),
                // A missing (or null) attribute: only the negative operators hold.
                Arguments.of("{\"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"Utrecht\"}", ctx, false),
                Arguments.of("{\"attribute\": \"city\", \"operator\": \"neq\", \"value\": \"Utrecht\"}", ctx, true),
                Arguments.of(
                        "{\"attribute\": \"city\", \"operator\": \"not_in\", \"values\": [\"Utrecht\"]}", ctx, true),
                Arguments.of("{\"attribute\": \"nothing\", \"operator\": \"in\", \"values\": [null]}", ctx, false),
                Arguments.of("{\"attribute\": \"city\", \"operator\": \"gt\", \"value\": 1}", ctx, false),
                // Combinations.
                Arguments.of(
                        "{\"any\": [{\"attribute\": \"country\", \"operator\": \"eq\", \"value\": \"BE\"}, "
                                + "{\"attribute\": \"plan\", \"operator\": \"eq\", \"value\": \"pro\"}]}",
                        ctx,
                        true),
                Arguments.of(
                        "{\"any\": [{\"attribute\": \"country\", \"operator\": \"eq\", \"value\": \"BE\"}]}",
                        ctx,
                        false),
                Arguments.of(
                        "{\"not\": {\"attribute\": \"plan\", \"operator\": \"eq\", \"value\": \"free\"}}", ctx, true),
                Arguments.of(
                        "{\"all\": [{\"attribute\": \"country\", \"operator\": \"eq\", \"value\": \"NL\"}, "
                                + "{\"not\": {\"attribute\": \"tags\", \"operator\": \"contains\", \"value\": \"dj\"}}]}",
                        ctx,
                        false),
                // Malformed conditions are off, never on for everyone.
                Arguments.of("{}", ctx, false),
                Arguments.of("{\"all\": []}", ctx, false),
                Arguments.of("{\"any\": []}", ctx, false),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"like\", \"value\": \"N%\"}", ctx, false),
                Arguments.of("{\"attribute\": \"country\", \"operator\": \"in\", \"values\": \"NL\"}", ctx, false),
                Arguments.of("{\"operator\": \"eq\", \"value\": \"NL\"}", ctx, false),
                Arguments.of("[]", ctx, false));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("conditions")
    void conditionOperatorsBehaveAsDocumented(String condition, String context, boolean expected) throws SQLException {
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps =
                        owner.prepareStatement("select rotation.evaluate_flag_condition(?::jsonb, ?::jsonb)")) {
            ps.setString(1, condition);
            ps.setString(2, context);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1)).isEqualTo(expected);
            }
        }
    }

    @Test
    void evaluationsAreRecordedWithTheirBucketUnlessTheFlagOptsOut() throws SQLException {
        AppUser user = newUser();
        String tracked = flag("percentage", true, "rollout_percentage", "100");
        String untracked = flag("boolean", true, "track_evaluations", "false");
        evaluate(tracked, user.id(), "{\"sessionId\": \"s-1\", \"page\": \"feed\"}");
        evaluate(tracked, 999_999_999, "{}"); // no such app user: recorded without one
        evaluate(untracked, user.id(), "{}");
        assertThat(ownerRows(
                        "select concat_ws('|', coalesce(e.user_id::text, 'none'), e.session_id, e.evaluation_result, e.bucket, "
                                + "e.evaluation_context->>'page') from rotation.feature_flag_evaluations e join rotation.feature_flags f "
                                + "on f.id = e.feature_flag_id where f.key = '" + tracked + "' order by e.id"))
                .containsExactly(
                        user.id() + "|s-1|t|" + javaBucket(tracked, String.valueOf(user.id())) + "|feed",
                        "none|t|" + javaBucket(tracked, "999999999"));
        assertThat(ownerQuery("select count(*) from rotation.feature_flag_evaluations e join rotation.feature_flags f "
                        + "on f.id = e.feature_flag_id where f.key = '" + untracked + "'"))
                .isEqualTo("0");
    }

    @Test
    void anyoneMayEvaluateFlagsWithoutReadingThem() throws SQLException {
        String key = flag("boolean", true);
        assertThat(rowsAs("anon", null, "select rotation.evaluate_feature_flag('" + key + "', null, '{}')::text"))
                .containsExactly("true");
        assertThatThrownBy(() -> rowsAs("anon", null, "select count(*) from rotation.feature_flags"))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        AppUser user = newUser();
        assertThat(rowsAs(user, "select count(*) from rotation.feature_flags where key = '" + key + "'"))
                .containsExactly("0");
    }

    // ------------------------------------------------------------------------------------------
    // log_feature_flag_change.
    // ------------------------------------------------------------------------------------------

    @Test
    void everyChangeOfAFlagIsInItsHistoryAndTheHistoryOutlivesTheFlag() throws SQLException {
        AppUser admin = newUserWithRole("admin");
        String key = "history-" + UUID.randomUUID().toString().substring(0, 8);
        asUser(
                admin,
                "insert into rotation.feature_flags (key, name, flag_type, rollout_percentage) values ('" + key
                        + "', 'History', 'percentage', 10)");
        asUser(
                admin,
                "select set_config('rotation.change_reason', 'ramp up', true)",
                "update rotation.feature_flags set is_enabled = true, rollout_percentage = 25 where key = '" + key
                        + "'");
        asUser(admin, "update rotation.feature_flags set rollout_percentage = 50 where key = '" + key + "'");
        asUser(
                admin,
                "update rotation.feature_flags set rollout_percentage = 50 where key = '" + key + "'"); // no change
        asUser(admin, "update rotation.feature_flags set is_enabled = false where key = '" + key + "'");
        String id = ownerQuery("select id from rotation.feature_flags where key = '" + key + "'");
        asUser(admin, "delete from rotation.feature_flags where key = '" + key + "'");

        assertThat(ownerRows(
                        "select concat_ws('|', action, coalesce(feature_flag_id::text, 'gone'), rollout_percentage_old, "
                                + "rollout_percentage_new, changed_by, change_reason, old_value->>'is_enabled', new_value->>'is_enabled') "
                                + "from rotation.feature_flag_history where flag_key = '" + key + "' order by id"))
                .containsExactly(
                        "created|gone|10|" + admin.id() + "|false",
                        "enabled|gone|10|25|" + admin.id() + "|ramp up|false|true",
                        "updated|gone|25|50|" + admin.id() + "|true|true",
                        "disabled|gone|50|50|" + admin.id() + "|true|false",
                        "deleted|gone|50|" + admin.id() + "|false");
        assertThat(id).isNotNull();
        // Nobody rewrites it, not even the admin who made it.
        assertThatThrownBy(
                        () -> asUser(admin, "delete from rotation.feature_flag_history where flag_key = '" + key + "'"))
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        assertThat(rowsAs(admin, "select count(*) from rotation.feature_flag_history where flag_key = '" + key + "'"))
                .containsExactly("5");
    }

    @Test
    void historyRowsPointAtTheFlagWhileItExists() throws SQLException {
        String key = flag("boolean", false);
        ownerExec("update rotation.feature_flags set is_enabled = true where key = '" + key + "'");
        assertThat(ownerRows("select h.action from rotation.feature_flag_history h join rotation.feature_flags f "
                        + "on f.id = h.feature_flag_id where f.key = '" + key + "' order by h.id"))
                .containsExactly("created", "enabled");
    }

    // ------------------------------------------------------------------------------------------

    /** Creates a flag with a unique key; extra column/value pairs are literals. Returns the key. */
    private static String flag(String type, boolean enabled, String... columnValues) throws SQLException {
        String key = type + "-" + UUID.randomUUID().toString().substring(0, 13);
        StringBuilder columns = new StringBuilder("key, name, flag_type, is_enabled");
        StringBuilder values = new StringBuilder("'" + key + "', 'Test', '" + type + "', " + enabled);
        for (int i = 0; i < columnValues.length; i += 2) {
            columns.append(", ").append(columnValues[i]);
            values.append(", '").append(columnValues[i + 1].replace("'", "''")).append("'");
        }
        ownerExec("insert into rotation.feature_flags (" + columns + ") values (" + values + ")");
        return key;
    }

    private static boolean evaluate(String key, Integer userId, String context) throws SQLException {
        try (Connection owner = RotationSql.owner();
                PreparedStatement ps =
                        owner.prepareStatement("select rotation.evaluate_feature_flag(?, ?, ?::jsonb)")) {
            ps.setString(1, key);
            ps.setObject(2, userId, java.sql.Types.INTEGER);
            ps.setString(3, context);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Unleash's normalisation computed in Java with commons-codec: an implementation independent of the SQL one. */
    private static int javaBucket(String flagKey, String stickiness) {
        byte[] bytes = (flagKey + ":" + stickiness).getBytes(StandardCharsets.UTF_8);
        return (int) (Integer.toUnsignedLong(MurmurHash3.hash32x86(bytes, 0, bytes.length, 0)) % 100) + 1;
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
