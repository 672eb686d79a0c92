import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP side of bench/ledger: C clients, each in a loop of POST /api/v1/algorhythmic/credits/spend
 * {"amount":1} with a fresh Idempotency-Key, as one of the users in the tokens file, for S seconds
 * (after one warm-up second). Prints "spends/s <n> errors <e>".
 *
 * Usage: java SpendLoad.java BASE_URL ANON_KEY TOKENS_FILE CLIENTS SECONDS
 */
public class SpendLoad {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        String anon = args[1];
        List<String> tokens = Files.readAllLines(Path.of(args[2])).stream().filter(t -> !t.isBlank()).toList();
        int clients = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        long[] counted = new long[2];
        Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads[c] = new Thread(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    String token = tokens.get((int) ((client + n * clients) % tokens.size()));
                    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/algorhythmic/credits/spend"))
                            .header("apikey", anon)
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .header("Idempotency-Key", "bench-" + client + "-" + n + "-" + System.nanoTime())
                            .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":1,\"description\":\"bench\"}"))
                            .build();
                    n++;
                    boolean good;
                    try {
                        good = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (Exception e) {
                        good = false;
                    }
                    long now = System.nanoTime();
                    if (now > warmEnd && now <= end) {
                        (good ? ok : errors).incrementAndGet();
                    }
                }
            });
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf("spends/s %.1f errors %d%n", ok.get() / (double) seconds, errors.get());
    }
}
