package org.shockreg.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IntakeActivityTest {

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now;

    TestClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void countsPerMinute_fromTheOutcomeCounters_acrossChannels() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TestClock clock = new TestClock(Instant.parse("2026-12-05T10:00:10Z"));
    IntakeActivity activity = new IntakeActivity(meters, clock);
    activity.sample();
    meters
        .counter("shockreg.intake.outcomes", "channel", "http", "outcome", "received")
        .increment(10);
    meters
        .counter("shockreg.intake.outcomes", "channel", "mllp", "outcome", "received")
        .increment(5);
    meters
        .counter("shockreg.intake.outcomes", "channel", "http", "outcome", "rejected")
        .increment(2);
    clock.now = clock.now.plus(Duration.ofMinutes(1));
    activity.sample();
    meters
        .counter("shockreg.intake.outcomes", "channel", "http", "outcome", "received")
        .increment(3);

    List<Map<String, Object>> rows = activity.minutes();
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0))
        .containsEntry("minute", "2026-12-05T10:00:00Z")
        .containsEntry("received", 15L)
        .containsEntry("rejected", 2L)
        .containsEntry("curated", 0L);
    // the current minute so far
    assertThat(rows.get(1))
        .containsEntry("minute", "2026-12-05T10:01:00Z")
        .containsEntry("received", 3L);
  }

  @Test
  void keepsTheLastHourOnly() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TestClock clock = new TestClock(Instant.parse("2026-12-05T10:00:00Z"));
    IntakeActivity activity = new IntakeActivity(meters, clock);
    for (int i = 0; i < 90; i++) {
      activity.sample();
      clock.now = clock.now.plus(Duration.ofMinutes(1));
    }
    assertThat(activity.minutes()).hasSize(IntakeActivity.MINUTES + 1);
  }
}
