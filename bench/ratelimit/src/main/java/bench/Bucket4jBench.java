package bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * bucket4j 8.14.0's PostgreSQL backend in process, as many threads as Atelier's HTTP clients, each
 * its own bucket (Atelier's bench gives each client its own address, so its own counter), a
 * bucket that never runs dry: every tryConsume is one full round of its protocol (a transaction
 * with SELECT ... FOR UPDATE and an UPDATE of the serialized state).
 *   java -cp ... bench.Bucket4jBench JDBC_URL USER PASSWORD CLIENTS(1,8,32) SECONDS [select-for-update|advisory-lock]
 */
public final class Bucket4jBench {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        List<Integer> clientCounts = new ArrayList<>();
        for (String c : args[3].split(",")) {
            clientCounts.add(Integer.parseInt(c.trim()));
        }
        int seconds = Integer.parseInt(args[4]);
        String variant = args.length > 5 ? args[5] : "select-for-update";
        int max = clientCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(max);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS bucket (id BIGINT PRIMARY KEY, state BYTEA, expires_at BIGINT)");
                s.execute("TRUNCATE bucket");
            }
            ProxyManager<Long> buckets = variant.equals("advisory-lock")
                    ? Bucket4jPostgreSQL.advisoryLockBasedBuilder(ds).build()
                    : Bucket4jPostgreSQL.selectForUpdateBasedBuilder(ds).build();
            BucketConfiguration never = BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(2_000_000_000L).refillGreedy(2_000_000_000L, Duration.ofHours(1)))
                    .build();
            measure("warm-up", 8, 3, buckets, never);
            for (int clients : clientCounts) {
                measure("bucket4j " + variant, clients, seconds, buckets, never);
            }
        }
    }

    static void measure(String name, int clients, int seconds, ProxyManager<Long> buckets, BucketConfiguration config)
            throws Exception {
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                long key = c + 1;
                running.add(pool.submit(() -> {
                    var bucket = buckets.builder().build(key, () -> config);
                    while (System.nanoTime() < end) {
                        if (!bucket.tryConsume(1)) {
                            throw new IllegalStateException("the bucket ran dry");
                        }
                        done.increment();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
            double rate = done.sum() / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("%-22s clients=%-3d %,12.0f checks/s%n", name, clients, rate);
        } finally {
            pool.shutdownNow();
        }
    }
}
