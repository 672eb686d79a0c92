package dev.atelier.platform.db;

import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A database made by the release before the SQL kit (migrations up to V42, the last of the apps'
 * blocks of ten, as {@link LastRelease} shipped them) is upgraded with today's migrations
 * (docs/adr/0007-migrations.md): what its users wrote survives, and the new behaviour works on the
 * old rows. A database of its own in the test server's cluster, so the shared test database is not
 * touched.
 */
class MigrationUpgradeTest {

    private static final String ADA = "11111111-1111-4111-8111-111111111111";
    private static final String BOB = "22222222-2222-4222-8222-222222222222";

    @Test
    void dataWrittenBeforeTheKitSurvivesItAndGetsTheKitsBehaviour() throws SQLException {
        DatabaseTarget target = TestServer.get().scratchDatabase("upgrade");
        LastRelease.migrate(target, "42");
        try (Connection owner = connect(target)) {
            writeAsTheOldReleaseDid(owner);
        }

        String latest = Migrations.migrate(target, null).targetSchemaVersion;
        assertThat(Integer.parseInt(latest)).isGreaterThanOrEqualTo(53);

        try (Connection owner = connect(target)) {
            // The rows survived, untouched by the migrations (updated_at included).
            assertThat(queryString(
                            owner,
                            "select first_name || '|' || email from algorhythmic.users where id = '" + ADA + "'"))
                    .isEqualTo("Ada|ada@example.test");
            assertThat(queryString(
                            owner,
                            "select string_agg(event_type || ':' || amount || ':' || balance_after, ',' "
                                    + "order by created_at) from algorhythmic.credit_ledger where user_id = '" + ADA
                                    + "'"))
                    .isEqualTo("grant:100:100");
            assertThat(queryString(
                            owner, "select credits || '|' || account_type from delula.users where id = '" + ADA + "'"))
                    .isEqualTo("15|3");
            assertThat(queryString(
                            owner,
                            "select name || '|' || updated_at from infinitestories.heroes where user_id = '" + ADA
                                    + "'"))
                    .isEqualTo("Mira|2001-01-01 00:00:00+00");
            assertThat(queryString(owner, "select username from moodscale.users where auth_user_id = '" + ADA + "'"))
                    .isEqualTo("ada");
            assertThat(queryString(
                            owner, "select count(*) from rotation.usage_metrics where event_name = 'before-upgrade'"))
                    .isEqualTo("1");

            // Bob's Rotation user, lost to the old trigger that only warned, is made by V53's repair.
            assertThat(queryString(owner, "select username from rotation.users where auth_user_id = '" + BOB + "'"))
                    .isEqualTo("bob");
            assertThat(queryString(owner, "select count(*) from platform.provisioning_failures"))
                    .isEqualTo("0");

            // The kit's updated_at trigger moves an old row's clock.
            exec(owner, "update infinitestories.heroes set name = 'Mira II' where user_id = '" + ADA + "'");
            assertThat(queryString(
                            owner,
                            "select (updated_at > '2001-01-01'::timestamptz and updated_at <= now())::text "
                                    + "from infinitestories.heroes where user_id = '" + ADA + "'"))
                    .isEqualTo("true");

            // The kit's guard holds the old ledger rows, even against a grant given by mistake.
            owner.setAutoCommit(false);
            try (Statement st = owner.createStatement()) {
                st.execute("grant update, delete on algorhythmic.credit_ledger to service_role");
                st.execute("set local role service_role");
                assertThatThrownBy(() -> st.execute("delete from algorhythmic.credit_ledger"))
                        .isInstanceOfSatisfying(SQLException.class, e -> {
                            assertThat(e.getSQLState()).isEqualTo("42501");
                            assertThat(e.getMessage()).contains("algorhythmic.credit_ledger is append-only");
                        });
            } finally {
                owner.rollback();
                owner.setAutoCommit(true);
            }

            // A sign-up after the upgrade goes through the one hook: a broken app is recorded, not fatal.
            exec(owner, "alter table moodscale.users add constraint upgrade_probe check (false) not valid");
            exec(owner, "set role atelier_auth");
            exec(owner, "insert into auth.users (email) values ('cleo@example.test')");
            exec(owner, "reset role");
            exec(owner, "alter table moodscale.users drop constraint upgrade_probe");
            assertThat(queryString(
                            owner,
                            "select string_agg(app || ':' || sqlstate, ',') from platform.provisioning_failures"))
                    .isEqualTo("moodscale:23514");
            assertThat(queryString(
                            owner,
                            "select count(*) from delula.users d join auth.users a on a.id::text = d.id "
                                    + "where a.email = 'cleo@example.test'"))
                    .isEqualTo("1");
        }
    }

    /** A sign-up as the auth endpoints did it, and rows in the apps' tables, at V42. */
    private static void writeAsTheOldReleaseDid(Connection owner) throws SQLException {
        exec(owner, "set role atelier_auth");
        exec(
                owner,
                "insert into auth.users (id, email, raw_user_meta_data) values ('" + ADA + "', 'ada@example.test', "
                        + "'{\"first_name\": \"Ada\", \"username\": \"ada\"}')");
        exec(owner, "insert into auth.users (id, email) values ('" + BOB + "', 'bob@example.test')");
        exec(owner, "reset role");
        exec(owner, "delete from rotation.users where auth_user_id = '" + BOB + "'");
        exec(
                owner,
                "insert into algorhythmic.credit_ledger (user_id, event_type, amount, balance_after) " + "values ('"
                        + ADA + "', 'grant', 100, 100)");
        exec(
                owner,
                "insert into delula.credit_transactions (user_id, amount, type, idempotency_key) " + "values ('" + ADA
                        + "', 5, 'purchase', 'order-" + UUID.randomUUID() + "')");
        exec(
                owner,
                "insert into infinitestories.heroes (user_id, name, primary_trait, secondary_trait, updated_at) "
                        + "values ('" + ADA + "', 'Mira', 'brave', 'kind', '2001-01-01T00:00:00Z')");
        exec(owner, "insert into rotation.usage_metrics (event_type, event_name) values ('click', 'before-upgrade')");
    }

    private static Connection connect(DatabaseTarget target) throws SQLException {
        Connection connection =
                DriverManager.getConnection(target.jdbcUrl(), target.ownerUser(), target.ownerPassword());
        exec(connection, "set time zone 'UTC'");
        return connection;
    }
}
