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
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applied migrations whose text a release deliberately rewrote (docs/adr/0007-migrations.md,
 * "Folding"): a function's earlier bodies were taken out of the files a later migration replaces
 * them in. Flyway would refuse such a file on every database that applied its released text, so
 * before migrating, a history row holding exactly the released checksum is moved to the current
 * one. Any other difference (a file edited by mistake) is still refused by Flyway's validation.
 *
 * <p>The list is {@code db/rewritten-migrations.txt}: one line per file, {@code version
 * released-checksum current-checksum}; {@code #} starts a comment.
 */
final class RewrittenMigrations {

    private static final Logger log = LoggerFactory.getLogger(RewrittenMigrations.class);
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
     * Moves each listed migration's history row from its released checksum to its current one, in
     * {@code platform.flyway_schema_history} when there is one; returns how many rows moved.
     */
    static int accept(Connection owner) throws SQLException {
        try (PreparedStatement exists =
                        owner.prepareStatement("select to_regclass('platform.flyway_schema_history') is not null");
                ResultSet rs = exists.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return 0;
            }
        }
        int moved = 0;
        try (PreparedStatement update = owner.prepareStatement(
                "update platform.flyway_schema_history set checksum = ? where version = ? and checksum = ?")) {
            for (Rewrite rewrite : list()) {
                update.setInt(1, rewrite.currentChecksum());
                update.setString(2, rewrite.version());
                update.setInt(3, rewrite.releasedChecksum());
                int rows = update.executeUpdate();
                if (rows > 0) {
                    log.info(
                            "migration V{} was applied from its released text; accepting its rewritten text "
                                    + "(docs/adr/0007-migrations.md, folding)",
                            rewrite.version());
                }
                moved += rows;
            }
        }
        return moved;
    }
}
