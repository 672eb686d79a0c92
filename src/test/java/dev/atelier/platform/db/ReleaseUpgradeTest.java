package dev.atelier.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database made by the last release and migrated with today's files has exactly the schema of a
 * fresh one (docs/adr/0007-migrations.md, "Folding"): {@link LastRelease}'s files up to a stop,
 * then today's. The stops lie between a rewritten file and the later one that took its function
 * over, so each fold is crossed by a database that applied the released text of the earlier file
 * but not yet the later one.
 */
class ReleaseUpgradeTest {

    private static TreeSet<String> fresh = new TreeSet<>();
    private static List<String> freshHistory = List.of();

    @BeforeAll
    static void migrateAFreshDatabase() throws SQLException {
        DatabaseTarget target = TestServer.get().scratchDatabase("fresh");
        Migrations.migrate(target, null);
        try (Connection owner = connect(target)) {
            fresh = CatalogSnapshot.of(owner);
            freshHistory = history(owner);
        }
        assertThat(fresh)
                .hasSizeGreaterThan(2000)
                .anyMatch(line -> line.startsWith("function rotation.evaluate_feature_flag(text,integer,jsonb)"))
                .anyMatch(line -> line.startsWith("trigger CREATE TRIGGER feature_flags_notify"));
    }

    @ParameterizedTest(name = "made by the release at V{0}")
    @ValueSource(strings = {"10", "42", "50", "60", "100", "127"})
    void aDatabaseMadeByTheReleaseUpgradesToTheSchemaOfAFreshOne(String stop) throws SQLException {
        DatabaseTarget target = TestServer.get().scratchDatabase("release");
        LastRelease.migrate(target, stop);

        Migrations.migrate(target, null);

        try (Connection owner = connect(target)) {
            TreeSet<String> upgraded = CatalogSnapshot.of(owner);
            assertThat(difference(upgraded, fresh))
                    .as("only in the upgraded database")
                    .isEmpty();
            assertThat(difference(fresh, upgraded))
                    .as("only in the fresh database")
                    .isEmpty();
            assertThat(withReleasedChecksums(history(owner))).isEqualTo(withReleasedChecksums(freshHistory));
        }
    }

    @Test
    void theReleaseStillStartsOnADatabaseItMadeThatTodaysFilesUpgraded() {
        DatabaseTarget target = TestServer.get().scratchDatabase("rolling");
        LastRelease.migrate(target, null);
        Migrations.migrate(target, null);

        // The history keeps the released checksums: during a rolling upgrade, a server of the release
        // restarting on the database validates it as before (the newer migrations are "future").
        ValidateResult result = LastRelease.validate(target);
        assertThat(result.getAllErrorMessages()).isEmpty();
        assertThat(result.validationSuccessful).isTrue();
    }

    @Test
    void theListNamesExactlyTheFilesThatDifferFromTheRelease() throws SQLException {
        DatabaseTarget target = TestServer.get().scratchDatabase("released");
        LastRelease.migrate(target, null);
        Map<String, String> current = new HashMap<>();
        for (String row : freshHistory) {
            String[] fields = row.split(" ");
            current.put(fields[0], fields[2]);
        }
        List<String> expected = new ArrayList<>();
        List<String> lines = new ArrayList<>(); // as the file writes them, with the file's name
        try (Connection owner = connect(target)) {
            for (String row : history(owner)) {
                String[] fields = row.split(" ");
                if (!fields[2].equals(current.get(fields[0]))) {
                    expected.add(fields[0] + " " + fields[2] + " " + current.get(fields[0]));
                    lines.add(expected.get(expected.size() - 1) + "  # " + fields[1]);
                }
            }
        }
        List<String> listed = RewrittenMigrations.list().stream()
                .map(r -> r.version() + " " + r.releasedChecksum() + " " + r.currentChecksum())
                .toList();
        assertThat(listed)
                .as("db/rewritten-migrations.txt should list these lines:%n%s", String.join("\n", lines))
                .isEqualTo(expected);
    }

    @Test
    void aRewrittenFileAppliedFromAnyOtherTextIsStillRefused() throws SQLException {
        DatabaseTarget target = TestServer.get().scratchDatabase("edited");
        LastRelease.migrate(target, "60");
        try (Connection owner = connect(target);
                Statement st = owner.createStatement()) {
            st.execute("update platform.flyway_schema_history set checksum = checksum + 1 where version = '41'");
        }

        assertThatThrownBy(() -> Migrations.migrate(target, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Migration checksum mismatch for migration version 41");
    }

    /** The history with each rewritten file's checksum as the release recorded it. */
    private static List<String> withReleasedChecksums(List<String> history) {
        Map<String, String> released = new HashMap<>();
        for (RewrittenMigrations.Rewrite rewrite : RewrittenMigrations.list()) {
            released.put(rewrite.version(), Integer.toString(rewrite.releasedChecksum()));
        }
        return history.stream()
                .map(row -> row.split(" "))
                .map(f -> f[0] + " " + f[1] + " " + released.getOrDefault(f[0], f[2]) + " " + f[3])
                .toList();
    }

    private static List<String> difference(TreeSet<String> a, TreeSet<String> b) {
        return a.stream().filter(line -> !b.contains(line)).toList();
    }

    /** Version, script and checksum of each applied migration, in the order applied. */
    private static List<String> history(Connection owner) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement st = owner.createStatement();
                ResultSet rs = st.executeQuery("select version, script, checksum, success"
                        + " from platform.flyway_schema_history where version is not null order by installed_rank")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getBoolean(4));
            }
        }
        return rows;
    }

    private static Connection connect(DatabaseTarget target) throws SQLException {
        return DriverManager.getConnection(target.jdbcUrl(), target.ownerUser(), target.ownerPassword());
    }
}
