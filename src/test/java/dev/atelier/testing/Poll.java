package dev.atelier.testing;

import java.time.Duration;

/**
 * Waiting for something outside the test JVM to happen (a process to print its banner, a server to
 * come back, traffic to reach a count): the condition is checked every few milliseconds until it
 * holds or the deadline passes. The only place the tests sleep, and never to let time pass for its
 * own sake: a test that needs a later timestamp takes it from the database's clock or sets it.
 */
public final class Poll {

    private static final Duration INTERVAL = Duration.ofMillis(20);

    private Poll() {}

    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Returns once {@code condition} holds; an AssertionError naming {@code what} if it did not within {@code timeout}. */
    public static void until(String what, Duration timeout, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            backOff();
        }
    }

    /** A short pause before trying again something that just failed because another process is not ready. */
    public static void backOff() throws InterruptedException {
        Thread.sleep(INTERVAL.toMillis());
    }
}
