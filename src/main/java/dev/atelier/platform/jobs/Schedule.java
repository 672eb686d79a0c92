package dev.atelier.platform.jobs;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.scheduling.support.CronExpression;

/**
 * When a periodic job is due: a cron expression (UTC; five fields, or six with seconds first as
 * Spring writes them) or a fixed interval counted from the epoch, so every server computes the
 * same periods.
 */
public final class Schedule {

    /** The most missed periods {@link CatchUp#ALL} enqueues at once. */
    public static final int MAX_CATCH_UP = 100;

    private final String expression;
    private final @Nullable CronExpression cron;
    private final @Nullable Duration every;

    private Schedule(String expression, @Nullable CronExpression cron, @Nullable Duration every) {
        this.expression = expression;
        this.cron = cron;
        this.every = every;
    }

    public static Schedule cron(String expression) {
        String trimmed = expression.trim();
        String six = trimmed.split("\\s+").length == 5 ? "0 " + trimmed : trimmed;
        return new Schedule(trimmed, CronExpression.parse(six), null);
    }

    public static Schedule every(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        return new Schedule("every " + interval, null, interval);
    }

    public String expression() {
        return expression;
    }

    /** The first period start strictly after {@code after}. */
    Instant next(Instant after) {
        if (every != null) {
            long step = every.toMillis();
            long next = Math.floorDiv(after.toEpochMilli(), step) * step + step;
            return Instant.ofEpochMilli(next);
        }
        ZonedDateTime next = java.util.Objects.requireNonNull(cron).next(after.atZone(ZoneOffset.UTC));
        if (next == null) {
            return Instant.MAX;
        }
        return next.toInstant();
    }

    /** Period starts in (after, upTo], at most {@code limit} of the latest ones. */
    List<Instant> due(Instant after, Instant upTo, int limit) {
        List<Instant> due = new ArrayList<>();
        Instant at = next(after);
        while (!at.isAfter(upTo)) {
            due.add(at);
            if (due.size() > limit) {
                due.remove(0);
            }
            at = next(at);
        }
        return due;
    }
}
