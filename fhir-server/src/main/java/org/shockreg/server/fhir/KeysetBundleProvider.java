package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;

/**
 * One page of a search read with keyset paging: "rows after the cursor", so next links stay correct
 * while ingest adds or changes data, and no page costs an offset scan. The page id is {@code <page
 * size>-<cursor>}; the search itself is held by {@link KeysetPagingProvider}.
 */
public final class KeysetBundleProvider implements IBundleProvider {

  private final String uuid;
  private final PagedQuery search;
  private final KeysetPagingProvider paging;
  private final String cursor;
  private final Integer pageSize;
  private final Integer size;
  private final boolean countOnly;
  private final Date published = new Date();
  private String nextPageId;

  KeysetBundleProvider(
      String uuid,
      PagedQuery search,
      KeysetPagingProvider paging,
      String cursor,
      Integer pageSize,
      Integer size,
      boolean countOnly) {
    this.uuid = uuid;
    this.search = search;
    this.paging = paging;
    this.cursor = cursor;
    this.pageSize = pageSize;
    this.size = size;
    this.countOnly = countOnly;
  }

  @Override
  public List<IBaseResource> getResources(int fromIndex, int toIndex) {
    // A next link does not repeat _count: the page size travels in the page id.
    int limit = pageSize != null ? pageSize : Math.max(0, toIndex - fromIndex);
    if (limit == 0 || countOnly) {
      return List.of();
    }
    // an analyst read (the replica, if any), the page's includes with it
    PagedQuery.Page page = paging.read(() -> search.page(paging.jdbc(), cursor, limit));
    nextPageId = page.nextCursor() == null ? null : limit + "-" + page.nextCursor();
    return page.resources();
  }

  PagedQuery search() {
    return search;
  }

  @Override
  public String getCurrentPageId() {
    return (pageSize == null ? "" : pageSize + "-") + (cursor == null ? "first" : cursor);
  }

  @Override
  public String getNextPageId() {
    return nextPageId;
  }

  @Override
  public IPrimitiveType<Date> getPublished() {
    return new InstantType(published);
  }

  @Override
  public String getUuid() {
    return uuid;
  }

  @Override
  public Integer preferredPageSize() {
    return null;
  }

  @Override
  public Integer size() {
    return size;
  }
}
