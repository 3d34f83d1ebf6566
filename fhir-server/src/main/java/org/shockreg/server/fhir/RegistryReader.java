package org.shockreg.server.fhir;

import ca.uhn.fhir.rest.api.SearchTotalModeEnum;
import ca.uhn.fhir.rest.api.SummaryEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** Reads and searches curated rows for the resource providers. */
public final class RegistryReader {

  private final NamedParameterJdbcTemplate jdbc;
  private final KeysetPagingProvider paging;

  public RegistryReader(NamedParameterJdbcTemplate jdbc, KeysetPagingProvider paging) {
    this.jdbc = jdbc;
    this.paging = paging;
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

  public IBundleProvider search(SqlSearch search, SummaryEnum summary, SearchTotalModeEnum total) {
    boolean count = summary == SummaryEnum.COUNT || total == SearchTotalModeEnum.ACCURATE;
    return paging.start(search, count);
  }
}
