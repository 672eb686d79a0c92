package dev.atelier.platform.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dump of the test server's database: its manifest's figures are the tables' own, it leaves
 * out the installation's rows, and loading it into a database that has users is refused with
 * nothing changed. (The full export/import into PostgreSQL 15 is ExportImportIT.)
 */
class LogicalDumpTest {

    private final TestServer server = TestServer.get();

    @TempDir
    Path dir;

    @Test
    void aDumpCountsEveryTableAndIsNotLoadedOverUsers() throws Exception {
        server.newUser();
        Path file = dir.resolve("test.dump");
        try (Connection c = server.ownerDataSource().getConnection()) {
            LogicalDump.Manifest manifest = LogicalDump.export(c, file, line -> {});
            c.setAutoCommit(true);
            assertThat(Files.size(file)).isPositive();
            assertThat(LogicalDump.manifest(file).schemaVersion()).isEqualTo(manifest.schemaVersion());
            assertThat(manifest.figures()).doesNotContainKeys(TableFigures.INSTANCE_TABLES.toArray(String[]::new));
            long users = count(c, "auth.users");
            assertThat(users).isPositive();
            assertThat(manifest.figures().get("auth.users").rows()).isEqualTo(users);

            assertThatThrownBy(() -> LogicalDump.load(c, file, line -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already has " + users + " users");
            c.setAutoCommit(true);
            assertThat(count(c, "auth.users")).isEqualTo(users);
        }
    }

    @Test
    void aFileThatIsNotADumpIsNamedSo() throws Exception {
        Path file = dir.resolve("not.dump");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThatThrownBy(() -> LogicalDump.manifest(file)).hasMessageContaining("is not an Atelier dump");
    }

    private static long count(Connection c, String table) throws Exception {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
