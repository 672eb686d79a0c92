package dev.atelier.platform.db;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.ValidateResult;
import org.jspecify.annotations.Nullable;

/**
 * The migrations of the last release as it shipped them ({@code releases/migrations-<commit>.zip},
 * made with {@code git archive <commit>:src/main/resources db/migration}), for tests that need "a
 * database created by an earlier release" (docs/adr/0007-migrations.md). Replace the archive with
 * the files of the release before a change that rewrites an applied migration.
 */
final class LastRelease {

    static final String ARCHIVE = "releases/migrations-4caf366.zip";

    private static @Nullable Path files;

    private LastRelease() {}

    /** Migrates {@code target} with the release's files, up to {@code version} (all when null). */
    static void migrate(DatabaseTarget target, @Nullable String version) {
        var configuration = configure(target);
        if (version != null) {
            configuration = configuration.target(version);
        }
        configuration.load().migrate();
    }

    /** Validates {@code target} as the release's server does before it migrates. */
    static ValidateResult validate(DatabaseTarget target) {
        return configure(target).load().validateWithResult();
    }

    private static FluentConfiguration configure(DatabaseTarget target) {
        return Flyway.configure()
                .dataSource(target.jdbcUrl(), target.ownerUser(), target.ownerPassword())
                .locations("filesystem:" + files().resolve("db/migration"))
                .schemas("platform")
                .createSchemas(true);
    }

    private static synchronized Path files() {
        if (files == null) {
            try {
                Path into = Files.createTempDirectory("atelier-release-");
                unpack(into);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(into)));
                files = into;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static void unpack(Path into) throws IOException {
        try (InputStream in = LastRelease.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
            if (in == null) {
                throw new IllegalStateException("no " + ARCHIVE + " on the test class path");
            }
            try (ZipInputStream zip = new ZipInputStream(in)) {
                for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                    Path file = into.resolve(entry.getName()).normalize();
                    if (!file.startsWith(into)) {
                        throw new IllegalStateException("an entry outside the archive's folder: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(file);
                    } else {
                        Files.createDirectories(file.getParent());
                        Files.copy(zip, file);
                    }
                }
            }
        }
    }

    private static void delete(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
