package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Reads and searches curated rows for the resource providers. What a provider answers an analyst
 * runs in {@link #analystRead} (the read replica when one is configured); {@link #read} itself
 * reads wherever it is called (a notification's current resource reads the primary).
 */
public final class RegistryReader {

  private final NamedParameterJdbcTemplate jdbc;
  private final KeysetPagingProvider paging;

  public RegistryReader(NamedParameterJdbcTemplate jdbc, KeysetPagingProvider paging) {
    this.jdbc = jdbc;
    this.paging = paging;
  }

  NamedParameterJdbcTemplate jdbc() {
    return jdbc;
  }

  /**
   * An analyst read: a read-only transaction, on the read replica when one is configured
   * (docs/scaling.md). Nothing inside may write.
   */
  public <T> T analystRead(Supplier<T> read) {
    return paging.read(read);
  }

  /** The most resources one page may include per included type (the largest page size). */
  int maxIncludes() {
    return paging.getMaximumPageSize();
  }

  public <T extends IBaseResource> T read(
      String table, String idColumn, String columns, RowMapper<T> mapper, IdType id) {
    List<T> rows =
        jdbc.query(
            "SELECT " + columns + " FROM " + table + " WHERE " + idColumn + " = :id",
            new MapSqlParameterSource("id", id.getIdPart()),
            mapper);
    if (rows.isEmpty()) {
      throw new ResourceNotFoundException(id);
    }
    return rows.get(0);
  }

  /** Every match of {@code search}, ordered by {@code orderBy}: for types of a handful of rows. */
  <T extends IBaseResource> List<T> all(SqlSearch search, String columns, String orderBy) {
    @SuppressWarnings("unchecked")
    RowMapper<T> rows = (RowMapper<T>) search.mapper();
    return jdbc.query(
        "SELECT "
            + columns
            + " FROM "
            + search.table()
            + search.whereSql()
            + " ORDER BY "
            + orderBy,
        search.params(),
        rows);
  }

  /** The surviving patient of a merged patient id, or null when it was not merged. */
  public String survivor(String patientId) {
    List<String> ids =
        jdbc.queryForList(
            "SELECT surviving_patient_id FROM patient_merge WHERE merged_patient_id = :id",
            new MapSqlParameterSource("id", patientId),
            String.class);
    return ids.isEmpty() ? null : ids.get(0);
  }

  /**
   * A search's first page. The total is counted for {@code _summary=count}, {@code _count=0}, and
   * {@code _total=accurate} or {@code estimate} (both exact); {@code _count=0} answers the total
   * without entries.
   */
  public IBundleProvider search(
      PagedQuery search, SummaryEnum summary, SearchTotalModeEnum total, RequestDetails request) {
    boolean countOnly = summary == SummaryEnum.COUNT || countZero(request);
    boolean count =
        countOnly
            || total == SearchTotalModeEnum.ACCURATE
            || total == SearchTotalModeEnum.ESTIMATED
            || "estimate".equals(first(request, "_total"));
    return paging.start(search, count, countOnly);
  }

  private static boolean countZero(RequestDetails request) {
    String count = first(request, Constants.PARAM_COUNT);
    return count != null && "0".equals(count.trim());
  }

  private static String first(RequestDetails request, String name) {
    if (request == null) {
      return null;
    }
    String[] values = request.getParameters().get(name);
    return values == null || values.length == 0 ? null : values[0];
  }
}
