package bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.atelier.platform.flags.FlagContext;
import dev.atelier.platform.flags.FlagEngine;
import dev.atelier.platform.flags.FlagJson;
import dev.atelier.platform.flags.FlagModel;
import io.getunleash.DefaultUnleash;
import io.getunleash.Unleash;
import io.getunleash.UnleashContext;
import io.getunleash.repository.ToggleBootstrapFileProvider;
import io.getunleash.util.UnleashConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Flag evaluations per second, side by side in one JVM: Atelier's engine in process
 * (dev.atelier.platform.flags.FlagEngine on the snapshot its server serves), the official Unleash
 * Java SDK evaluating offline from a bootstrap file of the same /api/client/features JSON, and
 * Atelier over HTTP (POST /api/v1/rotation/flags/evaluate). Same flags, same contexts, same order.
 *   java bench.FlagsBench <atelier url> <service key> [seconds per round] [http clients]
 */
public final class FlagsBench {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] FLAGS = {
        "bench.boolean", "bench.percentage", "bench.users", "bench.rollout", "bench.constraints",
        "bench.variants", "bench.ip", "bench.user-ids", "bench.date", "bench.numbers"
    };
    static volatile boolean sink;

    record Ctx(Map<String, String> fields, ObjectNode json, FlagContext atelier, UnleashContext unleash) {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String key = args[1];
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        HttpClient http = HttpClient.newHttpClient();

        for (String body : flagDefinitions()) {
            HttpResponse<String> r = http.send(
                    post(url + "/api/v1/rotation/flags", key, body), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201 && r.statusCode() != 409) {
                throw new IllegalStateException("creating a flag: " + r.statusCode() + " " + r.body());
            }
        }
        HttpResponse<String> features = http.send(
                HttpRequest.newBuilder(URI.create(url + "/api/client/features"))
                        .header("Authorization", key)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Path bootstrap = Files.createTempFile("atelier-features", ".json");
        Files.writeString(bootstrap, features.body());
        FlagModel.Snapshot snapshot = FlagJson.state(JSON.readTree(features.body()));

        // a backup file that does not exist yet: the SDK then starts from the bootstrap file
        Path backup = Files.createTempDirectory("unleash").resolve("backup.json");
        UnleashConfig config = UnleashConfig.builder()
                .appName("bench")
                .instanceId("bench")
                .unleashAPI("http://127.0.0.1:9/api/") // never reached: no polling, no metrics
                .disablePolling()
                .disableMetrics()
                .synchronousFetchOnInitialisation(false)
                .backupFile(backup.toString())
                .toggleBootstrapProvider(new ToggleBootstrapFileProvider(bootstrap.toString()))
                .build();
        Unleash unleash = new DefaultUnleash(config);
        int known = unleash.more().getFeatureToggleNames().size();
        if (known < FLAGS.length) {
            throw new IllegalStateException("the SDK loaded " + known + " toggles from the bootstrap file");
        }

        List<Ctx> contexts = contexts(1000);
        int disagreements = 0;
        long yes = 0;
        for (Ctx c : contexts) {
            for (String f : FLAGS) {
                boolean a = FlagEngine.isEnabled(snapshot, f, c.atelier());
                boolean u = unleash.isEnabled(f, c.unleash());
                yes += a ? 1 : 0;
                if (a != u) {
                    disagreements++;
                }
                if (f.equals("bench.variants")) {
                    String av = FlagEngine.variant(snapshot, f, c.atelier()).name();
                    String uv = unleash.getVariant(f, c.unleash()).getName();
                    if (!av.equals(uv)) {
                        disagreements++;
                    }
                }
            }
        }
        System.out.printf(
                "agreement: %d contexts x %d flags (+ variants), %d on, %d disagreements%n",
                contexts.size(), FLAGS.length, yes, disagreements);

        String sdk = "Unleash Java SDK " + DefaultUnleash.class.getPackage().getImplementationVersion();
        Eval atelier = c -> FlagEngine.isEnabled(snapshot, pick(c), c.atelier());
        Eval sdkEval = c -> unleash.isEnabled(pick(c), c.unleash());
        // warm both up, then interleave them in 100 ms slices for the whole measurement, so that
        // both see the same machine (other processes come and go on a shared 2-core box); the rate
        // is per CPU second of the measuring thread (and per wall second, for reference)
        slice(contexts, atelier, 2000, new long[3]);
        slice(contexts, sdkEval, 2000, new long[3]);
        long[] a = new long[3];
        long[] u = new long[3];
        long until = System.nanoTime() + seconds * 2_000_000_000L;
        while (System.nanoTime() < until) {
            slice(contexts, atelier, 100, a);
            slice(contexts, sdkEval, 100, u);
        }
        double httpRate = http(url, key, contexts, clients, seconds);
        unleash.shutdown();

        double aCpu = a[0] / (a[1] / 1e9);
        double uCpu = u[0] / (u[1] / 1e9);
        System.out.printf("in process, 1 thread, interleaved 100 ms slices for %d s each:%n", seconds);
        System.out.printf(
                "  %-28s %,14.0f evaluations per CPU second   (%,.0f per wall second)%n",
                "Atelier FlagEngine", aCpu, a[0] / (a[2] / 1e9));
        System.out.printf(
                "  %-28s %,14.0f evaluations per CPU second   (%,.0f per wall second)%n",
                sdk, uCpu, u[0] / (u[2] / 1e9));
        System.out.printf("  ratio Atelier / SDK: %.1fx (target >= 10)%n", aCpu / uCpu);
        System.out.printf(
                "through HTTP, POST /api/v1/rotation/flags/evaluate, %d clients, %d s: %,.0f evaluations/s%n",
                clients, seconds, httpRate);
        System.exit(0);
    }

    interface Eval {
        boolean eval(Ctx c);
    }

    private static int turn;

    /** Cycles the flags as it cycles the contexts: every flag is asked of every context in turn. */
    private static String pick(Ctx c) {
        turn = turn == FLAGS.length - 1 ? 0 : turn + 1;
        return FLAGS[turn];
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** Evaluates for {@code millis} of wall time; adds evaluations, CPU and wall nanoseconds to {@code into}. */
    private static void slice(List<Ctx> contexts, Eval eval, long millis, long[] into) {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + millis * 1_000_000L;
        long n = 0;
        boolean acc = false;
        int size = contexts.size();
        int i = (int) (into[0] % size);
        while (true) {
            for (int k = 0; k < 200; k++) {
                acc ^= eval.eval(contexts.get(i));
                i = i + 1 == size ? 0 : i + 1;
            }
            n += 200;
            if (System.nanoTime() >= end) {
                break;
            }
        }
        sink = acc;
        into[0] += n;
        into[1] += THREADS.getCurrentThreadCpuTime() - cpu0;
        into[2] += System.nanoTime() - start;
    }

    private static double http(String url, String key, List<Ctx> contexts, int clients, int seconds)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().build();
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean measuring = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            int offset = t;
            Thread th = new Thread(() -> {
                int i = offset * 97;
                while (!stop.get()) {
                    Ctx c = contexts.get(i % contexts.size());
                    ObjectNode body = JSON.createObjectNode();
                    body.put("flag", FLAGS[i % FLAGS.length]);
                    body.set("context", c.json());
                    i++;
                    try {
                        HttpResponse<String> r = http.send(
                                post(url + "/api/v1/rotation/flags/evaluate", key, body.toString()),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException(r.statusCode() + " " + r.body());
                        }
                        if (measuring.get()) {
                            done.increment();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        Thread.sleep(2000); // warm-up
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        measuring.set(false);
        double rate = done.sum() / ((System.nanoTime() - start) / 1e9);
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        return rate;
    }

    static HttpRequest post(String url, String key, String body) {
        return HttpRequest.newBuilder(URI.create(url))
                .header("apikey", key)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    static List<Ctx> contexts(int n) {
        Random random = new Random(42);
        String[] countries = {"NO", "SE", "DK", "DE", "FR", "US"};
        List<Ctx> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String userId = Integer.toString(1 + random.nextInt(2000));
            String sessionId = Long.toHexString(random.nextLong());
            String ip = random.nextBoolean()
                    ? "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256)
                    : "192.168." + random.nextInt(256) + "." + random.nextInt(256);
            String country = countries[random.nextInt(countries.length)];
            String version = (1 + random.nextInt(3)) + "." + random.nextInt(10) + "." + random.nextInt(10);
            String age = Integer.toString(10 + random.nextInt(60));
            ObjectNode json = JSON.createObjectNode();
            json.put("userId", userId).put("sessionId", sessionId).put("remoteAddress", ip);
            json.putObject("properties").put("country", country).put("appVersion", version).put("age", age);
            UnleashContext u = UnleashContext.builder()
                    .userId(userId)
                    .sessionId(sessionId)
                    .remoteAddress(ip)
                    .addProperty("country", country)
                    .addProperty("appVersion", version)
                    .addProperty("age", age)
                    .build();
            out.add(new Ctx(Map.of(), json, FlagContext.of(json), u));
        }
        return out;
    }

    static List<String> flagDefinitions() {
        String userIds = String.join(",", java.util.stream.IntStream.rangeClosed(1, 200).mapToObj(Integer::toString)
                .toList());
        return List.of(
                "{\"key\":\"bench.boolean\",\"name\":\"b\",\"flag_type\":\"boolean\",\"is_enabled\":true}",
                "{\"key\":\"bench.percentage\",\"name\":\"p\",\"flag_type\":\"percentage\",\"is_enabled\":true,"
                        + "\"rollout_percentage\":30}",
                "{\"key\":\"bench.users\",\"name\":\"u\",\"flag_type\":\"user_list\",\"is_enabled\":true,"
                        + "\"target_users\":[" + userIds + "]}",
                strategies("bench.rollout", "[{\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"50\","
                        + "\"stickiness\":\"userId\",\"groupId\":\"g\"}}]", "[]"),
                strategies("bench.constraints", "[{\"name\":\"default\",\"constraints\":["
                        + "{\"contextName\":\"country\",\"operator\":\"IN\",\"values\":[\"NO\",\"SE\",\"DK\"]},"
                        + "{\"contextName\":\"appVersion\",\"operator\":\"SEMVER_GT\",\"value\":\"2.0.0\"}]}]", "[]"),
                strategies("bench.variants", "[{\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"100\","
                        + "\"stickiness\":\"default\",\"groupId\":\"v\"}}]",
                        "[{\"name\":\"a\",\"weight\":500,\"weightType\":\"variable\",\"stickiness\":\"default\"},"
                        + "{\"name\":\"b\",\"weight\":500,\"weightType\":\"variable\",\"stickiness\":\"default\"}]"),
                strategies("bench.ip", "[{\"name\":\"remoteAddress\",\"parameters\":{\"IPs\":\"10.0.0.0/8, 192.168.1.1\"}}]",
                        "[]"),
                strategies("bench.user-ids", "[{\"name\":\"userWithId\",\"parameters\":{\"userIds\":\"" + userIds
                        + "\"}}]", "[]"),
                strategies("bench.date", "[{\"name\":\"default\",\"constraints\":[{\"contextName\":\"currentTime\","
                        + "\"operator\":\"DATE_AFTER\",\"value\":\"2020-01-01T00:00:00.000Z\"}]}]", "[]"),
                strategies("bench.numbers", "[{\"name\":\"default\",\"constraints\":[{\"contextName\":\"age\","
                        + "\"operator\":\"NUM_GTE\",\"value\":\"18\"},{\"contextName\":\"country\",\"operator\":"
                        + "\"STR_STARTS_WITH\",\"values\":[\"d\",\"n\"],\"caseInsensitive\":true}]}]", "[]"));
    }

    static String strategies(String key, String strategies, String variants) {
        return "{\"key\":\"" + key + "\",\"name\":\"s\",\"flag_type\":\"strategies\",\"is_enabled\":true,"
                + "\"strategies\":" + strategies + ",\"variants\":" + variants + "}";
    }

}
