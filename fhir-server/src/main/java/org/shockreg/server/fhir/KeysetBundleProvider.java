package org.shockreg.server.fhir;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A search result read page by page with keyset paging: each page is "rows after the last row_id
 * seen", so next links stay correct while ingest adds or changes data, and no page costs an
 * offset scan. Page ids are the cursor; the search itself is held by {@link KeysetPagingProvider}.
 */
public final class KeysetBundleProvider implements IBundleProvider {

  private final String uuid;
  private final SqlSearch search;
  private final NamedParameterJdbcTemplate jdbc;
  private final Long after;
  private final Integer pageSize;
  private final Integer size;
  private final Date published = new Date();
  private String nextPageId;

  KeysetBundleProvider(
      String uuid,
      SqlSearch search,
      NamedParameterJdbcTemplate jdbc,
      Long after,
      Integer pageSize,
      Integer size) {
    this.uuid = uuid;
    this.search = search;
    this.jdbc = jdbc;
    this.after = after;
    this.pageSize = pageSize;
    this.size = size;
  }

  @Override
  public List<IBaseResource> getResources(int fromIndex, int toIndex) {
    // A next link does not repeat _count: the page size travels in the page id.
    int limit = pageSize != null ? pageSize : Math.max(0, toIndex - fromIndex);
    if (limit == 0) {
      return List.of();
    }
    MapSqlParameterSource p = new MapSqlParameterSource(search.params().getValues());
    List<long[]> rowIds = new ArrayList<>();
    List<IBaseResource> rows =
        jdbc.query(
            search.pageSql(after, limit, p),
            p,
            (rs, i) -> {
              rowIds.add(new long[] {rs.getLong("row_id")});
              return search.mapper().mapRow(rs, i);
            });
    if (rows.size() > limit) {
      rows = new ArrayList<>(rows.subList(0, limit));
      nextPageId = rowIds.get(limit - 1)[0] + "-" + limit;
    } else {
      nextPageId = null;
    }
    return rows;
  }

  @Override
  public String getCurrentPageId() {
    return (after == null ? "0" : after.toString()) + (pageSize == null ? "" : "-" + pageSize);
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
