package org.shockreg.ingest.pull;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import java.util.TimeZone;
import org.quartz.CronExpression;
import org.springframework.boot.convert.DurationStyle;

/**
 * When a source runs: every {@code interval} (a duration such as {@code 5m}) or at the times of a
 * Quartz cron expression taken as written ({@code sec min hour day-of-month month day-of-week
 * [year]}, days of week {@code 1} = Sunday or {@code MON}, {@code MON#2}, {@code 6L}), since Quartz
 * runs the schedules. The one liberty: {@code *} in both day fields, which Quartz refuses, means
 * {@code ?} in the day of week. {@code cron} is that Quartz expression, else null.
 */
public record PullSchedule(String text, Duration interval, String cron) {

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
    String quartz = quartz(t);
    try {
      CronExpression.validateExpression(quartz);
    } catch (ParseException e) {
      throw new IllegalArgumentException(
          "'" + t + "' is not a Quartz cron expression: " + e.getMessage());
    }
    return new PullSchedule(t, null, quartz);
  }

  /**
   * The expression as written, with {@code * ... *} in the two day fields read as {@code * ... ?}.
   */
  static String quartz(String text) {
    String[] f = text.split("\\s+");
    if (f.length >= 6 && f[3].equals("*") && f[5].equals("*")) {
      f[5] = "?";
    }
    return String.join(" ", f);
  }

  public boolean isCron() {
    return cron != null;
  }

  /** The first fire time after {@code after}. */
  public Instant next(Instant after, ZoneId zone) {
    if (cron == null) {
      return after.plus(interval);
    }
    try {
      // CronExpression keeps parse state; a fresh one per call is cheap and thread-safe.
      CronExpression c = new CronExpression(cron);
      c.setTimeZone(TimeZone.getTimeZone(zone));
      Date n = c.getNextValidTimeAfter(Date.from(after));
      return n == null ? Instant.MAX : n.toInstant();
    } catch (ParseException e) {
      throw new IllegalStateException("validated cron expression no longer parses: " + cron, e);
    }
  }

  /** The nominal gap between runs (for cron: between the next two fire times). */
  public Duration nominalInterval(Instant from, ZoneId zone) {
    if (cron == null) {
      return interval;
    }
    Instant a = next(from, zone);
    Instant b = next(a, zone);
    return a.equals(Instant.MAX) || b.equals(Instant.MAX)
        ? Duration.ofHours(1)
        : Duration.between(a, b);
  }
}
