package org.shockreg.mappings;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.shockreg.registry.curated.SourceTime;
import org.shockreg.registry.curated.TimePrecision;

/**
 * FHIR date/dateTime/instant to an instant. Offsets sent by the source are honoured; a time without
 * an offset and partial dates (year, year-month, date: the start of that period) are read in the
 * site's time zone (its mapping file's {@code time-zone}, else UTC), never in the JVM's, so the
 * result does not depend on where ShockReg runs and a European site's 08:30 is not shifted by one
 * or two hours against 6 h windows. {@link #time} also keeps how precisely the source gave the time
 * (a year, month or date is a period; derivations must not read its start as a moment).
 */
public final class FhirTimes {

  private static final FhirTimes UTC = new FhirTimes(ZoneOffset.UTC);

  private final ZoneId zone;

  private FhirTimes(ZoneId zone) {
    this.zone = zone;
  }

  /** Times read in {@code zone} when they carry no offset. */
  public static FhirTimes in(ZoneId zone) {
    return zone == null || ZoneOffset.UTC.equals(zone) ? UTC : new FhirTimes(zone);
  }

  public Instant instant(BaseDateTimeType value) {
    return SourceTime.at(time(value));
  }

  /** The time with its precision as sent, or null when absent or unreadable. */
  public SourceTime time(BaseDateTimeType value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    String s = value.getValueAsString();
    Instant at = read(s);
    return at == null ? null : new SourceTime(at, precision(s));
  }

  /**
   * The precision of a FHIR date/dateTime/instant string by its form: {@code 2026}, {@code
   * 2026-03}, {@code 2026-03-04}, then the time part ({@code 10:30}, {@code 10:30:15}, {@code
   * 10:30:15.250}) with or without an offset.
   */
  static TimePrecision precision(String s) {
    switch (s.length()) {
      case 4:
        return TimePrecision.YEAR;
      case 7:
        return TimePrecision.MONTH;
      case 10:
        return TimePrecision.DAY;
      default:
        int t = s.indexOf('T');
        if (t < 0) {
          return TimePrecision.DAY;
        }
        String time = s.substring(t + 1);
        int end = 0;
        while (end < time.length()
            && (Character.isDigit(time.charAt(end))
                || time.charAt(end) == ':'
                || time.charAt(end) == '.')) {
          end++;
        }
        String clock = time.substring(0, end);
        if (clock.contains(".")) {
          return TimePrecision.MILLI;
        }
        return clock.length() > 5 ? TimePrecision.SECOND : TimePrecision.MINUTE;
    }
  }

  /** In UTC (sources without a site zone). */
  public static Instant toInstant(BaseDateTimeType value) {
    return UTC.instant(value);
  }

  public static Instant parse(String s) {
    return UTC.read(s);
  }

  Instant read(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      switch (s.length()) {
        case 4:
          return Year.parse(s).atDay(1).atStartOfDay(zone).toInstant();
        case 7:
          return YearMonth.parse(s).atDay(1).atStartOfDay(zone).toInstant();
        case 10:
          return LocalDate.parse(s).atStartOfDay(zone).toInstant();
        default:
          if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")) {
            return OffsetDateTime.parse(s).toInstant();
          }
          return LocalDateTime.parse(s).atZone(zone).toInstant();
      }
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
