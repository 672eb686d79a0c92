package dev.atelier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atelier.platform.db.EmbeddedDatabase;
import dev.atelier.testing.Poll;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 7: every start reset the password of the cluster-wide login role from its own JWT
 * secret, so a second Atelier database in the same PostgreSQL (staging beside production) took
 * the first one down. Here two Atelier databases share one PostgreSQL 15 cluster, each with its
 * own secret and servers, under 60 s of traffic while either is restarted, killed, or joined by
 * a second server: neither ever answers a 5xx. A server given the wrong secret refuses to start.
 */
class SharedClusterIT {

    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration TRAFFIC = Duration.ofSeconds(60);
    private static final Duration AFTER_RESTARTS = Duration.ofSeconds(10);
    private static final String PROD_SECRET = "prod-".repeat(10);
    private static final String STAGING_SECRET = "staging-".repeat(6);

    @Test
    void twoAtelierDatabasesInOneClusterServeSideBySideThroughRestarts(@TempDir Path dir) throws Exception {
        try (EmbeddedDatabase cluster = DebianPostgres15.start(dir)) {
            String superuser = cluster.target().ownerPassword();
            try (Connection c = DriverManager.getConnection(cluster.target().jdbcUrl(), "postgres", superuser);
                    Statement st = c.createStatement()) {
                // Production is owned by an ordinary role with CREATEROLE, as on a managed server.
                st.execute("create role prod_owner login createrole password 'prod-owner-pw'");
                st.execute("create database prod owner prod_owner");
                st.execute("create database staging");
            }
            int port = cluster.target().port();
            Map<String, String> prod = Map.of(
                    "DATABASE_URL",
                    "postgres://prod_owner:prod-owner-pw@127.0.0.1:" + port + "/prod",
                    "ATELIER_JWT_SECRET",
                    PROD_SECRET);
            Map<String, String> staging = Map.of(
                    "DATABASE_URL",
                    "postgres://postgres:" + superuser + "@127.0.0.1:" + port + "/staging",
                    "ATELIER_JWT_SECRET",
                    STAGING_SECRET);

            Node a = new Node("prod", prod, dir.resolve("a"));
            Node b = new Node("staging", staging, dir.resolve("b"));
            Node a2 = new Node("prod-2", prod, dir.resolve("a2"));
            try (a;
                    b;
                    a2) {
                a.start();
                b.start();
                long trafficEnds = System.nanoTime() + TRAFFIC.toNanos();
                // Paced traffic: a round of requests to every node every 20 ms. What is tested is that
                // no request meets a 5xx while servers restart; flat-out traffic only took the two
                // cores from the servers starting here and from the integration tests beside it.
                ScheduledExecutorService traffic = Executors.newScheduledThreadPool(3);
                for (Node node : List.of(a, b, a2)) {
                    traffic.scheduleWithFixedDelay(node::trafficRound, 0, 20, TimeUnit.MILLISECONDS);
                }

                a.restart(); // stop and start production's server
                b.restart(); // then staging's
                a.kill9AndStart(); // production's server crashes and comes back
                a2.start(); // a second server joins production
                b.restart();
                // The acceptance asks for 60 s of traffic; the restarts above take part of it.
                Map<Node, Integer> afterRestarts = new java.util.HashMap<>();
                for (Node node : List.of(a, b, a2)) {
                    afterRestarts.put(node, node.served());
                }
                // At least 60 s of traffic in all, and at least 10 s of it after the last restart, which
                // on a busy machine may itself come later than 50 s in.
                long ends = Math.max(trafficEnds, System.nanoTime() + AFTER_RESTARTS.toNanos());
                Poll.until("60 s of traffic", TRAFFIC.plusSeconds(5), () -> System.nanoTime() >= ends);
                for (Node node : List.of(a, b, a2)) {
                    assertThat(node.served())
                            .as(node.name + " served after the last restart")
                            .isGreaterThanOrEqualTo(afterRestarts.get(node) + 10);
                }
                traffic.shutdown();
                assertThat(traffic.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                for (Node node : List.of(a, b, a2)) {
                    assertThat(node.statuses.keySet())
                            .as(node.name + " answered only with " + node.statuses)
                            .allMatch(status -> status < 500);
                    assertThat(node.statuses
                                    .getOrDefault(200, new AtomicInteger())
                                    .get())
                            .as(node.name + " served")
                            .isGreaterThan(20);
                }
                assertThat(loginRoles(cluster, superuser))
                        .containsExactlyInAnyOrder(
                                "atelier_authenticator=Atelier login role of database prod",
                                "atelier_authenticator_staging=Atelier login role of database staging");

                // A server given staging's secret for production refuses, and changes nothing.
                try (ServerProcess wrong = ServerProcess.start(
                        Map.of("DATABASE_URL", prod.get("DATABASE_URL"), "ATELIER_JWT_SECRET", STAGING_SECRET),
                        "serve",
                        "--data-dir",
                        dir.resolve("c").toString(),
                        "--port",
                        "0")) {
                    assertThat(wrong.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
                    assertThat(wrong.stderr())
                            .contains("this database was set up with a different JWT secret")
                            .doesNotContain("\tat ");
                }
                assertThat(a.get("/rest/v1/subscription_tiers?select=tier").statusCode())
                        .isEqualTo(200);
            }
        }
    }

    private static List<String> loginRoles(EmbeddedDatabase cluster, String password) throws Exception {
        List<String> roles = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(cluster.target().jdbcUrl(), "postgres", password);
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("select rolname || '=' || shobj_description(oid, 'pg_authid') from pg_roles "
                                + "where rolname like 'atelier_authenticator%'")) {
            while (rs.next()) {
                roles.add(rs.getString(1));
            }
        }
        return roles;
    }

    /** One Atelier server on a fixed port, restarted in place; its traffic counts answers by status. */
    private static final class Node implements AutoCloseable {
        final String name;
        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        private final Map<String, String> env;
        private final Path dataDir;
        private final int port;
        private final HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        private volatile ServerProcess process;
        private volatile String anonKey;

        Node(String name, Map<String, String> env, Path dataDir) throws Exception {
            this.name = name;
            this.env = env;
            this.dataDir = dataDir;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                this.port = probe.getLocalPort();
            }
        }

        void start() throws Exception {
            Files.createDirectories(dataDir);
            ServerProcess started = ServerProcess.start(
                    env, "serve", "--data-dir", dataDir.toString(), "--port", Integer.toString(port));
            started.awaitApiUrl(START);
            anonKey = started.stdout()
                    .lines()
                    .map(String::trim)
                    .filter(l -> l.startsWith("anon key:"))
                    .map(l -> l.substring("anon key:".length()).trim())
                    .findFirst()
                    .orElseThrow();
            process = started;
        }

        void restart() throws Exception {
            process.stop();
            start();
        }

        void kill9AndStart() throws Exception {
            process.kill9();
            start();
        }

        /** Reads a table and the health check once; a server that is down (restarting) is not counted. */
        void trafficRound() {
            if (process == null) {
                return;
            }
            for (String path : List.of("/rest/v1/subscription_tiers?select=tier", "/health")) {
                try {
                    int status = get(path).statusCode();
                    statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                } catch (java.io.IOException down) {
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        HttpResponse<String> get(String path) throws java.io.IOException, InterruptedException {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("apikey", anonKey == null ? "" : anonKey)
                            .header("Accept-Profile", "algorhythmic")
                            .timeout(Duration.ofSeconds(20))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        int served() {
            return statuses.getOrDefault(200, new AtomicInteger()).get();
        }

        @Override
        public void close() {
            if (process != null) {
                process.close();
            }
        }
    }
}
