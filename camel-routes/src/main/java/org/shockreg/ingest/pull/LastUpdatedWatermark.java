package org.shockreg.ingest.pull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The no-gap {@code _lastUpdated} watermark of one type's search, apart from the paging and HTTP.
 *
 * <p>Watermark rule (no gaps, also when many resources share one {@code lastUpdated} across a page
 * boundary): after a page of a sorted result, the watermark becomes the greatest {@code
 * lastUpdated} seen that is below the page's greatest one (resources with the page's greatest value
 * may continue on the next page); after the last page, the greatest seen. When a server returns
 * pages out of {@code lastUpdated} order, the watermark moves only after the last page.
 */
final class LastUpdatedWatermark {

  private final Instant from;
  private Instant committed;
  private Instant seenMax; // greatest lastUpdated seen in this run of this type
  private boolean sorted = true;
  private long stale;

  // the page being read
  private Instant pageMax;
  private Instant prev;
  private final List<Instant> seen = new ArrayList<>();

  /**
   * @param start the stored watermark (null: none yet)
   * @param from the lower bound the search was made from (the watermark minus the overlap)
   */
  LastUpdatedWatermark(Instant start, Instant from) {
    this.committed = start;
    this.from = from;
  }

  /** Notes one matched resource of the page being read. */
  void see(JsonNode resource) {
    Instant lu = lastUpdated(resource);
    if (lu == null) {
      return;
    }
    if (from != null && !lu.isAfter(from)) {
      stale++;
    }
    seen.add(lu);
    if ((prev != null && lu.isBefore(prev)) || (seenMax != null && lu.isBefore(seenMax))) {
      sorted = false;
    }
    prev = lu;
    if (pageMax == null || lu.isAfter(pageMax)) {
      pageMax = lu;
    }
  }

  /**
   * The page is committed: moves the watermark as far as is safe and starts the next page.
   *
   * @param last whether the page has no {@code next} link
   * @return the new watermark, or null when it does not move forward
   */
  Instant pageCommitted(boolean last) {
    Instant belowPageMax = null;
    if (pageMax != null) {
      for (Instant lu : seen) {
        if (lu.isBefore(pageMax) && (belowPageMax == null || lu.isAfter(belowPageMax))) {
          belowPageMax = lu;
        }
      }
    }
    Instant before = seenMax;
    if (pageMax != null && (seenMax == null || pageMax.isAfter(seenMax))) {
      seenMax = pageMax;
    }
    Instant candidate;
    if (last) {
      candidate = seenMax;
    } else if (sorted) {
      candidate = max(before, belowPageMax);
    } else {
      candidate = null;
    }
    pageMax = null;
    prev = null;
    seen.clear();
    if (candidate != null && (committed == null || candidate.isAfter(committed))) {
      committed = candidate;
      return candidate;
    }
    return null;
  }

  Instant committed() {
    return committed;
  }

  boolean sorted() {
    return sorted;
  }

  /** Resources at or before {@code from}: the server ignored {@code _lastUpdated}. */
  long stale() {
    return stale;
  }

  static Instant lastUpdated(JsonNode resource) {
    String v = resource.path("meta").path("lastUpdated").asText(null);
    if (v == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Instant max(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }
}
