package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.shockreg.registry.search.AskedSearch;
import org.shockreg.registry.search.HeldSearchStore;
import org.shockreg.server.security.ShockRegPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Searches held in PostgreSQL (table {@code fhir_search}) so next links survive a restart and work
 * on any instance over the same database. What is held is the search as it was asked: its resource
 * type, operation ({@code $everything}) and instance, its request parameters, and the principal
 * that asked, never SQL and never results. A next link that is not in memory re-runs the held
 * parameters through HAPI's parameter parsing and the provider ({@link SearchReplay}), exactly as a
 * new request would be; the cursor travels in the link. Rows expire after the search TTL. The
 * table's SQL is {@link HeldSearchStore}'s; this class knows the HAPI request.
 */
final class HeldSearches {

  private static final Logger log = LoggerFactory.getLogger(HeldSearches.class);
  private static final long CLEANUP_EVERY_MS = Duration.ofMinutes(5).toMillis();

  /** Paging parameters of the next link itself, and the total (counted once, on the first page). */
  private static final Set<String> NOT_HELD = Set.of("_getpages", "_pageId", "_total");

  private final HeldSearchStore store;
  private final Duration ttl;
  private final AtomicLong lastCleanup = new AtomicLong();

  HeldSearches(HeldSearchStore store, Duration ttl) {
    this.store = store;
    this.ttl = ttl;
  }

  /**
   * Holds the search {@code request} asked for; false when it cannot be held here (memory only).
   */
  boolean save(String searchId, RequestDetails request) {
    AskedSearch asked = asked(request);
    if (asked == null) {
      return false;
    }
    if (!store.hold(searchId, asked, Instant.now().plus(ttl))) {
      return false;
    }
    long now = System.currentTimeMillis();
    long last = lastCleanup.get();
    if (now - last > CLEANUP_EVERY_MS && lastCleanup.compareAndSet(last, now)) {
      int deleted = store.deleteExpired();
      log.debug("event=held_searches_expired deleted={}", deleted);
    }
    return true;
  }

  /** A held search that has not expired, as it was asked, or null. */
  AskedSearch load(String searchId) {
    return store.find(searchId);
  }

  /** The search a request asked for: a type search or an instance operation such as $everything. */
  static AskedSearch asked(RequestDetails request) {
    if (request == null
        || request.getResourceName() == null
        || request.getCompartmentName() != null) {
      return null; // not a search this server re-runs by parameters: held in memory only
    }
    String operation = request.getOperation();
    String instance = request.getId() == null ? null : request.getId().getIdPart();
    if (operation == null && instance != null) {
      return null;
    }
    Map<String, String[]> parameters = new LinkedHashMap<>();
    request
        .getParameters()
        .forEach(
            (k, v) -> {
              if (!NOT_HELD.contains(k)) {
                parameters.put(k, v.clone());
              }
            });
    return new AskedSearch(
        request.getResourceName(), operation, instance, parameters, principal(request));
  }

  /** Who asked ({@link ShockRegPrincipal#id()}), or null outside an authenticated request. */
  static String principal(RequestDetails request) {
    return ShockRegPrincipal.of(request).map(ShockRegPrincipal::id).orElse(null);
  }
}
