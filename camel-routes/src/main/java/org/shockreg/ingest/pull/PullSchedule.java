package org.shockreg.ingest.pull;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.scheduling.support.CronExpression;

/**
 * When a source runs: every {@code interval} (a duration such as {@code 5m}) or at the times of a
 * cron expression (Spring's six-field form, {@code 0 0/15 * * * *}; Quartz's {@code ?} is accepted).
 */
public record PullSchedule(String text, Duration interval, CronExpression cron) {

  /** Parses a schedule; throws {@link IllegalArgumentException} with a readable message. */
  public static PullSchedule parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty schedule");
    }
    if (!t.contains(" ")) {
      try {
        Duration d = DurationStyle.detectAndParse(t);
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("'" + t + "' must be a positive duration");
        }
        return new PullSchedule(t, d, null);
      } catch (IllegalArgumentException e) {
        if (e.getMessage() != null && e.getMessage().contains("positive")) {
          throw e;
        }
        throw new IllegalArgumentException(
            "'" + t + "' is neither a duration (5m, 30s, PT1H) nor a cron expression");
      }
    }
    try {
      return new PullSchedule(t, null, CronExpression.parse(t));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + t + "' is not a cron expression: " + e.getMessage());
    }
  }

  public boolean isCron() {
    return cron != null;
  }

  /** The first fire time after {@code after}. */
  public Instant next(Instant after, ZoneId zone) {
    if (cron == null) {
      return after.plus(interval);
    }
    ZonedDateTime n = cron.next(after.atZone(zone));
    return n == null ? Instant.MAX : n.toInstant();
  }

  /** The nominal gap between runs (for cron: between the next two fire times). */
  public Duration nominalInterval(Instant from, ZoneId zone) {
    if (cron == null) {
      return interval;
    }
    Instant a = next(from, zone);
    Instant b = next(a, zone);
    return a.equals(Instant.MAX) || b.equals(Instant.MAX) ? Duration.ofHours(1) : Duration.between(a, b);
  }
}
