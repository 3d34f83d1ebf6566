package org.shockreg.server.edc;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Export values as text, by item type ({@code integer}, {@code float}, {@code text}, {@code
 * datetime}, {@code boolean}). ODM gets ISO 8601 instants ({@code 2025-03-01T06:30:00Z}, an ODM
 * {@code datetime}); the REDCap CSV gets {@code 2025-03-01 06:30:00} in UTC, the import format of
 * REDCap's {@code datetime_seconds_ymd} validation. Booleans are {@code 1}/{@code 0} in both
 * (REDCap {@code yesno}, an {@code xs:boolean} in ODM). Null is the empty string.
 */
final class EdcValues {

  static final DateTimeFormatter REDCAP_DATETIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private EdcValues() {}

  static String csv(String type, Object value) {
    if (value instanceof Instant t && "datetime".equals(type)) {
      return REDCAP_DATETIME.format(t.truncatedTo(ChronoUnit.SECONDS));
    }
    return common(type, value);
  }

  static String odm(String type, Object value) {
    if (value instanceof Instant t) {
      return DateTimeFormatter.ISO_INSTANT.format(t);
    }
    return common(type, value);
  }

  private static String common(String type, Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Boolean b) {
      return "boolean".equals(type) ? (b ? "1" : "0") : b.toString();
    }
    if (value instanceof Number n) {
      BigDecimal d = n instanceof BigDecimal bd ? bd : new BigDecimal(n.toString());
      if ("integer".equals(type)) {
        d = d.setScale(0, RoundingMode.HALF_UP);
      }
      return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }
    if (value instanceof Instant t) {
      return DateTimeFormatter.ISO_INSTANT.format(t);
    }
    return value.toString();
  }
}
