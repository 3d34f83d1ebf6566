package org.shockreg.ingest.pipeline;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * A source resource's version as its sender stamped it ({@code meta.versionId}, {@code
 * meta.lastUpdated}), and which of two versions of one resource is the newer. The curated fact
 * follows the newest version (data-dictionary.md section 1), so an older version that arrives late,
 * out of order in a history Bundle or again through dead-letter replay never replaces it.
 *
 * <p>Order: by version id when both are whole numbers and differ (numerically, so "10" is newer
 * than "9"; FHIR servers count versions up). Other version ids carry no order (a hash, an ETag), so
 * then, and when the ids are equal, by {@code lastUpdated} as instants (offsets do not matter).
 * When neither tells them apart the two are unordered and the caller keeps arrival order, the rule
 * before versions were compared.
 */
record SourceVersion(String versionId, Instant lastUpdated) {

  static final SourceVersion NONE = new SourceVersion(null, null);

  /** From the meta texts as sent; a lastUpdated that is not an instant counts as absent. */
  static SourceVersion of(String versionId, String lastUpdated) {
    return new SourceVersion(versionId, instant(lastUpdated));
  }

  /** True only when this version is known to be older than {@code other}; false when unordered. */
  boolean isOlderThan(SourceVersion other) {
    return compare(this, other) < 0;
  }

  /** Negative when {@code a} is older, positive when newer, 0 when the two are unordered. */
  static int compare(SourceVersion a, SourceVersion b) {
    if (isWholeNumber(a.versionId) && isWholeNumber(b.versionId)) {
      int byId = compareWholeNumbers(a.versionId, b.versionId);
      if (byId != 0) {
        return byId;
      }
    }
    if (a.lastUpdated != null && b.lastUpdated != null) {
      return a.lastUpdated.compareTo(b.lastUpdated);
    }
    return 0;
  }

  /** For a person reading an intake report: "versionId 1, lastUpdated 2025-04-01T10:00:00Z". */
  String describe() {
    if (versionId == null && lastUpdated == null) {
      return "no versionId or lastUpdated";
    }
    StringBuilder s = new StringBuilder();
    if (versionId != null) {
      s.append("versionId ").append(versionId);
    }
    if (lastUpdated != null) {
      s.append(s.isEmpty() ? "" : ", ").append("lastUpdated ").append(lastUpdated);
    }
    return s.toString();
  }

  private static Instant instant(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      // FHIR instants always carry an offset (or Z); without one the moment is unknown.
      return OffsetDateTime.parse(text.trim()).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean isWholeNumber(String s) {
    if (s == null || s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Digit strings of any length, compared as numbers without parsing (no overflow). */
  private static int compareWholeNumbers(String a, String b) {
    String x = stripLeadingZeros(a);
    String y = stripLeadingZeros(b);
    if (x.length() != y.length()) {
      return Integer.compare(x.length(), y.length());
    }
    return Integer.signum(x.compareTo(y));
  }

  private static String stripLeadingZeros(String s) {
    int i = 0;
    while (i < s.length() - 1 && s.charAt(i) == '0') {
      i++;
    }
    return s.substring(i);
  }
}
