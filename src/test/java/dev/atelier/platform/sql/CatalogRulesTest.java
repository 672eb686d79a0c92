package dev.atelier.platform.sql;

import static dev.atelier.testing.OwnerSql.exec;
import static dev.atelier.testing.OwnerSql.queryString;
import static dev.atelier.testing.OwnerSql.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.testing.OwnerSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The rules the platform's SQL kit (V48) stands for, read from the catalog for every table of the
 * five apps' schemas at once, so that a table added later cannot miss one: every table with an
 * {@code updated_at} has the kit's trigger and its clock really moves, every table has row-level
 * security and the service role's policy, and every ledger refuses UPDATE, DELETE and TRUNCATE to
 * every role but its owner's paths. (Each app's own behaviour stays in its app's tests.)
 */
class CatalogRulesTest {

    private static final String APP_SCHEMAS =
            "array['algorhythmic', 'infinitestories', 'rotation', 'moodscale', 'delula']";

    /** pg_trigger.tgtype bits: ROW 1, BEFORE 2, DELETE 8, UPDATE 16, TRUNCATE 32. */
    private static final int BEFORE_UPDATE_ROW = 1 | 2 | 16;

    private static final int BEFORE_UPDATE_OR_DELETE_ROW = 1 | 2 | 8 | 16;
    private static final int BEFORE_TRUNCATE_STATEMENT = 2 | 32;

    /** The kit's updated_at triggers: table, the column it stamps, tgtype. */
    private static final String KIT_TIMESTAMP_TRIGGERS = """
            select n.nspname || '.' || c.relname as table_name,
                   coalesce(nullif(split_part(encode(t.tgargs, 'escape'), '\\000', 1), ''), 'updated_at') as column_name,
                   t.tgtype
            from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
            where t.tgfoid = 'platform.set_updated_at()'::regprocedure
            """;

    /**
     * One row in each ledger, made inside the test's transaction (and rolled back with it). A ledger
     * the kit guards without a row here fails {@link #theLedgersAreTheTablesTheKitGuardsAndNoRequestRoleHoldsAWriteGrant}:
     * add its row.
     */
    private static final Map<String, String> LEDGER_ROWS = new LinkedHashMap<>();

    static {
        LEDGER_ROWS.put(
                "algorhythmic.credit_ledger",
                "insert into algorhythmic.credit_ledger (user_id, event_type, amount, "
                        + "balance_after) values ('$IDENTITY', 'grant', 1, 1)");
        LEDGER_ROWS.put(
                "delula.credit_transactions",
                "insert into delula.credit_transactions (user_id, amount, type) "
                        + "values ('$IDENTITY', 1, 'purchase')");
        LEDGER_ROWS.put(
                "infinitestories.audit_log",
                "insert into infinitestories.audit_log (table_name, operation) " + "values ('probe', 'INSERT')");
        LEDGER_ROWS.put(
                "rotation.audit_logs",
                "insert into rotation.audit_logs (action, entity_type) values ('probe', 'probe')");
        LEDGER_ROWS.put(
                "rotation.usage_metrics",
                "insert into rotation.usage_metrics (event_type, event_name) " + "values ('click', 'probe')");
        LEDGER_ROWS.put(
                "rotation.performance_metrics",
                "insert into rotation.performance_metrics (metric_type) values ('probe')");
        LEDGER_ROWS.put(
                "rotation.job_logs",
                "with j as (insert into rotation.jobs (type, title) values ('cleanup', 'probe') "
                        + "returning id) insert into rotation.job_logs (job_id, message) select id, 'probe' from j");
        // A flag writes its history row; an evaluation of it its evaluation row.
        LEDGER_ROWS.put(
                "rotation.feature_flag_history",
                "insert into rotation.feature_flags (key, name, is_enabled) "
                        + "values ('probe-$SUFFIX', 'Probe', true)");
        LEDGER_ROWS.put("rotation.feature_flag_evaluations", "select rotation.evaluate_feature_flag('probe-$SUFFIX')");
        // A new audio match writes its history row.
        LEDGER_ROWS.put("rotation.audio_match_history", """
                with r as (insert into rotation.records (discogs_release_id, title, artist)
                           values ((random() * 1e12)::bigint + 1, 'Probe', 'Probe') returning id),
                     t as (insert into rotation.tracks (record_id, position, title, track_index)
                           select id, 'A1', 'Probe', 0 from r returning id)
                insert into rotation.audio_matches (track_id, platform, external_id, url, confidence_score)
                select id, 'youtube', 'probe', 'https://probe.test', 0.5 from t""");
    }

    // ---------------------------------------------------------------------------------------------
    // updated_at
    // ---------------------------------------------------------------------------------------------

    @Test
    void everyTableWithAnUpdatedAtHasTheKitsTriggerBeforeEachUpdatedRow() throws SQLException {
        List<String> missing = rows("select n.nspname || '.' || c.relname from pg_class c "
                + "join pg_namespace n on n.oid = c.relnamespace "
                + "join pg_attribute a on a.attrelid = c.oid and a.attname = 'updated_at' and not a.attisdropped "
                + "where n.nspname = any(" + APP_SCHEMAS + ") and c.relkind in ('r', 'p') "
                + "and not exists (select 1 from (" + KIT_TIMESTAMP_TRIGGERS + ") k "
                + "where k.table_name = n.nspname || '.' || c.relname and k.column_name = 'updated_at' "
                + "and k.tgtype = " + BEFORE_UPDATE_ROW + ") order by 1");
        assertThat(missing)
                .as("tables with updated_at but without platform.set_updated_at() BEFORE UPDATE FOR EACH ROW")
                .isEmpty();
        // A kit trigger stamps a timestamptz column the table has (last_updated where a document names it so).
        List<String> misfits =
                rows("select k.table_name || '.' || k.column_name from (" + KIT_TIMESTAMP_TRIGGERS + ") k "
                        + "where k.tgtype <> " + BEFORE_UPDATE_ROW + " or not exists (select 1 from pg_attribute a "
                        + "where a.attrelid = k.table_name::regclass and a.attname = k.column_name and not a.attisdropped "
                        + "and a.atttypid = 'timestamptz'::regtype)");
        assertThat(misfits).isEmpty();
        assertThat(rows("select k.table_name || '.' || k.column_name from (" + KIT_TIMESTAMP_TRIGGERS + ") k "
                        + "where k.column_name <> 'updated_at'"))
                .containsExactly("algorhythmic.user_credits.last_updated");
        // No app keeps a trigger of its own for it: the seeds' update_updated_at_column is a name, not a second copy.
        assertThat(rows("select t.tgname from pg_trigger t join pg_proc p on p.oid = t.tgfoid "
                        + "join pg_namespace n on n.oid = p.pronamespace "
                        + "where n.nspname = any(" + APP_SCHEMAS + ") and p.proname like 'update\\_%updated%'"))
                .isEmpty();
    }

    /**
     * Setting the column to an old value is overridden by the transaction's clock: the assertion
     * fails whenever the trigger does not fire, whatever the time. Every table the kit's trigger sits
     * on runs the one function (checked above), so the tables that have a row here, which include
     * both column names it stamps, stand for all.
     */
    @Test
    void theStampedColumnTakesTheDatabasesClockOnEveryUpdate() throws SQLException {
        inRolledBackTransaction((owner, identity) -> {
            // The identity's algorhythmic.user_credits row was made at sign-up (V56).
            exec(owner, "insert into delula.tags (name) values ('probe-" + UUID.randomUUID() + "')");
            Map<String, String> stamped = new LinkedHashMap<>();
            for (String pair :
                    rows(owner, "select table_name || ' ' || column_name from (" + KIT_TIMESTAMP_TRIGGERS + ") k")) {
                String table = pair.substring(0, pair.indexOf(' '));
                String column = pair.substring(pair.indexOf(' ') + 1);
                String moved = queryString(
                        owner,
                        "update " + table + " set " + column + " = '2001-01-01T00:00:00Z' "
                                + "where ctid = (select ctid from " + table + " limit 1) returning (" + column
                                + " = now())::text");
                if (moved != null) {
                    assertThat(moved).as(table + "." + column).isEqualTo("true");
                    stamped.put(table, column);
                }
            }
            assertThat(stamped)
                    .containsKeys(
                            "algorhythmic.users",
                            "rotation.users",
                            "delula.users",
                            "delula.tags",
                            "algorhythmic.subscription_tiers")
                    .containsEntry("algorhythmic.user_credits", "last_updated");
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Row-level security
    // ---------------------------------------------------------------------------------------------

    @Test
    void everyTableOfTheAppsHasRowLevelSecurityAndTheServiceRolesPolicy() throws SQLException {
        String tables = "select c.oid, n.nspname || '.' || c.relname as name, c.relrowsecurity from pg_class c "
                + "join pg_namespace n on n.oid = c.relnamespace "
                + "where (n.nspname = any(" + APP_SCHEMAS
                + ") or c.oid in ('platform.identity_provisioners'::regclass, "
                + "'platform.provisioning_failures'::regclass)) and c.relkind in ('r', 'p')";
        assertThat(Integer.parseInt(queryString("select count(*) from (" + tables + ") t")))
                .isGreaterThan(60);
        assertThat(rows("select name from (" + tables + ") t where not relrowsecurity order by 1"))
                .isEmpty();
        assertThat(rows("select name from (" + tables + ") t where not exists (select 1 from pg_policy p "
                        + "where p.polrelid = t.oid and p.polname = 'Service role has full access' and p.polcmd = '*' "
                        + "and p.polroles = array['service_role'::regrole::oid] and p.polpermissive "
                        + "and pg_get_expr(p.polqual, p.polrelid) = 'true' and pg_get_expr(p.polwithcheck, p.polrelid) = 'true') "
                        + "order by 1"))
                .isEmpty();
    }

    // ---------------------------------------------------------------------------------------------
    // Ledgers
    // ---------------------------------------------------------------------------------------------

    @Test
    void theLedgersAreTheTablesTheKitGuardsAndNoRequestRoleHoldsAWriteGrant() throws SQLException {
        String guarded = "select n.nspname || '.' || c.relname as name, t.tgtype from pg_trigger t "
                + "join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace "
                + "where t.tgfoid = 'platform.refuse_ledger_change()'::regprocedure";
        assertThat(rows("select name from (" + guarded + ") g where tgtype = " + BEFORE_UPDATE_OR_DELETE_ROW
                        + " order by 1"))
                .containsExactlyInAnyOrderElementsOf(LEDGER_ROWS.keySet());
        assertThat(rows("select name from (" + guarded + ") g where tgtype = " + BEFORE_TRUNCATE_STATEMENT
                        + " order by 1"))
                .containsExactlyInAnyOrderElementsOf(LEDGER_ROWS.keySet());
        assertThat(rows("select count(*) from (" + guarded + ") g"))
                .containsExactly(String.valueOf(2 * LEDGER_ROWS.size()));
        List<String> grants = new ArrayList<>();
        for (String ledger : LEDGER_ROWS.keySet()) {
            grants.addAll(rows("select r || ' ' || p from unnest(array['anon', 'authenticated', 'service_role', "
                    + "'atelier_auth', 'PUBLIC']) r, unnest(array['UPDATE', 'DELETE', 'TRUNCATE']) p "
                    + "where case when r = 'PUBLIC' then exists (select 1 from aclexplode(coalesce((select relacl from pg_class "
                    + "where oid = '" + ledger + "'::regclass), '{}')) a where a.grantee = 0 and a.privilege_type = p) "
                    + "else has_table_privilege(r, '" + ledger + "', p) end"));
        }
        assertThat(grants).isEmpty();
        // The old per-app guards are gone with their three rules.
        assertThat(rows("select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
                        + "where n.nspname = any(" + APP_SCHEMAS + ") and p.proname in "
                        + "('credit_ledger_append_only', 'prevent_ledger_change', 'prevent_ledger_mutation')"))
                .isEmpty();
    }

    /**
     * Even with a grant, a schema USAGE and a policy given by mistake, every role that does not hold
     * the owner's privileges is refused, the roles nobody listed (the auth endpoints' role, the pool's
     * login role) included; the owner and a foreign-key action (deleting an account) still pass.
     */
    @Test
    void everyLedgerRefusesUpdateDeleteAndTruncateToEveryRoleButItsOwnersPaths() throws SQLException {
        inRolledBackTransaction((owner, identity) -> {
            String suffix = UUID.randomUUID().toString();
            for (String insert : LEDGER_ROWS.values()) {
                exec(owner, insert.replace("$IDENTITY", identity).replace("$SUFFIX", suffix));
            }
            List<String> roles = new ArrayList<>(List.of("anon", "authenticated", "service_role", "atelier_auth"));
            if ("true".equals(queryString(owner, "select rolsuper::text from pg_roles where rolname = current_user"))) {
                roles.add(queryString(owner, "select login_role from platform.instance"));
            }
            for (String role : roles) {
                exec(owner, "grant usage on schema algorhythmic, infinitestories, rotation, delula to " + role);
                for (String ledger : LEDGER_ROWS.keySet()) {
                    exec(owner, "grant select, update, delete, truncate on " + ledger + " to " + role);
                    exec(
                            owner,
                            "create policy \"probe " + role + "\" on " + ledger + " for all to " + role
                                    + " using (true) with check (true)");
                }
            }
            TreeSet<String> refused = new TreeSet<>();
            for (String role : roles) {
                exec(owner, "set local role " + role);
                for (String ledger : LEDGER_ROWS.keySet()) {
                    String column = queryString(
                            owner,
                            "select attname from pg_attribute where attrelid = '" + ledger
                                    + "'::regclass and attnum > 0 and not attisdropped and attidentity = '' and attgenerated = '' "
                                    + "order by attnum limit 1");
                    for (String statement : List.of(
                            "update " + ledger + " set " + column + " = " + column,
                            "delete from " + ledger,
                            "truncate " + ledger)) {
                        Savepoint attempt = owner.setSavepoint();
                        assertThatThrownBy(() -> exec(owner, statement))
                                .as(role + ": " + statement)
                                .isInstanceOfSatisfying(SQLException.class, e -> {
                                    assertThat(e.getSQLState()).isEqualTo("42501");
                                    assertThat(e.getMessage()).contains(ledger + " is append-only");
                                });
                        owner.rollback(attempt);
                        refused.add(role + " " + ledger + " " + statement.substring(0, statement.indexOf(' ')));
                    }
                }
                exec(owner, "reset role");
            }
            assertThat(refused).hasSize(roles.size() * LEDGER_ROWS.size() * 3);

            // Foreign-key actions run as the ledger's owner: deleting the account (as the auth
            // endpoints' role) removes its credit rows.
            exec(owner, "set local role atelier_auth");
            exec(owner, "delete from auth.users where id = '" + identity + "'");
            exec(owner, "reset role");
            assertThat(queryString(
                            owner,
                            "select (select count(*) from algorhythmic.credit_ledger where user_id = '" + identity
                                    + "') + (select count(*) from delula.credit_transactions where user_id = '"
                                    + identity + "')"))
                    .isEqualTo("0");
            // The owner itself (migrations, SECURITY DEFINER retention jobs).
            for (String ledger : LEDGER_ROWS.keySet()) {
                exec(owner, "delete from " + ledger);
                assertThat(queryString(owner, "select count(*) from " + ledger))
                        .as(ledger)
                        .isEqualTo("0");
            }
        });
    }

    private interface OwnerWork {
        void run(Connection owner, String identity) throws SQLException;
    }

    /**
     * Work as the owner in one transaction that is rolled back, with a new identity (made as the
     * auth endpoints make one: the identity hook gives it its app users).
     */
    private static void inRolledBackTransaction(OwnerWork work) throws SQLException {
        try (Connection owner = OwnerSql.owner()) {
            owner.setAutoCommit(false);
            try {
                work.run(
                        owner,
                        queryString(
                                owner,
                                "insert into auth.users (email) values ('catalog-" + UUID.randomUUID()
                                        + "@example.test') returning id"));
            } finally {
                owner.rollback();
            }
        }
    }
}
