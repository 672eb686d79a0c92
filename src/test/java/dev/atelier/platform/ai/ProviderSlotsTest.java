package dev.atelier.platform.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.platform.db.Database;
import dev.atelier.testing.OpenAiStub;
import dev.atelier.testing.Poll;
import dev.atelier.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The per-provider concurrency limit held in PostgreSQL: two {@link AiProviders} on one database
 * (two "servers") share it, waiting for a slot counts against the call's timeout, a live holder
 * keeps its slot past the lease by renewing it, and a killed holder's slot is free once its lease
 * runs out.
 */
class ProviderSlotsTest {

    private static final Database database = TestServer.get().component(Database.class);

    private static AiSettings lease(Duration lease) {
        return new AiSettings("", List.of(), Map.of(), lease);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static long nanosFromNow(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    @Test
    void twoServersTogetherStayWithinTheLimit() throws Exception {
        String name = unique("limited");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (OpenAiStub stub = OpenAiStub.start();
                AiProviders serverA = new AiProviders(lease(Duration.ofSeconds(10)), database);
                AiProviders serverB = new AiProviders(lease(Duration.ofSeconds(10)), database)) {
            stub.slow(Duration.ofMillis(150));
            AiProvider a = serverA.define(stub.settings(name).withMaxConcurrent(2));
            AiProvider b = serverB.define(stub.settings(name).withMaxConcurrent(2));
            long started = System.nanoTime();
            List<Future<Moderation>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                AiProvider p = i % 2 == 0 ? a : b;
                calls.add(pool.submit(() -> p.moderate(
                        new AiCall("test", "limit", "req-" + UUID.randomUUID(), Duration.ofSeconds(10)), "hello")));
            }
            for (Future<Moderation> call : calls) {
                assertThat(call.get(15, TimeUnit.SECONDS).action()).isEqualTo("allow");
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertThat(stub.requests()).isEqualTo(6);
            assertThat(stub.maxInFlight()).isEqualTo(2);
            assertThat(took).isGreaterThanOrEqualTo(3 * 150); // three rounds of two
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void waitingForASlotCountsAgainstTheCallTimeout() throws Exception {
        String name = unique("one-at-a-time");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (OpenAiStub stub = OpenAiStub.start();
                AiProviders server = new AiProviders(lease(Duration.ofSeconds(10)), database)) {
            stub.slow(Duration.ofMillis(1000));
            AiProvider p = server.define(stub.settings(name).withMaxConcurrent(1));
            Future<Moderation> first =
                    pool.submit(() -> p.moderate(new AiCall("test", "limit", "first", Duration.ofSeconds(5)), "hello"));
            Poll.until("the first call reached the stub", Duration.ofSeconds(5), () -> stub.requests() == 1);
            long started = System.nanoTime();
            assertThatThrownBy(() -> p.moderate(new AiCall("test", "limit", "second", Duration.ofMillis(250)), "hi"))
                    .isInstanceOfSatisfying(AiException.class, e -> {
                        assertThat(e.kind()).isEqualTo(AiException.Kind.TIMEOUT);
                        assertThat(e.getMessage()).contains("slots");
                    });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .isBetween(240L, 900L);
            assertThat(stub.requests()).isEqualTo(1);
            assertThat(first.get(5, TimeUnit.SECONDS).action()).isEqualTo("allow");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLiveHolderKeepsItsSlotAndAKilledOnesIsFreedAfterItsLease() throws Exception {
        Duration lease = Duration.ofMillis(300);
        String provider = unique("leased");
        try (ProviderSlots alive = new ProviderSlots(database, lease);
                ProviderSlots killed = new ProviderSlots(database, lease);
                ProviderSlots other = new ProviderSlots(database, lease)) {
            // A live server renews its lease: the slot stays taken well past one lease.
            try (ProviderSlots.Permit held = alive.acquire(provider, 1, "alive", nanosFromNow(Duration.ofSeconds(2)))) {
                assertThatThrownBy(() -> other.acquire(provider, 1, "waiter", nanosFromNow(Duration.ofMillis(800))))
                        .isInstanceOfSatisfying(
                                AiException.class, e -> assertThat(e.kind()).isEqualTo(AiException.Kind.TIMEOUT));
            }
            // Freed at once when the call ends.
            long started = System.nanoTime();
            other.acquire(provider, 1, "next", nanosFromNow(Duration.ofSeconds(2)))
                    .close();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .isLessThan(250);

            // A server killed while holding it: no release, no renewal.
            killed.acquire(provider, 1, "doomed", nanosFromNow(Duration.ofSeconds(2)));
            killed.halt();
            started = System.nanoTime();
            assertThatThrownBy(() -> other.acquire(provider, 1, "too-soon", nanosFromNow(Duration.ofMillis(100))))
                    .isInstanceOf(AiException.class);
            try (ProviderSlots.Permit taken =
                    other.acquire(provider, 1, "after-lease", nanosFromNow(Duration.ofSeconds(3)))) {
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertThat(waited).isBetween(150L, 1500L);
            }
        }
    }
}
