package dev.atelier;

import dev.atelier.platform.db.Caller;
import dev.atelier.platform.db.Database;
import dev.atelier.platform.ratelimit.Identifiers;
import dev.atelier.platform.ratelimit.RateLimiter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code atelier bench ratelimit [--clients 1,8,32] [--seconds S] [--leases on|off|both]}: rate-limit checks per second
 * through HTTP ({@code GET /auth/v1/health} under a rule that counts by address and never refuses;
 * each client its own address, sent as X-Forwarded-For through 127.0.0.1 as a trusted proxy), the
 * same requests from an exempt address (HTTP alone, no check) and the limiter called in process.
 * On DATABASE_URL when set (bench/ratelimit/run.sh runs bucket4j on the same database), else on
 * an embedded database in a temporary directory.
 */
final class BenchRateLimit {

    static final String PATH = "/auth/v1/health";
    private static final String EXEMPT = "10.255.255.255";

    private BenchRateLimit() {}

    @FunctionalInterface
    interface Check {
        boolean run(int client) throws Exception;
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        List<Integer> clients = List.of(1, 8, 32);
        int seconds = 5;
        boolean[] modes = {false, true};
        try {
            for (int i = 1; i < args.size(); i += 2) {
                String value = args.get(i + 1);
                switch (args.get(i)) {
                    case "--clients" ->
                        clients = java.util.Arrays.stream(value.split(","))
                                .map(String::trim)
                                .map(Integer::parseInt)
                                .toList();
                    case "--seconds" -> seconds = Integer.parseInt(value);
                    case "--leases" ->
                        modes = switch (value) {
                            case "off" -> new boolean[] {false};
                            case "on" -> new boolean[] {true};
                            case "both" -> new boolean[] {false, true};
                            default -> throw new IllegalArgumentException("--leases on|off|both");
                        };
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i));
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            err.println(
                    "atelier: usage: bench ratelimit [--clients 1,8,32] [--seconds S] [--leases on|off|both] [--leases on|off|both]");
            return 2;
        }
        System.setProperty("atelier.http.trusted-proxies", "127.0.0.1/32");
        System.setProperty("atelier.ratelimit.exempt", EXEMPT + "/32");
        try {
            // By default first every check counted in PostgreSQL, then with leases (the default;
            // ADR 17): the bench rule's limit is large, so a check counts 1,000 places at once.
            // Both servers run in this one JVM, so the second finds the code compiled already.
            for (boolean leases : modes) {
                System.setProperty("atelier.ratelimit.leases", Boolean.toString(leases));
                out.println(leases ? "== leases on (the default)" : "== leases off: every check counted in PostgreSQL");
                try (Server server = BenchJobs.benchServer()) {
                    bench(server, clients, seconds, leases ? " leased" : "", out);
                }
            }
            return 0;
        } catch (Exception e) {
            err.println("atelier: bench failed: " + e);
            return 1;
        }
    }

    static void bench(Server server, List<Integer> clientCounts, int seconds, String mode, PrintStream out)
            throws Exception {
        Database database = server.component(Database.class);
        RateLimiter limiter = server.component(RateLimiter.class);
        rule(
                database,
                "insert into platform.rate_limit_rules (name, identifier_type, endpoint_pattern,"
                        + " requests_per_window, window_seconds) values ('bench.ratelimit', 'ip', 'GET " + PATH
                        + "', 2000000000, 3600) on conflict (name) do nothing");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!limiter.hasRule("bench.ratelimit")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the bench rule was not loaded");
            }
            Thread.sleep(20); // polling the listener's reload, not waiting for a result
        }
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create(server.apiUrl() + PATH);
        try {
            // A server that has run a while has its request path compiled: 15 s of requests first
            // (3 s left a cold JVM's 1-client figure at a quarter of a warm one's).
            measure("warm-up", 8, 12, out, c -> limited(http, uri, address(c)));
            measure("warm-up", 1, 3, out, c -> limited(http, uri, address(c)));
            for (int clients : clientCounts) {
                long[] before = limiter.countedAndStatements();
                measure("atelier http" + mode, clients, seconds, out, c -> limited(http, uri, address(c)));
                batches(limiter, before, out);
                measure("http alone (exempt)", clients, seconds, out, c -> !limited(http, uri, EXEMPT));
                long[] inProcess = limiter.countedAndStatements();
                measure(
                        "atelier in-process" + mode,
                        clients,
                        seconds,
                        out,
                        c -> limiter.request("GET", PATH, new Identifiers(address(c), null, null, null, null))
                                .limited());
                batches(limiter, inProcess, out);
            }
        } finally {
            rule(database, "delete from platform.rate_limit_rules where name = 'bench.ratelimit'");
            rule(database, "delete from platform.rate_limit_counters where key like 'bench.ratelimit|%'");
        }
    }

    /**
     * How many database checks one statement counted on average (the combining of concurrent
     * checks at work), and how many database checks there were (with leases, far fewer than
     * requests).
     */
    private static void batches(RateLimiter limiter, long[] before, PrintStream out) {
        long[] after = limiter.countedAndStatements();
        long statements = after[1] - before[1];
        out.printf(
                "%-28s %.1f checks per statement, %,d database checks%n",
                "", statements == 0 ? 0.0 : (after[0] - before[0]) / (double) statements, after[0] - before[0]);
    }

    private static String address(int client) {
        return "10.1." + (client / 250) + "." + (client % 250 + 1);
    }

    /** One request; whether the limiter counted it (its answer carries the RateLimit field). */
    private static boolean limited(HttpClient http, URI uri, String from) throws IOException, InterruptedException {
        HttpResponse<Void> r = http.send(
                HttpRequest.newBuilder(uri)
                        .header("X-Forwarded-For", from)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("answer " + r.statusCode());
        }
        return r.headers().firstValue("RateLimit").isPresent();
    }

    static void measure(String name, int clients, int seconds, PrintStream out, Check check) throws Exception {
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                running.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        if (!check.run(client)) {
                            throw new IllegalStateException(name + ": a request was not checked as expected");
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
            out.printf("%-28s clients=%-3d %,12.0f checks/s%n", name.replace(' ', '_'), clients, rate);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void rule(Database database, String sql) throws SQLException {
        database.transaction(Caller.serviceRole(), tx -> {
            try (PreparedStatement s = tx.connection().prepareStatement(sql)) {
                return s.executeUpdate();
            }
        });
    }
}
