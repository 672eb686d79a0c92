package dev.atelier.platform.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Counts the bytes that go into the store ({@code atelier_storage_bytes_in_total}, each published
 * version's size) and that are read out of it ({@code atelier_storage_bytes_out_total}, as they
 * are streamed), whatever the backend.
 */
final class MeteredStore implements ByteStore {

    private final ByteStore store;
    private final Counter in;
    private final Counter out;

    MeteredStore(ByteStore store) {
        this.store = store;
        this.in = Counter.builder("atelier.storage.bytes.in")
                .description("bytes written to the file store")
                .baseUnit("bytes")
                .register(Metrics.globalRegistry);
        this.out = Counter.builder("atelier.storage.bytes.out")
                .description("bytes read from the file store")
                .baseUnit("bytes")
                .register(Metrics.globalRegistry);
    }

    @Override
    public void publish(String version, Path staged) throws IOException {
        long size = Files.size(staged);
        store.publish(version, staged);
        in.increment(size);
    }

    @Override
    public Blob open(String version) throws IOException {
        Blob blob = store.open(version);
        return new Blob() {
            @Override
            public long size() {
                return blob.size();
            }

            @Override
            public InputStream stream(long offset, long length) throws IOException {
                return new FilterInputStream(blob.stream(offset, length)) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) {
                            out.increment();
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] buffer, int off, int len) throws IOException {
                        int n = super.read(buffer, off, len);
                        if (n > 0) {
                            out.increment(n);
                        }
                        return n;
                    }
                };
            }

            @Override
            public void close() throws IOException {
                blob.close();
            }
        };
    }

    @Override
    public boolean exists(String version) throws IOException {
        return store.exists(version);
    }

    @Override
    public void delete(String version) throws IOException {
        store.delete(version);
    }

    @Override
    public void forEachVersion(Consumer<String> sink) throws IOException {
        store.forEachVersion(sink);
    }

    @Override
    public String describe() {
        return store.describe();
    }
}
