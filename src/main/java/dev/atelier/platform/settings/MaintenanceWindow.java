package dev.atelier.platform.settings;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A row of {@code rotation.maintenance_windows} that is not over. It is active while
 * {@code startsAt <= now < endsAt} (and not cancelled or completed, which the snapshot leaves
 * out). Its scope: every write when {@code services} is empty, else the writes whose service tags
 * (see docs/adr/0016) include one of them; a {@code feature} window must name its services.
 */
public record MaintenanceWindow(
        int id,
        String title,
        @Nullable String description,
        String type,
        List<String> services,
        Instant startsAt,
        Instant endsAt,
        boolean emergency,
        String status,
        String impact) {

    public boolean activeAt(Instant now) {
        return !now.isBefore(startsAt) && now.isBefore(endsAt);
    }

    public boolean appliesTo(Set<String> tags) {
        if (services.isEmpty()) {
            return !type.equals("feature");
        }
        for (String s : services) {
            if (tags.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** Whole seconds until the window ends (the Retry-After of a refused write), at least 1. */
    public long retryAfterSeconds(Instant now) {
        long millis = java.time.Duration.between(now, endsAt).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }
}
