package org.shockreg.ingest.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Schedules are Quartz cron expressions taken as written (or durations). */
class QuartzCronTest {

  static Instant next(String cron, String after) {
    return PullSchedule.parse(cron).next(Instant.parse(after), ZoneOffset.UTC);
  }

  @Test
  void theNthWeekdayOfTheMonth_keepsItsNumber() {
    // the second Monday of December 2026 is the 14th (MON#2 was once rewritten to MON#3)
    assertThat(PullSchedule.parse("0 0 3 ? * MON#2").cron()).isEqualTo("0 0 3 ? * MON#2");
    assertThat(next("0 0 3 ? * MON#2", "2026-12-01T00:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-14T03:00:00Z"));
    assertThat(next("0 0 3 ? * 2#2", "2026-12-01T00:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-14T03:00:00Z"));
  }

  @Test
  void numericDaysOfWeek_areQuartzDays_sundayIsOne() {
    // 2026-12-05 is a Saturday: the next day 2 (Monday) is the 7th
    assertThat(next("0 30 2 ? * 2-6", "2026-12-05T12:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-07T02:30:00Z"));
    assertThat(next("0 0 3 ? * 1", "2026-12-05T12:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-06T03:00:00Z"));
    assertThat(next("0 0 3 ? * MON-FRI", "2026-12-05T12:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-07T03:00:00Z"));
  }

  @Test
  void starInBothDayFields_isReadAsEveryDay() {
    assertThat(PullSchedule.parse("0 0/15 * * * *").cron()).isEqualTo("0 0/15 * * * ?");
    assertThat(next("0 0/15 * * * *", "2026-12-05T12:01:00Z"))
        .isEqualTo(Instant.parse("2026-12-05T12:15:00Z"));
  }

  @Test
  void quartzExtras_lastDayAndYear_areAccepted_andNonsenseIsRefused() {
    assertThat(next("0 0 2 L * ?", "2026-12-05T00:00:00Z"))
        .isEqualTo(Instant.parse("2026-12-31T02:00:00Z"));
    assertThat(PullSchedule.parse("0 0 2 1 * ? 2027").isCron()).isTrue();
    assertThatThrownBy(() -> PullSchedule.parse("0 2 * * 9"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PullSchedule.parse("0 0 2 1 * MON"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PullSchedule.parse("15m").interval()).hasMinutes(15);
  }
}
