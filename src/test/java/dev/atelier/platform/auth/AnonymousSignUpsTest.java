package dev.atelier.platform.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The cap on anonymous sign-ups: per address and in all, in a sliding hour. */
class AnonymousSignUpsTest {

    @Test
    void anAddressGetsItsQuotaPerSlidingHourAndTheTotalCapsEveryone() {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        Clock[] clock = {Clock.fixed(start, ZoneOffset.UTC)};
        Clock moving = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return clock[0].instant();
            }
        };
        AnonymousSignUps limit = new AnonymousSignUps(moving, 3, 5);
        for (int i = 0; i < 3; i++) {
            limit.admit("10.0.0.1");
        }
        assertThatThrownBy(() -> limit.admit("10.0.0.1"))
                .isInstanceOfSatisfying(
                        AuthError.class, e -> assertThat(e.status).isEqualTo(429));
        limit.admit("10.0.0.2");
        limit.admit("10.0.0.3");
        assertThatThrownBy(() -> limit.admit("10.0.0.4")).isInstanceOf(AuthError.class);
        clock[0] = Clock.fixed(start.plus(Duration.ofMinutes(61)), ZoneOffset.UTC);
        limit.admit("10.0.0.1");
    }
}
