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

/**
 * FHIR date/dateTime/instant to an instant. Offsets sent by the source are honoured; a time
 * without an offset and partial dates (year, year-month, date: the start of that period) are read
 * in the site's time zone (its mapping file's {@code time-zone}, else UTC), never in the JVM's, so
 * the result does not depend on where ShockReg runs and a European site's 08:30 is not shifted by
 * one or two hours against 6 h windows.
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
    if (value == null || value.isEmpty()) {
      return null;
    }
    return read(value.getValueAsString());
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
