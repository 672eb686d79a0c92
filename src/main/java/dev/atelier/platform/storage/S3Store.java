package dev.atelier.platform.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Bytes in S3 or any S3-compatible service, {@code <prefix><version>} in one bucket, so several
 * Atelier servers on one database share files. A PUT of a whole staged file is atomic in S3: a
 * key is readable only with its complete contents. Reads are ranged GETs streamed to the client.
 */
final class S3Store implements ByteStore {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    S3Store(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** A client for AWS, or for another S3-compatible service at {@code endpoint} (path-style addressing when asked). */
    static S3Store connect(
            String bucket,
            String prefix,
            String region,
            @Nullable String endpoint,
            boolean pathStyle,
            @Nullable String accessKeyId,
            @Nullable String secretAccessKey) {
        AwsCredentialsProvider credentials = accessKeyId != null && secretAccessKey != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey))
                : DefaultCredentialsProvider.builder().build();
        var builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .forcePathStyle(pathStyle);
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return new S3Store(builder.build(), bucket, prefix);
    }

    private String key(String version) {
        if (!Staging.isVersion(version)) {
            throw new IllegalArgumentException("not a version: " + version);
        }
        return prefix + version;
    }

    @Override
    public void publish(String version, Path staged) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key(version)), RequestBody.fromFile(staged));
        } catch (SdkException e) {
            throw new IOException("S3 PUT of " + key(version) + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Blob open(String version) throws IOException {
        String key = key(version);
        HeadObjectResponse head;
        try {
            head = s3.headObject(b -> b.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(key);
            }
            throw new IOException("S3 HEAD of " + key + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 HEAD of " + key + " failed: " + e.getMessage(), e);
        }
        long size = head.contentLength();
        return new Blob() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream stream(long offset, long length) throws IOException {
                if (length <= 0) {
                    return new ByteArrayInputStream(new byte[0]);
                }
                try {
                    return s3.getObject(
                            b -> b.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1)));
                } catch (SdkException e) {
                    throw new IOException("S3 GET of " + key + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                // each stream closes its own connection
            }
        };
    }

    @Override
    public boolean exists(String version) throws IOException {
        try {
            open(version).close();
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    @Override
    public void delete(String version) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(version)));
        } catch (SdkException e) {
            throw new IOException("S3 DELETE of " + key(version) + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void forEachVersion(Consumer<String> sink) throws IOException {
        try {
            for (S3Object object : s3.listObjectsV2Paginator(
                            b -> b.bucket(bucket).prefix(prefix))
                    .contents()) {
                String name = object.key().substring(prefix.length());
                if (Staging.isVersion(name)) {
                    sink.accept(name);
                }
            }
        } catch (SdkException e) {
            throw new IOException("S3 LIST of " + bucket + "/" + prefix + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "s3 " + bucket + "/" + prefix;
    }
}
