package dev.atelier.platform.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Bytes under the data directory: {@code storage/objects/<first two characters>/<version>}. A
 * version is published by a hard link to its staged file and a sync of the directory, so its
 * name appears only with its complete contents; files are never modified afterwards, which lets
 * a backup copy metadata first and bytes second and get a consistent pair.
 */
final class DiskStore implements ByteStore {

    private final Path root;

    DiskStore(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    private Path path(String version) {
        if (!Staging.isVersion(version)) {
            throw new IllegalArgumentException("not a version: " + version);
        }
        return root.resolve(version.substring(0, 2)).resolve(version);
    }

    @Override
    public void publish(String version, Path staged) throws IOException {
        Path target = path(version);
        Path dir = Files.createDirectories(target.getParent());
        try {
            Files.createLink(target, staged);
        } catch (FileAlreadyExistsException e) {
            // published before a retry; versions are unique, so it holds the same bytes
        }
        sync(dir);
    }

    @Override
    public Blob open(String version) throws IOException {
        FileChannel channel = FileChannel.open(path(version), StandardOpenOption.READ);
        long size = channel.size();
        return new Blob() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream stream(long offset, long length) throws IOException {
                channel.position(offset);
                InputStream in = Channels.newInputStream(channel);
                return new BoundedStream(in, length);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    @Override
    public boolean exists(String version) {
        return Files.exists(path(version));
    }

    @Override
    public void delete(String version) throws IOException {
        Files.deleteIfExists(path(version));
    }

    @Override
    public void forEachVersion(Consumer<String> sink) throws IOException {
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(root)) {
            for (Path fan : fans) {
                if (!Files.isDirectory(fan)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                    for (Path file : files) {
                        String name = file.getFileName().toString();
                        if (Staging.isVersion(name)) {
                            sink.accept(name);
                        }
                    }
                }
            }
        }
    }

    @Override
    public String describe() {
        return "disk " + root;
    }

    private static void sync(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
