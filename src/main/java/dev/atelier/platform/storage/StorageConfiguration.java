package dev.atelier.platform.storage;

import dev.atelier.platform.auth.CallerResolver;
import dev.atelier.platform.auth.JwtKeys;
import dev.atelier.platform.db.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Mounts the storage API at /storage/v1 ahead of Spring MVC, with its bytes under the data
 * directory ({@code storage/}), and recovers the uploads a crash cut short before it serves.
 */
@Configuration
class StorageConfiguration {

    @Bean
    Staging storageStaging(@Value("${atelier.data-dir:atelier-data}") String dataDir) throws IOException {
        return new Staging(Path.of(dataDir).toAbsolutePath().resolve("storage").resolve("staging"));
    }

    /**
     * The data directory by default; S3 (or an S3-compatible service) with
     * {@code atelier.storage.backend=s3} and its bucket, region, endpoint and keys.
     */
    @Bean
    ByteStore storageBytes(
            @Value("${atelier.data-dir:atelier-data}") String dataDir,
            @Value("${atelier.storage.backend:disk}") String backend,
            @Value("${atelier.storage.s3.bucket:}") String bucket,
            @Value("${atelier.storage.s3.prefix:objects/}") String prefix,
            @Value("${atelier.storage.s3.region:us-east-1}") String region,
            @Value("${atelier.storage.s3.endpoint:}") String endpoint,
            @Value("${atelier.storage.s3.force-path-style:false}") boolean pathStyle,
            @Value("${atelier.storage.s3.access-key-id:}") String accessKeyId,
            @Value("${atelier.storage.s3.secret-access-key:}") String secretAccessKey)
            throws IOException {
        switch (backend) {
            case "disk" -> {
                return new MeteredStore(new DiskStore(
                        Path.of(dataDir).toAbsolutePath().resolve("storage").resolve("objects")));
            }
            case "s3" -> {
                if (bucket.isBlank()) {
                    throw new IllegalStateException(
                            "ATELIER_STORAGE_S3_BUCKET (atelier.storage.s3.bucket) is required with the s3 storage backend");
                }
                return new MeteredStore(S3Store.connect(
                        bucket,
                        prefix,
                        region,
                        endpoint.isBlank() ? null : endpoint,
                        pathStyle,
                        accessKeyId.isBlank() ? null : accessKeyId,
                        secretAccessKey.isBlank() ? null : secretAccessKey));
            }
            default ->
                throw new IllegalStateException(
                        "ATELIER_STORAGE_BACKEND (atelier.storage.backend) must be disk or s3, not " + backend);
        }
    }

    @Bean
    Sweep storageSweep(Database database, Staging staging, ByteStore store) throws SQLException, IOException {
        Sweep sweep = new Sweep(database, staging, store);
        sweep.recover();
        return sweep;
    }

    @Bean
    Objects storageObjects(
            Database database,
            JwtKeys keys,
            Clock clock,
            Staging staging,
            ByteStore store,
            @Value("${atelier.storage.max-upload-bytes:5368709120}") long maxUploadBytes) {
        SignedUrls signed = new SignedUrls(keys.derivedKey("storage signed URLs"), clock);
        return new Objects(database, staging, store, signed, clock, maxUploadBytes, new Images());
    }

    @Bean
    ServerFiles serverFiles(Objects objects, Staging staging) {
        return new ServerFiles(objects, staging);
    }

    @Bean
    FilterRegistrationBean<StorageApi> storageApi(
            Database database,
            CallerResolver callers,
            Objects objects,
            Staging staging,
            ByteStore store,
            Sweep sweep,
            @Value("${atelier.data-dir:atelier-data}") String dataDir,
            @Value("${atelier.storage.max-upload-bytes:5368709120}") long maxUploadBytes)
            throws IOException {
        StorageApi api = new StorageApi(
                callers,
                objects,
                new Buckets(database, store),
                new Tus(
                        Path.of(dataDir).toAbsolutePath().resolve("storage").resolve("resumable"),
                        objects,
                        staging,
                        maxUploadBytes),
                sweep);
        FilterRegistrationBean<StorageApi> registration = new FilterRegistrationBean<>(api);
        registration.addUrlPatterns(StorageApi.BASE + "/*");
        registration.setName("storageApi");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }
}
