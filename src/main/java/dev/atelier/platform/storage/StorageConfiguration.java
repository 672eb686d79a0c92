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

    @Bean
    ByteStore storageBytes(@Value("${atelier.data-dir:atelier-data}") String dataDir) throws IOException {
        return new DiskStore(
                Path.of(dataDir).toAbsolutePath().resolve("storage").resolve("objects"));
    }

    @Bean
    Sweep storageSweep(Database database, Staging staging, ByteStore store) throws SQLException, IOException {
        Sweep sweep = new Sweep(database, staging, store);
        sweep.recover();
        return sweep;
    }

    @Bean
    FilterRegistrationBean<StorageApi> storageApi(
            Database database,
            CallerResolver callers,
            JwtKeys keys,
            Clock clock,
            Staging staging,
            ByteStore store,
            Sweep sweep,
            @Value("${atelier.data-dir:atelier-data}") String dataDir,
            @Value("${atelier.storage.max-upload-bytes:5368709120}") long maxUploadBytes)
            throws IOException {
        SignedUrls signed = new SignedUrls(keys.derivedKey("storage signed URLs"), clock);
        Objects objects = new Objects(database, staging, store, signed, clock, maxUploadBytes, new Images());
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
