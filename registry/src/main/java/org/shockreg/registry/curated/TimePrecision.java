package org.shockreg.registry.curated;

/**
 * How precisely a source gave a time (FHIR's TemporalPrecisionEnum): a year, a month or a date is a
 * period, not a moment; its instant is the start of that period in the site's time zone. Stored in
 * the {@code *_precision} columns as {@link #column()}: null for seconds or finer, so rows curated
 * before precision was kept read as precise.
 */
public enum TimePrecision {
  YEAR,
  MONTH,
  DAY,
  MINUTE,
  SECOND,
  MILLI;

  /** A calendar period (year, month or date): served as a FHIR date, never used as a moment. */
  public boolean isDate() {
    return this == YEAR || this == MONTH || this == DAY;
  }

  /** The stored value: {@code year|month|day|minute}, or null for seconds or finer. */
  public String column() {
    return this == SECOND || this == MILLI ? null : name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The precision a stored column value names; null (seconds or finer) reads as SECOND. */
  public static TimePrecision ofColumn(String stored) {
    return stored == null ? SECOND : valueOf(stored.toUpperCase(java.util.Locale.ROOT));
  }

  /** Null-safe {@link #column()}. */
  public static String column(TimePrecision p) {
    return p == null ? null : p.column();
  }

  /** Null-safe {@link #isDate()}. */
  public static boolean isDate(TimePrecision p) {
    return p != null && p.isDate();
  }
}
