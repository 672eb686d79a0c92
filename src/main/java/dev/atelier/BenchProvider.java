package dev.atelier;

import dev.atelier.platform.ai.AiCall;
import dev.atelier.platform.ai.AiException;
import dev.atelier.platform.ai.AiProvider;
import dev.atelier.platform.ai.AiProviders;
import dev.atelier.platform.ai.ImagePrompt;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code atelier bench provider [--threads T] [--seconds S] [--size PX]}: the built-in provider
 * alone, rendering Algorhythmic art (a DNA vector, a square image of PX) on T threads for S
 * seconds after a warm-up. What {@code bench/generation} measures end to end, minus the platform.
 */
final class BenchProvider {

    private BenchProvider() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        int threads = 8;
        int seconds = 30;
        int size = 1024;
        try {
            for (int i = 1; i < args.size(); i += 2) {
                String name = args.get(i);
                int value = Integer.parseInt(args.get(i + 1));
                switch (name) {
                    case "--threads" -> threads = value;
                    case "--seconds" -> seconds = value;
                    case "--size" -> size = value;
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
                if (value < 1) {
                    throw new IllegalArgumentException(name + " must be at least 1");
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("atelier: " + (e.getMessage() == null ? "an option needs a value" : e.getMessage()));
            err.println("atelier: usage: bench provider [--threads T] [--seconds S] [--size PX]");
            return 2;
        }
        AiProvider provider = AiProviders.localProvider();
        int px = size;
        try {
            for (int i = 0; i < 20; i++) { // warm-up: JIT
                render(provider, px, i);
            }
            AtomicLong renders = new AtomicLong();
            AtomicLong nanos = new AtomicLong();
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            long began = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t * 1_000_000;
                workers.add(pool.submit(() -> {
                    for (int n = offset; System.nanoTime() < deadline; n++) {
                        long t0 = System.nanoTime();
                        render(provider, px, n);
                        nanos.addAndGet(System.nanoTime() - t0);
                        renders.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
            pool.shutdown();
            double wall = (System.nanoTime() - began) / 1e9;
            out.printf(
                    "{\"threads\": %d, \"seconds\": %.1f, \"size\": %d, \"renders\": %d, \"per_second\": %.2f,"
                            + " \"mean_ms\": %.1f}%n",
                    threads, wall, px, renders.get(), renders.get() / wall, nanos.get() / 1e6 / renders.get());
            return 0;
        } catch (Exception e) {
            err.println("atelier: bench provider failed: " + e);
            return 1;
        }
    }

    private static void render(AiProvider provider, int size, int n) throws AiException {
        SplittableRandom random = new SplittableRandom(n);
        List<Double> dna = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            dna.add(random.nextDouble());
        }
        provider.image(
                new AiCall("algorhythmic", "art", "bench:" + n, Duration.ofMinutes(1)),
                new ImagePrompt("bench " + n, n, size, size, dna, null));
    }
}
