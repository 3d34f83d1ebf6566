package org.shockreg.server.fhir;

import static org.shockreg.server.fhir.RegistryCodeSystems.*;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Quantity;

/**
 * JSON text pieces as HAPI's parser writes them for the curated shapes ({@link CuratedJsonWriter}):
 * codings, quantities, references, ids, strings escaped as Jackson escapes them, UTC times.
 * Anything HAPI would write differently (a blank string, an id it would rewrite) throws {@link
 * NotCovered}.
 */
final class JsonText {

  private JsonText() {}

  private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

  /** Thrown (without a stack trace) for a row the streaming writer leaves to HAPI. */
  static final class NotCovered extends Exception {
    NotCovered() {
      super(null, null, false, false);
    }
  }

  static final NotCovered NOT_COVERED = new NotCovered();

  /** {@code meta.tag}: one data-flag coding per flag of a {@code text[]} column (empty: none). */
  static void tags(StringBuilder out, ResultSet rs, int column) throws SQLException, NotCovered {
    String text = rs.getString(column);
    if (text == null || text.equals("{}")) {
      return;
    }
    Object[] values = (Object[]) rs.getArray(column).getArray();
    if (values.length == 0) {
      return;
    }
    out.append(",\"tag\":[");
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        throw NOT_COVERED;
      }
      if (i > 0) {
        out.append(',');
      }
      coding(out, DATA_FLAG, values[i].toString(), null);
    }
    out.append(']');
  }

  static void coding(StringBuilder out, String system, String code, String display)
      throws NotCovered {
    out.append('{');
    boolean first = field(out, true, "system", system);
    first = field(out, first, "code", code);
    field(out, first, "display", display);
    out.append('}');
  }

  /**
   * Appends {@code "name":"value"} unless value is null; answers whether nothing was written yet.
   */
  static boolean field(StringBuilder out, boolean first, String name, String value)
      throws NotCovered {
    if (value == null) {
      return first;
    }
    if (!first) {
      out.append(',');
    }
    out.append('"').append(name).append("\":");
    str(out, value);
    return false;
  }

  /**
   * A UCUM quantity as the mapper builds it ({@code ucum}), or an original quantity (unit only).
   */
  static void quantity(
      StringBuilder out,
      BigDecimal value,
      Quantity.QuantityComparator comparator,
      String unit,
      boolean ucum)
      throws NotCovered {
    out.append("{\"value\":").append(value.toString());
    if (comparator != null) {
      out.append(",\"comparator\":\"").append(comparator.toCode()).append('"');
    }
    field(out, false, "unit", unit);
    if (ucum) {
      out.append(",\"system\":\"").append(UCUM).append('"');
      field(out, false, "code", unit);
    }
    out.append('}');
  }

  static Quantity.QuantityComparator comparator(String code) {
    return code == null ? null : Quantity.QuantityComparator.fromCode(code);
  }

  /** A reference HAPI writes unchanged: {@code Type/id} with a plain FHIR id. */
  static void reference(StringBuilder out, String prefix, String ref) throws NotCovered {
    if (ref == null) {
      throw NOT_COVERED;
    }
    String id = ref;
    if (prefix.isEmpty()) {
      int slash = ref.indexOf('/');
      if (slash <= 0) {
        throw NOT_COVERED;
      }
      for (int i = 0; i < slash; i++) {
        char c = ref.charAt(i);
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
          throw NOT_COVERED;
        }
      }
      id = ref.substring(slash + 1);
    }
    checkId(id);
    out.append("{\"reference\":\"").append(prefix).append(ref).append("\"}");
  }

  static void id(StringBuilder out, String id) throws NotCovered {
    checkId(id);
    out.append('"').append(id).append('"');
  }

  private static final boolean[] ID_CHARS = new boolean[128];

  static {
    for (char c = 'A'; c <= 'Z'; c++) {
      ID_CHARS[c] = true;
      ID_CHARS[Character.toLowerCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      ID_CHARS[c] = true;
    }
    ID_CHARS['-'] = true;
    ID_CHARS['.'] = true;
  }

  /**
   * Only letters, digits, '-' and '.' (the FHIR id characters): needs no escaping, HAPI keeps it.
   */
  static void checkId(String id) throws NotCovered {
    if (id == null || id.isEmpty()) {
      throw NOT_COVERED;
    }
    for (int i = 0, n = id.length(); i < n; i++) {
      char c = id.charAt(i);
      if (c >= 128 || !ID_CHARS[c]) {
        throw NOT_COVERED;
      }
    }
  }

  /**
   * A {@code timestamptz} column as the driver's {@code getTimestamp} gives it, parsed straight
   * from the ISO text PostgreSQL sends ({@code 2025-05-03 20:49:00.123+02}): the driver's parse
   * goes through a Calendar and was the biggest single cost of a row. Anything else (before 1900,
   * where the driver's Julian calendar differs; BC; infinity; a binary value) is left to the
   * driver.
   */
  static Timestamp timestamp(ResultSet rs, int column) throws SQLException {
    String s = rs.getString(column);
    if (s == null) {
      return null;
    }
    Timestamp ts = parseTimestamp(s);
    return ts != null ? ts : rs.getTimestamp(column);
  }

  static Timestamp parseTimestamp(String s) {
    int n = s.length();
    if (n < 22
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != ' '
        || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 1900
        || month < 1
        || month > 12
        || day < 1
        || day > 31
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      return null;
    }
    int i = 19;
    int nanos = 0;
    if (s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        if (i - start < 9) {
          nanos = nanos * 10 + (s.charAt(i) - '0');
        }
        i++;
      }
      if (i == start) {
        return null;
      }
      for (int k = Math.min(i - start, 9); k < 9; k++) {
        nanos *= 10;
      }
    }
    if (i + 3 > n || (s.charAt(i) != '+' && s.charAt(i) != '-')) {
      return null;
    }
    int sign = s.charAt(i) == '+' ? 1 : -1;
    int offset = digits(s, i + 1, 2) * 3600;
    i += 3;
    if (i < n && s.charAt(i) == ':') {
      offset += digits(s, i + 1, 2) * 60;
      i += 3;
      if (i < n && s.charAt(i) == ':') {
        offset += digits(s, i + 1, 2);
        i += 3;
      }
    }
    if (i != n || offset < 0) {
      return null;
    }
    long epochDay;
    try {
      epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
    } catch (java.time.DateTimeException e) {
      return null;
    }
    long seconds = epochDay * 86400L + hour * 3600L + minute * 60L + second - sign * (long) offset;
    Timestamp ts = new Timestamp(seconds * 1000L);
    ts.setNanos(nanos);
    return ts;
  }

  /** The non-negative number of {@code len} digits at {@code from}, or a negative number. */
  private static int digits(String s, int from, int len) {
    if (from + len > s.length()) {
      return -1_000_000;
    }
    int v = 0;
    for (int i = from; i < from + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1_000_000;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /**
   * A JSON string as Jackson (HAPI's writer) escapes it; HAPI drops blank strings, so those are not
   * covered.
   */
  static void str(StringBuilder out, String s) throws NotCovered {
    boolean plain = true;
    boolean blank = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        plain = false;
      }
      if (blank && !Character.isWhitespace(c)) {
        blank = false;
      }
    }
    if (blank) {
      throw NOT_COVERED;
    }
    out.append('"');
    if (plain) {
      out.append(s);
    } else {
      out.append(JsonStringEncoder.getInstance().quoteAsString(s));
    }
    out.append('"');
  }

  /** {@code yyyy-MM-ddTHH:mm:ss+00:00}, HAPI's rendering of a second-precision UTC DateTimeType. */
  static void instant(StringBuilder out, Timestamp ts) {
    long seconds = Math.floorDiv(ts.getTime(), 1000L);
    LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC);
    int year = t.getYear();
    if (year < 1900 || year > 9999) {
      // the Julian calendar and odd years are HAPI's business
      out.append(
          new DateTimeType(Date.from(ts.toInstant()), TemporalPrecisionEnum.SECOND, UTC)
              .getValueAsString());
      return;
    }
    out.append(year).append('-');
    two(out, t.getMonthValue());
    out.append('-');
    two(out, t.getDayOfMonth());
    out.append('T');
    two(out, t.getHour());
    out.append(':');
    two(out, t.getMinute());
    out.append(':');
    two(out, t.getSecond());
    out.append("+00:00");
  }

  static void two(StringBuilder out, int n) {
    if (n < 10) {
      out.append('0');
    }
    out.append(n);
  }
}
