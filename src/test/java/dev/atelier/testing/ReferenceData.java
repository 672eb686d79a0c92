package dev.atelier.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared reference data (real Discogs dumps, Spotify responses, murmur3 vectors),
 * which lives beside the repository in {@code ../shared/data}, or wherever
 * {@code ATELIER_SHARED_DATA} points.
 */
public final class ReferenceData {

    private ReferenceData() {}

    /** A file or folder of the reference data; fails with directions when the data is not there. */
    public static Path path(String first, String... more) {
        String configured = System.getenv("ATELIER_SHARED_DATA");
        Path root = configured == null || configured.isBlank() ? Path.of("..", "shared", "data") : Path.of(configured);
        Path path = root.resolve(Path.of(first, more));
        if (!Files.exists(path)) {
            throw new AssertionError("reference data " + path.toAbsolutePath().normalize() + " is missing: check the "
                    + "project out beside shared/ (…/main and …/shared) or set ATELIER_SHARED_DATA to shared/data");
        }
        return path;
    }
}
