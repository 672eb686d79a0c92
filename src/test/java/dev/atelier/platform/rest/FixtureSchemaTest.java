package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * The Data API tests' schema is the tests' own: its migrations are recorded apart from the
 * product's (so a product migration can never be refused for a test version, nor the other way
 * round), and the product's configured default profile stays the default.
 */
class FixtureSchemaTest {

    @Test
    void theTestMigrationsKeepTheirOwnHistory() throws SQLException {
        try (Connection c = TestServer.get().ownerDataSource().getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select count(*), bool_and(success) from " + Fixtures.SCHEMA
                    + ".flyway_test_history where version is not null")) {
                rs.next();
                assertThat(rs.getInt(1)).as("test migrations applied").isPositive();
                assertThat(rs.getBoolean(2)).isTrue();
            }
            try (ResultSet rs = s.executeQuery(
                    "select count(*) from platform.flyway_schema_history" + " where script like '%rest_fixture%'")) {
                rs.next();
                assertThat(rs.getInt(1))
                        .as("no test migration in the product's history")
                        .isZero();
            }
        }
    }

    @Test
    void theTestSchemaIsExposedButIsNotTheDefault() {
        assertThat(TestServer.get().component(SchemaCache.class).schemas())
                .contains(Fixtures.SCHEMA)
                .first()
                .isNotEqualTo(Fixtures.SCHEMA);
    }
}
