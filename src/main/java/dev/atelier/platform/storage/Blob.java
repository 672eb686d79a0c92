package dev.atelier.platform.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/** Stored bytes opened for reading: on disk an open file (still readable after its name is removed), on S3 a ranged GET. */
interface Blob extends Closeable {

    long size();

    /** {@code length} bytes from {@code offset}, streamed. */
    InputStream stream(long offset, long length) throws IOException;

    @Override
    void close() throws IOException;
}
