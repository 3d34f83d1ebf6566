package org.shockreg.server.fhir;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/**
 * A compiled search over one registry table: WHERE clauses with named, bound parameters (never
 * string-built values), paged by keyset on the table's {@code row_id}.
 */
public final class SqlSearch {

  private final String resourceType;
  private final String table;
  private final String columns;
  private final RowMapper<? extends IBaseResource> mapper;
  private final List<String> where = new ArrayList<>();
  private final MapSqlParameterSource params = new MapSqlParameterSource();
  private int counter;

  public SqlSearch(
      String resourceType, String table, String columns, RowMapper<? extends IBaseResource> mapper) {
    this.resourceType = resourceType;
    this.table = table;
    this.columns = columns;
    this.mapper = mapper;
  }

  /** A fresh parameter name, so repeated clauses never clash. */
  public String param(Object value) {
    String name = "p" + (counter++);
    params.addValue(name, value);
    return ":" + name;
  }

  public SqlSearch where(String clause) {
    where.add(clause);
    return this;
  }

  public String resourceType() {
    return resourceType;
  }

  public RowMapper<? extends IBaseResource> mapper() {
    return mapper;
  }

  public MapSqlParameterSource params() {
    return params;
  }

  String whereSql() {
    return where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
  }

  /** One page: rows after the cursor, in row order, one extra to know whether more follow. */
  String pageSql(Long afterRowId, int limit, MapSqlParameterSource p) {
    String clause = whereSql();
    if (afterRowId != null) {
      p.addValue("_after", afterRowId);
      clause = clause.isEmpty() ? " WHERE row_id > :_after" : clause + " AND row_id > :_after";
    }
    p.addValue("_limit", limit + 1);
    return "SELECT " + columns + ", row_id FROM " + table + clause + " ORDER BY row_id LIMIT :_limit";
  }

  String countSql() {
    return "SELECT count(*) FROM " + table + whereSql();
  }
}
