package dev.atelier.platform.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atelier.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Peak memory of the PostgreSQL backends that serve the Data API, read from /proc. The pool's
 * backends (application_name 'atelier') have their peak RSS reset through
 * {@code /proc/<pid>/clear_refs} ("5": VmHWM back to the current RSS) before a request, and their
 * VmHWM read after it: whichever backend served the request, its growth is the request's peak.
 * Needs Linux, the database on this machine and permission to write clear_refs (the test runs as
 * the user the embedded database runs as, or root); otherwise the measurement is skipped.
 */
final class BackendMemory {

    private BackendMemory() {}

    /** Pool backends' RSS in kB right after resetting their peaks. */
    record Peaks(Map<Integer, Long> baseKb) {

        /** Skips (after the caller's other assertions have run) when nothing could be measured. */
        void assertGrowthBelowMegabytes(long megabytes) {
            assumeTrue(!baseKb.isEmpty(), "the pool's backends are not measurable on this machine");
            long worst = 0;
            int worstPid = -1;
            for (Map.Entry<Integer, Long> e : baseKb.entrySet()) {
                Long hwm = field(e.getKey(), "VmHWM:");
                if (hwm != null && hwm - e.getValue() > worst) {
                    worst = hwm - e.getValue();
                    worstPid = e.getKey();
                }
            }
            System.out.printf("backend peak growth: %d kB (pid %d)%n", worst, worstPid);
            assertThat(worst)
                    .as("peak RSS growth of backend %d in kB", worstPid)
                    .isLessThan(megabytes * 1024);
        }
    }

    static Peaks resetPeaks() {
        Map<Integer, Long> base = new LinkedHashMap<>();
        try (Connection c = TestServer.get().ownerDataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select pid from pg_stat_activity where application_name = 'atelier'"
                        + " and datname = current_database()")) {
            while (rs.next()) {
                int pid = rs.getInt(1);
                Path clear = Path.of("/proc", Integer.toString(pid), "clear_refs");
                if (!Files.isWritable(clear)) {
                    continue;
                }
                Files.writeString(clear, "5");
                Long rss = field(pid, "VmRSS:");
                if (rss != null) {
                    base.put(pid, rss);
                }
            }
        } catch (SQLException | IOException e) {
            base.clear();
        }
        return new Peaks(base);
    }

    private static Long field(int pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
