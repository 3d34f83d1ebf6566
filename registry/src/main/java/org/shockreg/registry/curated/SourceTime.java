package org.shockreg.registry.curated;

import java.time.Instant;

/**
 * A time as a source gave it: the instant (for a year, month or date, the start of that period in
 * the site's time zone) and its precision.
 */
public record SourceTime(Instant at, TimePrecision precision) {

  public SourceTime {
    if (at == null || precision == null) {
      throw new IllegalArgumentException("a source time needs an instant and a precision");
    }
  }

  /** Only a year, month or date: a period, not a moment. */
  public boolean isDate() {
    return precision.isDate();
  }

  public static Instant at(SourceTime t) {
    return t == null ? null : t.at();
  }

  public static TimePrecision precision(SourceTime t) {
    return t == null ? null : t.precision();
  }
}
