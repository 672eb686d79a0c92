package dev.atelier.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 1 of the hardening review: the embedded cluster trusted every local connection, so any
 * OS account could become its superuser, read the JWT secret and run shell commands as the
 * database. Now nothing gets in without a password, and the files are the owner's alone.
 */
class EmbeddedDatabaseSecurityTest {

    private static final List<String> ROLES =
            List.of("postgres", "atelier_authenticator", "anon", "authenticated", "service_role", "atelier_auth");

    private final TestServer server = TestServer.get();

    @Test
    void noRoleConnectsWithoutThePasswordAndPgHbaTrustsNoOne() throws Exception {
        DatabaseTarget target = server.databaseTarget();
        List<String> rules = Files.readAllLines(server.dataDirectory().resolve("postgres/pg_hba.conf")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        assertThat(rules)
                .isNotEmpty()
                .allSatisfy(rule -> assertThat(rule).startsWith("host ").endsWith("scram-sha-256"));
        for (String role : ROLES) {
            assertThatThrownBy(() -> connect(target, role, null))
                    .as(role + " without a password")
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password");
            assertThatThrownBy(() -> connect(target, role, "not-the-password"))
                    .as(role + " with a wrong password")
                    .isInstanceOfSatisfying(
                            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        }
        try (Connection owner = connect(target, target.ownerUser(), target.ownerPassword());
                Statement st = owner.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from pg_hba_file_rules where auth_method = 'trust'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("trust rules PostgreSQL loaded").isZero();
        }
    }

    @Test
    void theDataDirectoryIsTheOwnersAloneAndNoBinaryIsWritableByOthers() throws Exception {
        Path root = server.dataDirectory();
        assertThat(Files.getPosixFilePermissions(root)).isEqualTo(PostgresBinaries.permissions(0700));
        assertThat(Files.getPosixFilePermissions(root.resolve("database-password")))
                .isEqualTo(PostgresBinaries.permissions(0600));
        Set<PosixFilePermission> othersWrite =
                Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        try (Stream<Path> files = Files.walk(root.resolve("runtime"))) {
            List<Path> writable = files.filter(p -> !Files.isSymbolicLink(p))
                    .filter(p -> {
                        try {
                            return Files.getPosixFilePermissions(p).stream().anyMatch(othersWrite::contains);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .toList();
            assertThat(writable)
                    .as("files under runtime/ writable by group or others")
                    .isEmpty();
        }
    }

    @Test
    void aClusterThatTrustedLocalLoginsIsSecuredOnItsNextStartWithItsDataKept(@TempDir Path dir) throws Exception {
        Path pgData = dir.resolve("postgres");
        Path passwordFile = dir.resolve("database-password");
        Path installation;
        try (DataDirectory data = DataDirectory.lock(dir);
                EmbeddedDatabase first = EmbeddedDatabase.start(data)) {
            installation = Files.list(dir.resolve("runtime")).findFirst().orElseThrow();
            DatabaseTarget target = first.target();
            try (Connection c = connect(target, target.ownerUser(), target.ownerPassword());
                    Statement st = c.createStatement()) {
                st.execute("create table kept (note text); insert into kept values ('written before the upgrade')");
            }
        }
        // What an earlier Atelier left: trust for every local connection and no password file.
        Files.writeString(pgData.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 trust\n");
        Files.delete(passwordFile);
        Files.delete(pgData.resolve("atelier-password-set"));

        try (EmbeddedDatabase upgraded = EmbeddedDatabase.start(installation, pgData, passwordFile)) {
            DatabaseTarget target = upgraded.target();
            assertThat(Files.readString(pgData.resolve("pg_hba.conf"))).doesNotContain("trust");
            assertThat(Files.getPosixFilePermissions(passwordFile)).isEqualTo(PostgresBinaries.permissions(0600));
            assertThatThrownBy(() -> connect(target, "postgres", null)).isInstanceOf(SQLException.class);
            try (Connection c = connect(target, target.ownerUser(), target.ownerPassword());
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select note from kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("written before the upgrade");
            }
        }
    }

    private static Connection connect(DatabaseTarget target, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(target.jdbcUrl(), props);
    }
}
