package dev.atelier.platform.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.OwnerSql;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A user's rows are found in the catalog: every table with a key to a user is in the export and goes
 * (or loses the reference) with the user. A column that names a user without a key is the one way
 * to escape both; this test fails until such a column is listed in platform.user_references (with
 * what deletion does to it) or reviewed here as not naming a user.
 */
class UserDataCoverageTest {

    /** Columns whose names look like a user reference but are not one, and why. */
    private static final Map<String, String> REVIEWED = Map.of(
            "platform.flag_api_keys.created_by", "an operator's label (\"rotation user 7\", \"service_role\")",
            "platform.flyway_schema_history.installed_by", "the database role that ran a migration",
            "platform.jobs.lease_owner", "a server's id",
            "platform.ledger_requests.refunded_by", "the idempotency key of a refund",
            "rotation.track_matches.verified_by", "a free-text verifier (the document's backward-compatible table)",
            "storage.buckets.owner", "buckets are the apps', made by migrations",
            "storage.buckets.owner_id", "buckets are the apps', made by migrations",
            "storage.objects.owner", "the export and platform.delete_user name storage's owners themselves",
            "storage.objects.owner_id", "the export and platform.delete_user name storage's owners themselves");

    private static final String UNCOVERED = """
            select n.nspname || '.' || c.relname || '.' || a.attname
            from pg_catalog.pg_attribute a
            join pg_catalog.pg_class c on c.oid = a.attrelid
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
              and n.nspname in ('algorhythmic', 'infinitestories', 'rotation', 'moodscale', 'delula', 'storage',
                                'platform')
              and a.attname ~ '(^|_)(user|owner|creator|author|follower|reviewer|member|account)(_id)?$|_by$'
              and not exists (select 1 from pg_catalog.pg_constraint k
                              where k.contype = 'f' and k.conrelid = c.oid and a.attnum = any (k.conkey))
              and not exists (select 1 from platform.user_references r
                              where r.table_name = n.nspname || '.' || c.relname and r.column_name = a.attname)
            order by 1""";

    @Test
    void everyColumnNamingAUserHasAKeyOrIsListed() throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            List<String> uncovered = OwnerSql.rows(owner, UNCOVERED);
            assertThat(uncovered)
                    .as("columns that look like user references without a key: add a foreign key, list them in"
                            + " platform.user_references (a migration), or review them in this test")
                    .containsExactlyInAnyOrderElementsOf(REVIEWED.keySet());
        }
    }

    @Test
    void aNewTableWithAKeyToAUserIsExportedWithoutBeingListed() throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            owner.setAutoCommit(false);
            try {
                OwnerSql.exec(
                        owner,
                        "create table infinitestories.coverage_probe (id serial primary key,"
                                + " user_id uuid references auth.users (id) on delete cascade)");
                OwnerSql.exec(
                        owner,
                        "create table rotation.coverage_probe_child (id serial primary key,"
                                + " owner_user_id integer references rotation.users (id))");
                OwnerSql.exec(
                        owner,
                        "create table delula.coverage_probe_unkeyed (id serial primary key," + " creator_id text)");
                List<UserData.Source> plan = UserData.plan(owner);
                assertThat(UserData.tables(plan))
                        .contains("infinitestories.coverage_probe", "rotation.coverage_probe_child")
                        .doesNotContain("delula.coverage_probe_unkeyed");
                assertThat(OwnerSql.rows(owner, UNCOVERED))
                        .as("the unkeyed one is caught by the rule above")
                        .contains("delula.coverage_probe_unkeyed.creator_id");
            } finally {
                owner.rollback();
                owner.setAutoCommit(true);
            }
        }
    }

    @Test
    void theExportCoversEveryAppAndTheTablesItsDocumentsGiveUsers() throws Exception {
        try (Connection owner = OwnerSql.owner()) {
            assertThat(UserData.tables(UserData.plan(owner)))
                    .contains(
                            "algorhythmic.users",
                            "algorhythmic.credit_ledger",
                            "algorhythmic.telemetry_events",
                            "infinitestories.heroes",
                            "infinitestories.story_scenes",
                            "infinitestories.rate_limits",
                            "rotation.users",
                            "rotation.favorites",
                            "rotation.user_collection_items",
                            "moodscale.users",
                            "moodscale.mood_entries",
                            "delula.users",
                            "delula.generations",
                            "delula.credit_transactions",
                            "storage.objects")
                    .allSatisfy(table -> assertThat(UserData.SCHEMAS).contains(table.substring(0, table.indexOf('.'))));
        }
    }
}
