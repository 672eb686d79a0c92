package dev.atelier.platform.db;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Applied migrations whose text a release deliberately rewrote (docs/adr/0007-migrations.md,
 * "Folding"): a function's earlier bodies were taken out of the files a later migration replaces
 * them in. Flyway would refuse such a file on every database that applied its released text, so
 * {@link Migrations} lets a checksum mismatch pass only where the history holds exactly the
 * released checksum of a listed file; any other difference (a file edited by mistake) is refused
 * as before. The history is left as it is, so the releases before the rewrite still validate the
 * database and can share it during a rolling upgrade.
 *
 * <p>The list is {@code db/rewritten-migrations.txt}: one line per file, {@code version
 * released-checksum current-checksum}; {@code #} starts a comment.
 */
final class RewrittenMigrations {

    private static final String LIST = "db/rewritten-migrations.txt";

    /** One rewritten file: the checksum Flyway recorded for its released text, and its current one. */
    record Rewrite(String version, int releasedChecksum, int currentChecksum) {}

    private RewrittenMigrations() {}

    static List<Rewrite> list() {
        InputStream in = RewrittenMigrations.class.getClassLoader().getResourceAsStream(LIST);
        if (in == null) {
            return List.of();
        }
        List<Rewrite> rewrites = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                int comment = line.indexOf('#');
                String[] fields = (comment < 0 ? line : line.substring(0, comment))
                        .strip()
                        .split("\\s+");
                if (fields.length == 1 && fields[0].isEmpty()) {
                    continue;
                }
                if (fields.length != 3) {
                    throw new IllegalStateException(LIST + ": expected 'version released current', got: " + line);
                }
                rewrites.add(new Rewrite(fields[0], Integer.parseInt(fields[1]), Integer.parseInt(fields[2])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rewrites;
    }

    /**
     * The listed versions that {@code platform.flyway_schema_history} records with their released
     * checksum (none when there is no history): a checksum mismatch on one of these is a rewrite,
     * not an edit.
     */
    static Set<String> appliedFromReleasedText(Connection owner) throws SQLException {
        List<Rewrite> rewrites = list();
        Set<String> versions = new LinkedHashSet<>(); // in the list's order
        try (PreparedStatement exists =
                        owner.prepareStatement("select to_regclass('platform.flyway_schema_history') is not null");
                ResultSet rs = exists.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return versions;
            }
        }
        try (PreparedStatement applied = owner.prepareStatement("""
                select r.version from unnest(?::text[], ?::int[]) with ordinality as r(version, checksum, n)
                 where exists (select 1 from platform.flyway_schema_history h
                                where h.version = r.version and h.checksum = r.checksum and h.success)
                 order by r.n""")) {
            applied.setArray(
                    1,
                    owner.createArrayOf(
                            "text", rewrites.stream().map(Rewrite::version).toArray()));
            applied.setArray(
                    2,
                    owner.createArrayOf(
                            "int4",
                            rewrites.stream().map(Rewrite::releasedChecksum).toArray()));
            try (ResultSet rs = applied.executeQuery()) {
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
            }
        }
        return versions;
    }
}
