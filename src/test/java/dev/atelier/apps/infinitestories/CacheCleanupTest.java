package dev.atelier.apps.infinitestories;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.testing.TestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** cleanup_expired_cache() runs hourly on the job engine, once across all servers, standing in for the document's pg_cron job. */
class CacheCleanupTest {

    private static final TestServer server = TestServer.get();

    @Test
    void theServerSchedulesTheCleanupOnceAnHourForAllServersNotPerServer() throws Exception {
        // Nothing runs per server: ArchitectureTest refuses @Scheduled anywhere in the main code.
        try (Connection owner = server.ownerDataSource().getConnection();
                Statement st = owner.createStatement();
                ResultSet rs = st.executeQuery("select expression, catch_up from platform.job_schedules where name = '"
                        + CacheCleanup.SCHEDULE + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("0 * * * *");
            assertThat(rs.getString(2)).isEqualTo("latest");
        }
    }

    @Test
    void aRunRemovesExpiredEntriesAndKeepsLiveOnes() throws Exception {
        String expired = "expired-" + UUID.randomUUID();
        String live = "live-" + UUID.randomUUID();
        try (Connection owner = server.ownerDataSource().getConnection();
                Statement st = owner.createStatement()) {
            st.executeUpdate("insert into infinitestories.cache_entries (key, value, expires_at) values " + "('"
                    + expired + "', '{}', now() - interval '1 minute'), ('" + live
                    + "', '{}', now() + interval '1 hour')");
            int removed = server.component(CacheCleanup.class).run();
            assertThat(removed).isGreaterThanOrEqualTo(1);
            try (ResultSet rs = st.executeQuery(
                    "select key from infinitestories.cache_entries where key in ('" + expired + "', '" + live + "')")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo(live);
                assertThat(rs.next()).isFalse();
            }
        }
    }
}
