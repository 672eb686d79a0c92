package dev.atelier.platform.sql;

import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static dev.atelier.testing.OwnerSql.rows;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The one identity hook on auth.users (V48, V53): every registered app is provisioned in its own
 * subtransaction, so a sign-up succeeds while one app's provisioning fails, and the failure is
 * both a WARNING and a row in platform.provisioning_failures that a repair resolves.
 */
class IdentityHookTest {

    private static final TestServer server = TestServer.get();

    @Test
    void theHookIsTheOnlySignUpTriggerAndEveryAppRegistersAProvisionerOnlyTheOwnerRuns() throws SQLException {
        assertThat(
                        rows(
                                "select t.tgname || ' ' || t.tgfoid::regprocedure || ' ' || p.prosecdef from pg_trigger t "
                                        + "join pg_proc p on p.oid = t.tgfoid where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal"))
                .containsExactlyInAnyOrder(
                        "on_auth_user_created platform.on_identity_created() true",
                        // V77: an anonymous identity given an e-mail is upgraded in each app that asks
                        "on_auth_user_upgraded platform.on_identity_upgraded() true");
        assertThat(rows("select app || ' ' || function_name from platform.identity_provisioners order by app"))
                .containsExactly(
                        "algorhythmic algorhythmic.create_app_user",
                        "delula delula.create_app_user",
                        "moodscale moodscale.create_user_for_identity",
                        "rotation rotation.create_app_user");
        // Each is callable as the hook calls it, and by no client.
        assertThat(rows("select function_name from platform.identity_provisioners "
                        + "where to_regprocedure(function_name || '(uuid, text, jsonb)') is null"))
                .isEmpty();
        assertThat(rows("select r || ' ' || function_name from platform.identity_provisioners, "
                        + "unnest(array['anon', 'authenticated', 'atelier_auth']) r "
                        + "where has_function_privilege(r, function_name || '(uuid, text, jsonb)', 'EXECUTE')"))
                .isEmpty();
    }

    @Test
    void aSignUpSucceedsWhileOneAppsProvisioningFailsAndTheFailureIsRecordedUntilARepair() throws SQLException {
        String marker = "provisioning-fails-" + UUID.randomUUID();
        // Delula refuses exactly this sign-up's user: every other sign-up (other tests) is untouched.
        exec(
                "create function public.sqlkit_refuse_delula_user() returns trigger language plpgsql as $$ begin "
                        + "if new.email like 'provisioning-fails-%' then raise exception 'delula is down for %', new.email "
                        + "using errcode = '57P03'; end if; return new; end $$",
                "create trigger sqlkit_refuse_delula_user before insert on delula.users for each row "
                        + "execute function public.sqlkit_refuse_delula_user()");
        UUID id;
        try {
            id = server.signUp(marker + "@example.test", "correct horse battery")
                    .id(); // asserts 200
        } finally {
            exec(
                    "drop trigger sqlkit_refuse_delula_user on delula.users",
                    "drop function public.sqlkit_refuse_delula_user()");
        }
        assertThat(queryString("select (select count(*) from algorhythmic.users where id = '" + id + "') || '|' "
                        + "|| (select count(*) from rotation.users where auth_user_id = '" + id + "') || '|' "
                        + "|| (select count(*) from moodscale.users where auth_user_id = '" + id + "') || '|' "
                        + "|| (select count(*) from delula.users where id = '" + id + "')"))
                .isEqualTo("1|1|1|0");
        assertThat(rows("select app || '|' || sqlstate || '|' || message || '|' || (resolved_at is null) "
                        + "from platform.provisioning_failures where user_id = '" + id + "'"))
                .containsExactly("delula|57P03|delula is down for " + marker + "@example.test|true");

        // Repair: provision again; the app's open failure is resolved, nothing is made twice.
        assertThat(queryString("select platform.provision_identity(u) from auth.users u where u.id = '" + id + "'"))
                .isEqualTo("0");
        assertThat(queryString("select count(*) from delula.users where id = '" + id + "'"))
                .isEqualTo("1");
        assertThat(queryString("select count(*) from algorhythmic.users where id = '" + id + "'"))
                .isEqualTo("1");
        assertThat(rows("select app || '|' || (resolved_at is not null) from platform.provisioning_failures "
                        + "where user_id = '" + id + "'"))
                .containsExactly("delula|true");
    }

    @Test
    void anAppTableThatRefusesEveryRowFailsOnlyThatAppAndTheSignUpWarns() throws SQLException {
        try (Connection owner = OwnerSql.owner()) {
            owner.setAutoCommit(false);
            try (Statement st = owner.createStatement()) {
                // MoodScale is broken for every new row, inside this transaction only.
                st.execute("alter table moodscale.users add constraint sqlkit_broken check (false) not valid");
                UUID id = UUID.randomUUID();
                st.execute("set local role atelier_auth");
                st.execute("insert into auth.users (id, email) values ('" + id + "', 'broken-" + UUID.randomUUID()
                        + "@example.test')");
                List<String> warnings = new ArrayList<>();
                for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                    warnings.add(w.getMessage());
                }
                st.execute("reset role");
                assertThat(warnings)
                        .singleElement()
                        .asString()
                        .contains("has no moodscale user")
                        .contains("sqlkit_broken");
                assertThat(queryString(
                                owner,
                                "select (select count(*) from algorhythmic.users where id = '" + id + "') || '|' "
                                        + "|| (select count(*) from rotation.users where auth_user_id = '" + id
                                        + "') || '|' "
                                        + "|| (select count(*) from moodscale.users where auth_user_id = '" + id
                                        + "') || '|' "
                                        + "|| (select count(*) from delula.users where id = '" + id + "')"))
                        .isEqualTo("1|1|0|1");
                assertThat(queryString(
                                owner,
                                "select app || '|' || sqlstate from platform.provisioning_failures "
                                        + "where user_id = '" + id + "'"))
                        .isEqualTo("moodscale|23514");
            } finally {
                owner.rollback();
            }
        }
    }
}
