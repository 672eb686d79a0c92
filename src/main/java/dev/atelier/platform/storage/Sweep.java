package dev.atelier.platform.storage;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds where metadata and bytes disagree: bytes without a row (an upload cut short between
 * publishing and committing, a delete whose bytes could not be removed) and rows without bytes
 * (bytes lost outside Atelier). Uploads under way are not orphans. With {@code remove}, it
 * deletes the orphaned bytes; a row without bytes is only reported (its object answers "not
 * found" until someone removes or re-uploads it). Also the start-up recovery of this server's
 * uploads that a crash cut short.
 */
public final class Sweep {

    private static final Logger log = LoggerFactory.getLogger(Sweep.class);

    private final Database database;
    private final Staging staging;
    private final ByteStore store;

    Sweep(Database database, Staging staging, ByteStore store) {
        this.database = database;
        this.staging = staging;
        this.store = store;
    }

    /** What a sweep found and, with {@code remove}, removed. */
    public record Report(
            String backend, long objects, List<String> bytesWithoutRows, List<String> rowsWithoutBytes, int removed) {
        public int mismatches() {
            return bytesWithoutRows.size() + rowsWithoutBytes.size();
        }
    }

    public Report run(boolean remove) throws SQLException {
        try {
            // Bytes first, rows second: an upload that commits in between is seen with its row.
            Set<String> bytes = new HashSet<>();
            store.forEachVersion(bytes::add);
            Set<String> rows = versions(null);
            List<String> candidates = new ArrayList<>();
            for (String v : bytes) {
                if (!rows.contains(v) && !staging.isPending(v)) {
                    candidates.add(v);
                }
            }
            Set<String> lateRows = candidates.isEmpty() ? Set.of() : versions(candidates);
            List<String> orphanBytes = new ArrayList<>();
            for (String v : candidates) {
                if (!lateRows.contains(v) && !staging.isPending(v)) {
                    orphanBytes.add(v);
                }
            }
            List<String> missing = new ArrayList<>();
            for (String v : rows) {
                if (!bytes.contains(v) && !store.exists(v)) {
                    missing.add(v);
                }
            }
            if (!missing.isEmpty()) {
                Set<String> still = versions(missing);
                missing.removeIf(v -> !still.contains(v));
            }
            int removed = 0;
            if (remove) {
                for (String v : orphanBytes) {
                    store.delete(v);
                    removed++;
                }
            }
            java.util.Collections.sort(orphanBytes);
            java.util.Collections.sort(missing);
            Report report = new Report(store.describe(), rows.size(), orphanBytes, missing, removed);
            if (report.mismatches() > 0) {
                log.warn(
                        "storage sweep: {} bytes without rows, {} rows without bytes, {} removed",
                        orphanBytes.size(),
                        missing.size(),
                        removed);
            }
            return report;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Versions named by rows: all of them, or those of {@code among}. As the service role (RLS lets it see all). */
    private Set<String> versions(@org.jspecify.annotations.Nullable List<String> among) throws SQLException {
        return database.transaction(Caller.serviceRole(), true, tx -> {
            String sql = among == null
                    ? "select version from storage.objects"
                    : "select version from storage.objects where version = any(?)";
            try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                if (among != null) {
                    s.setArray(1, tx.connection().createArrayOf("text", among.toArray()));
                }
                s.setFetchSize(10_000);
                Set<String> out = new HashSet<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    /**
     * At start-up: every file still staged belongs to an upload this server was running when it
     * stopped. If its row committed, only the staged file is left to remove; if not, the upload
     * never happened, and the bytes it may have published go too.
     */
    void recover() throws SQLException, IOException {
        List<String> pending = staging.pending();
        if (pending.isEmpty()) {
            return;
        }
        Set<String> committed = versions(pending);
        int rolledBack = 0;
        for (String v : pending) {
            if (!committed.contains(v)) {
                store.delete(v);
                rolledBack++;
            }
            staging.remove(v);
        }
        log.info(
                "storage recovery: {} interrupted upload(s) rolled back, {} settled",
                rolledBack,
                pending.size() - rolledBack);
    }
}
