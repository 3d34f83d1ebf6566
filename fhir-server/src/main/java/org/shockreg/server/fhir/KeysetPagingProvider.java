package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;
import org.shockreg.registry.db.AnalystReads;
import org.shockreg.registry.search.AskedSearch;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Holds compiled searches (not their results) so next links can re-run them from a keyset cursor.
 * Memory per search is its WHERE clause and parameters; searches expire after {@code ttl} and
 * beyond {@code maxSearches} Caffeine evicts the least likely to be paged again. With {@link
 * #persistTo} a search that has a next page is also held in PostgreSQL ({@link HeldSearches}: its
 * request parameters, re-run through the normal parsing when a link is followed elsewhere), so its
 * links survive a restart and work on every instance.
 *
 * <p>Counts and pages are analyst reads ({@link AnalystReads}: the read replica when one is
 * configured); holding a search and looking a held one up stay on the primary, so a next link
 * written a moment ago is found whatever the replica's lag.
 */
public final class KeysetPagingProvider implements IPagingProvider {

  private final NamedParameterJdbcTemplate jdbc;
  private final int defaultPageSize;
  private final int maxPageSize;
  private final Cache<String, Held> searches;
  private final AnalystReads reads;

  /** A held search and who asked it: its next links work only for the same caller. */
  private record Held(PagedQuery search, String principal) {}

  private volatile HeldSearches store;

  public KeysetPagingProvider(
      NamedParameterJdbcTemplate jdbc,
      int defaultPageSize,
      int maxPageSize,
      Duration ttl,
      int maxSearches) {
    this(jdbc, AnalystReads.unrouted(), defaultPageSize, maxPageSize, ttl, maxSearches);
  }

  public KeysetPagingProvider(
      NamedParameterJdbcTemplate jdbc,
      AnalystReads reads,
      int defaultPageSize,
      int maxPageSize,
      Duration ttl,
      int maxSearches) {
    this.jdbc = jdbc;
    this.reads = reads;
    this.defaultPageSize = defaultPageSize;
    this.maxPageSize = maxPageSize;
    this.searches = Caffeine.newBuilder().maximumSize(maxSearches).expireAfterWrite(ttl).build();
  }

  /** A first page of a new search; its size is counted only when asked for. */
  public KeysetBundleProvider start(SqlSearch search, boolean count) {
    return start(search, count, false);
  }

  /**
   * A first page of a new search; its size is counted only when asked for; {@code countOnly}
   * ({@code _count=0}) answers the total without entries.
   */
  KeysetBundleProvider start(PagedQuery search, boolean count, boolean countOnly) {
    String uuid = UUID.randomUUID().toString();
    if (!countOnly) {
      searches.put(uuid, new Held(search, HeldSearches.principal(null)));
    }
    Integer size = count || countOnly ? read(() -> search.count(jdbc)) : null;
    return new KeysetBundleProvider(uuid, search, this, null, null, size, countOnly);
  }

  /** An analyst read: a count or a page of a search. */
  <T> T read(Supplier<T> read) {
    return reads.read(read);
  }

  NamedParameterJdbcTemplate jdbc() {
    return jdbc;
  }

  /** Also hold searches in PostgreSQL (see {@link HeldSearches}). */
  void persistTo(HeldSearches store) {
    this.store = store;
  }

  /** Forgets the searches held in memory, as a restart would (tests, operations). */
  public void forgetInMemory() {
    searches.invalidateAll();
  }

  @Override
  public int getDefaultPageSize() {
    return defaultPageSize;
  }

  @Override
  public int getMaximumPageSize() {
    return maxPageSize;
  }

  @Override
  public boolean canStoreSearchResults() {
    return true;
  }

  @Override
  public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
    throw new InvalidRequestException("SR-PAGE-1: paging needs a _pageId from a next link");
  }

  @Override
  public IBundleProvider retrieveResultList(
      RequestDetails request, String searchId, String pageId) {
    Held held = searchId == null ? null : searches.getIfPresent(searchId);
    HeldSearches db = store;
    if (held == null && db != null && searchId != null) {
      AskedSearch asked = db.load(searchId);
      KeysetBundleProvider again = asked == null ? null : SearchReplay.rerun(request, asked);
      if (again != null) {
        // the database row says it has not expired; in memory it lives one TTL from now
        held = new Held(again.search(), asked.principal());
        searches.invalidate(again.getUuid()); // the re-run's own handle is not handed out
        searches.put(searchId, held);
      }
    }
    if (held != null
        && !java.util.Objects.equals(held.principal(), HeldSearches.principal(request))) {
      // Another caller's search: as if it did not exist (its id is no capability to read it).
      held = null;
    }
    // Caffeine never returns an entry past its TTL (expireAfterWrite)
    if (held == null) {
      throw new ResourceGoneException(
          "SR-PAGE-2: search " + searchId + " has expired; run it again");
    }
    // pageId = "<page size>-<cursor>"
    String cursor;
    int pageSize;
    try {
      int dash = pageId.indexOf('-');
      pageSize = Math.min(Integer.parseInt(pageId.substring(0, dash)), maxPageSize);
      cursor = pageId.substring(dash + 1);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("SR-PAGE-3: invalid _pageId");
    }
    return new KeysetBundleProvider(
        searchId,
        held.search(),
        this,
        "first".equals(cursor) ? null : cursor,
        Math.max(pageSize, 1),
        null,
        false);
  }

  @Override
  public String storeResultList(RequestDetails request, IBundleProvider provider) {
    // Searches are held in memory when they start; the uuid is the handle. One with a next page
    // is held in the database too.
    HeldSearches db = store;
    if (db != null && provider instanceof KeysetBundleProvider k && k.getNextPageId() != null) {
      db.save(provider.getUuid(), request);
    }
    return provider.getUuid();
  }
}
