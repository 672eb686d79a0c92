package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.EmbeddedDatabase;
import java.nio.file.Path;

/**
 * A private cluster of Debian's PostgreSQL 15 (apt-get install postgresql-15; .ci/run installs it)
 * in a test's directory, for what the embedded PostgreSQL 17 cannot stand for: an external
 * server of another version, several Atelier databases or servers on one cluster, extensions
 * Debian packages (PostGIS).
 */
final class DebianPostgres15 {

    static final Path INSTALLATION = Path.of("/usr/lib/postgresql/15");

    private DebianPostgres15() {}

    /** Starts a new cluster in {@code dir}/pg15; its superuser is postgres, password {@code target().ownerPassword()}. */
    static EmbeddedDatabase start(Path dir) {
        assertThat(INSTALLATION.resolve("bin/postgres"))
                .as("the PostgreSQL 15 server (Debian: apt-get install postgresql-15; .ci/run installs it)")
                .exists();
        return EmbeddedDatabase.start(INSTALLATION, dir.resolve("pg15"), dir.resolve("pg15-password"));
    }
}
