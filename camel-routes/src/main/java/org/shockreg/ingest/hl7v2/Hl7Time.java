package org.shockreg.ingest.hl7v2;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HL7 v2 DTM/TS values ({@code YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]}) as FHIR dateTime text. A
 * time with an offset keeps it; one without is written without, so the mapping engine reads it in
 * the site's time zone like any FHIR time without offset (docs/local-codes.md "time-zone").
 */
final class Hl7Time {

  private static final Pattern DTM =
      Pattern.compile(
          "(\\d{4})(\\d{2})?(\\d{2})?(\\d{2})?(\\d{2})?(\\d{2})?(?:\\.(\\d{1,4}))?([+-]\\d{4})?");

  private Hl7Time() {}

  /** The FHIR dateTime for an HL7 time, or null when the value is no time. */
  static String fhir(String hl7) {
    if (hl7 == null) {
      return null;
    }
    Matcher m = DTM.matcher(hl7.trim());
    if (!m.matches()) {
      return null;
    }
    StringBuilder s = new StringBuilder(m.group(1));
    if (m.group(2) == null) {
      return s.toString();
    }
    s.append('-').append(m.group(2));
    if (m.group(3) == null) {
      return s.toString();
    }
    s.append('-').append(m.group(3));
    if (m.group(4) == null) {
      return s.toString();
    }
    s.append('T').append(m.group(4)).append(':').append(m.group(5) == null ? "00" : m.group(5));
    s.append(':').append(m.group(6) == null ? "00" : m.group(6));
    if (m.group(7) != null) {
      s.append('.').append(m.group(7));
    }
    if (m.group(8) != null) {
      String z = m.group(8);
      s.append(z, 0, 3).append(':').append(z, 3, 5);
    }
    return s.toString();
  }

  /** The FHIR date part only (birth dates), or null. */
  static String date(String hl7) {
    String t = fhir(hl7);
    return t == null ? null : t.length() > 10 ? t.substring(0, 10) : t;
  }

  /** An instant (meta.lastUpdated) for a full HL7 time, in {@code zone} when it has no offset. */
  static String instant(String hl7, ZoneId zone) {
    String t = fhir(hl7);
    if (t == null || t.length() < 19) {
      return null;
    }
    if (t.length() > 19
        && (t.endsWith("Z")
            || t.charAt(t.length() - 6) == '+'
            || t.charAt(t.length() - 6) == '-')) {
      return OffsetDateTime.parse(t).toInstant().toString();
    }
    return LocalDateTime.parse(t, DateTimeFormatter.ISO_LOCAL_DATE_TIME)
        .atZone(zone)
        .toInstant()
        .toString();
  }

  /** Now as an HL7 time with offset (for the ACK's MSH-7). */
  static String now() {
    return OffsetDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmssZ"));
  }
}
