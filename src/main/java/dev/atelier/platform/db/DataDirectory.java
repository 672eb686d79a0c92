package dev.atelier.platform.db;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server's data directory, held under an exclusive OS file lock for the life of the process.
 * The OS drops the lock when the process dies, even by {@code kill -9}, so a lock that cannot be
 * taken always means a live server, never a stale file.
 */
public final class DataDirectory implements AutoCloseable {

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates the directory if needed (0700, also when it exists), and locks it, or fails naming the process that holds it. */
    public static DataDirectory lock(Path root) {
        try {
            Files.createDirectories(root);
            // Keys, passwords and the database live here: only the owner may look in.
            Files.setPosixFilePermissions(root, PostgresBinaries.permissions(0700));
            Path lockFile = root.resolve("atelier.lock");
            RandomAccessFile file = new RandomAccessFile(lockFile.toFile(), "rw");
            FileChannel channel = file.getChannel();
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
                channel.close();
                throw new IllegalStateException("the data directory " + root.toAbsolutePath()
                        + " is in use by another Atelier server" + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; stop it first or pass --data-dir to use another directory");
            }
            channel.truncate(0);
            channel.write(java.nio.ByteBuffer.wrap(
                    Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
            return new DataDirectory(root.toAbsolutePath(), channel, lock);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot use the data directory " + root.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public Path resolve(String name) {
        return root.resolve(name);
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // The OS releases the lock with the process anyway.
        }
    }
}
