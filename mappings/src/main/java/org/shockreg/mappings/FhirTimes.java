package org.shockreg.mappings;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.hl7.fhir.r4.model.BaseDateTimeType;

/**
 * FHIR date/dateTime/instant to an instant in UTC. Offsets sent by the source are honoured; partial
 * dates (year, year-month, date) are read as the start of that period in UTC, never in the JVM's
 * zone, so the result does not depend on where ShockReg runs.
 */
public final class FhirTimes {

  private FhirTimes() {}

  public static Instant toInstant(BaseDateTimeType value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    return parse(value.getValueAsString());
  }

  public static Instant parse(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      switch (s.length()) {
        case 4:
          return Year.parse(s).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        case 7:
          return YearMonth.parse(s).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        case 10:
          return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC);
        default:
          if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$")) {
            return OffsetDateTime.parse(s).toInstant();
          }
          return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
