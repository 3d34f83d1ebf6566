package org.shockreg.server.fhir;

import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IAnyResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A compiled search over one registry table: WHERE clauses with named, bound parameters (never
 * string-built values), an optional sort, and keyset paging.
 *
 * <p>Order: the sort keys, then {@code row_id} (in the first key's direction, so one index on
 * {@code (key, row_id)} serves both directions). NULLs sort last ascending and first descending
 * (PostgreSQL's default, which a backward index scan gives). The cursor after a page is the last
 * row's key values and row id; the next page is the rows strictly after it, found with row-value
 * comparisons. A row that existed when the search began and did not change is therefore seen
 * exactly once however rows are inserted or updated meanwhile.
 */
public final class SqlSearch implements PagedQuery {

  /** How a sort key's value is read from a row and bound again from a cursor. */
  public enum KeyType {
    TIMESTAMP,
    TEXT,
    NUMERIC,
    INTEGER
  }

  /**
   * A sort key: an SQL expression over the table, its type, direction and whether it can be NULL.
   */
  public record SortKey(String expression, KeyType type, boolean descending, boolean nullable) {}

  private final String resourceType;
  private final String table;
  private final String columns;
  private final RowMapper<? extends IBaseResource> mapper;
  private final List<String> where = new ArrayList<>();
  private final MapSqlParameterSource params = new MapSqlParameterSource();
  private final List<SortKey> sort = new ArrayList<>();
  private final Map<String, String> countsAlone = new HashMap<>();
  private Function<List<IBaseResource>, List<IBaseResource>> includes;
  private int counter;

  public SqlSearch(
      String resourceType,
      String table,
      String columns,
      RowMapper<? extends IBaseResource> mapper) {
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

  /**
   * A search whose only WHERE clause is {@code clause} (alone or in parentheses) is counted by
   * {@code countSql}: the same number from an index alone. Returns {@code clause}.
   */
  public String countAlone(String clause, String countSql) {
    countsAlone.put(clause, countSql);
    countsAlone.put("(" + clause + ")", countSql);
    return clause;
  }

  public SqlSearch sortBy(SortKey key) {
    sort.add(key);
    return this;
  }

  /** Resources to add to each page ({@code _include}/{@code _revinclude}), given its matches. */
  public SqlSearch includes(Function<List<IBaseResource>, List<IBaseResource>> include) {
    this.includes = include;
    return this;
  }

  /** The curated includes by value ({@code Observation:subject}). */
  SqlSearch includes(CuratedIncludes curated, List<String> forward, List<String> reverse) {
    this.includes = curated.of(List.copyOf(forward), List.copyOf(reverse));
    return this;
  }

  public String resourceType() {
    return resourceType;
  }

  public String table() {
    return table;
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

  @Override
  public int count(NamedParameterJdbcTemplate jdbc) {
    Integer n = jdbc.queryForObject(countSql(), params, Integer.class);
    return n == null ? 0 : n;
  }

  String countSql() {
    String alone = where.size() == 1 ? countsAlone.get(where.get(0)) : null;
    return alone != null ? alone : "SELECT count(*) FROM " + table + whereSql();
  }

  // ---- keyset paging ----

  private List<SortKey> keys() {
    List<SortKey> keys = new ArrayList<>(sort);
    boolean descending = !sort.isEmpty() && sort.get(0).descending();
    keys.add(new SortKey("row_id", KeyType.INTEGER, descending, false));
    return keys;
  }

  private String select(
      List<SortKey> keys, String extraWhere, List<SortKey> orderKeys, int segment, int limit) {
    StringBuilder sql = new StringBuilder("SELECT ").append(columns).append(", row_id AS _row_id");
    for (int i = 0; i < keys.size() - 1; i++) {
      sql.append(", ").append(keys.get(i).expression()).append(" AS _s").append(i);
    }
    sql.append(", ").append(segment).append(" AS _seg FROM ").append(table);
    List<String> all = new ArrayList<>(where);
    if (extraWhere != null) {
      all.add(extraWhere);
    }
    if (!all.isEmpty()) {
      sql.append(" WHERE ").append(String.join(" AND ", all));
    }
    sql.append(" ORDER BY ").append(orderBy(orderKeys, false)).append(" LIMIT ").append(limit);
    return sql.toString();
  }

  private static String orderBy(List<SortKey> keys, boolean aliases) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      SortKey k = keys.get(i);
      String expr =
          aliases ? (k.expression().equals("row_id") ? "_row_id" : "_s" + i) : k.expression();
      parts.add(expr + (k.descending() ? " DESC" : " ASC"));
    }
    return String.join(", ", parts);
  }

  /**
   * The SQL of one page: {@code limit + 1} rows so the caller knows whether more follow. The rows
   * after a cursor are one or two "segments" (non-NULL keys, then NULL keys), each read in index
   * order, so no page scans what came before it.
   */
  String pageSql(List<Object> cursor, int limit, MapSqlParameterSource p) {
    List<SortKey> keys = keys();
    int n = limit + 1;
    if (cursor == null) {
      return select(keys, null, keys, 0, n);
    }
    SortKey first = keys.get(0);
    Object firstValue = cursor.get(0);
    if (keys.size() == 2 && first.nullable()) {
      // one nullable key: split into the non-NULL run and the NULL run (ordered by row id)
      String k = first.expression();
      String v = bind(p, "_c0", first, firstValue);
      String r = bind(p, "_c1", keys.get(1), cursor.get(1));
      String cmp = first.descending() ? "<" : ">";
      List<SortKey> nullOrder = List.of(keys.get(1));
      if (firstValue != null && !first.descending()) {
        return union(
            select(keys, "(" + k + ", row_id) > (" + v + ", " + r + ")", keys, 0, n),
            select(keys, k + " IS NULL", nullOrder, 1, n),
            keys,
            n);
      } else if (firstValue != null) {
        return select(keys, "(" + k + ", row_id) < (" + v + ", " + r + ")", keys, 0, n);
      } else if (!first.descending()) {
        return select(keys, k + " IS NULL AND row_id > " + r, nullOrder, 0, n);
      } else {
        return union(
            select(keys, k + " IS NULL AND row_id " + cmp + " " + r, nullOrder, 0, n),
            select(keys, k + " IS NOT NULL", keys, 1, n),
            keys,
            n);
      }
    }
    boolean sameDirection = keys.stream().allMatch(k -> k.descending() == first.descending());
    boolean noNulls = keys.stream().noneMatch(SortKey::nullable);
    if (sameDirection && noNulls) {
      List<String> exprs = new ArrayList<>();
      List<String> values = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        exprs.add(keys.get(i).expression());
        values.add(bind(p, "_c" + i, keys.get(i), cursor.get(i)));
      }
      String row =
          "("
              + String.join(", ", exprs)
              + ") "
              + (first.descending() ? "<" : ">")
              + " ("
              + String.join(", ", values)
              + ")";
      return select(keys, row, keys, 0, n);
    }
    // general case: key i strictly after its cursor value while every earlier key equals it
    List<String> alternatives = new ArrayList<>();
    List<String> equalSoFar = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      SortKey k = keys.get(i);
      Object value = cursor.get(i);
      String v = value == null ? null : bind(p, "_c" + i, k, value);
      String after;
      if (value == null) {
        after = k.descending() ? k.expression() + " IS NOT NULL" : "false";
      } else if (k.descending()) {
        after = k.expression() + " < " + v;
      } else {
        after =
            k.nullable()
                ? "(" + k.expression() + " > " + v + " OR " + k.expression() + " IS NULL)"
                : k.expression() + " > " + v;
      }
      List<String> term = new ArrayList<>(equalSoFar);
      term.add(after);
      alternatives.add("(" + String.join(" AND ", term) + ")");
      equalSoFar.add(value == null ? k.expression() + " IS NULL" : k.expression() + " = " + v);
    }
    return select(keys, "(" + String.join(" OR ", alternatives) + ")", keys, 0, n);
  }

  private static String union(String a, String b, List<SortKey> keys, int n) {
    return "SELECT * FROM (("
        + a
        + ") UNION ALL ("
        + b
        + ")) AS _page ORDER BY _seg, "
        + orderBy(keys, true)
        + " LIMIT "
        + n;
  }

  private static String bind(MapSqlParameterSource p, String name, SortKey key, Object value) {
    p.addValue(name, value);
    return switch (key.type()) {
      case TIMESTAMP -> ":" + name + "::timestamptz";
      case TEXT -> ":" + name + "::text";
      case NUMERIC -> ":" + name + "::numeric";
      case INTEGER -> ":" + name + "::bigint";
    };
  }

  private static Object read(ResultSet rs, String column, KeyType type) throws SQLException {
    return switch (type) {
      case TIMESTAMP -> rs.getTimestamp(column);
      case TEXT -> rs.getString(column);
      case NUMERIC -> rs.getBigDecimal(column);
      case INTEGER -> {
        long v = rs.getLong(column);
        yield rs.wasNull() ? null : v;
      }
    };
  }

  @Override
  public Page page(NamedParameterJdbcTemplate jdbc, String cursor, int limit) {
    List<SortKey> keys = keys();
    MapSqlParameterSource p = new MapSqlParameterSource(params.getValues());
    List<List<Object>> rowKeys = new ArrayList<>();
    List<IBaseResource> rows =
        jdbc.query(
            pageSql(decode(cursor, keys), limit, p),
            p,
            (rs, i) -> {
              List<Object> values = new ArrayList<>();
              for (int k = 0; k < keys.size() - 1; k++) {
                values.add(read(rs, "_s" + k, keys.get(k).type()));
              }
              values.add(rs.getLong("_row_id"));
              rowKeys.add(values);
              return mapper.mapRow(rs, i);
            });
    String next = null;
    if (rows.size() > limit) {
      rows = new ArrayList<>(rows.subList(0, limit));
      next = encode(rowKeys.get(limit - 1));
    }
    List<IBaseResource> all = new ArrayList<>(rows);
    for (IBaseResource r : rows) {
      ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.put(
          (IAnyResource) r, BundleEntrySearchModeEnum.MATCH);
    }
    if (includes != null && !rows.isEmpty()) {
      Set<String> seen = new LinkedHashSet<>();
      for (IBaseResource r : rows) {
        seen.add(r.getIdElement().toUnqualifiedVersionless().getValue());
      }
      for (IBaseResource r : includes.apply(rows)) {
        String id = r.getIdElement().toUnqualifiedVersionless().getValue();
        if (seen.add(id)) {
          ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.put(
              (IAnyResource) r, BundleEntrySearchModeEnum.INCLUDE);
          all.add(r);
        }
      }
    }
    return new Page(all, next);
  }

  /** A cursor as text: the key values, URL-encoded, comma-separated, base64url. NULL is "!". */
  static String encode(List<Object> values) {
    List<String> parts = new ArrayList<>();
    for (Object v : values) {
      String s;
      if (v == null) {
        s = "!";
      } else if (v instanceof Timestamp t) {
        s = URLEncoder.encode(t.toInstant().toString(), StandardCharsets.UTF_8);
      } else if (v instanceof BigDecimal b) {
        s = b.toPlainString();
      } else {
        s = URLEncoder.encode(v.toString(), StandardCharsets.UTF_8);
      }
      parts.add(s);
    }
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(String.join(",", parts).getBytes(StandardCharsets.UTF_8));
  }

  static List<Object> decode(String cursor, List<SortKey> keys) {
    if (cursor == null) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      String[] parts = text.split(",", -1);
      if (parts.length != keys.size()) {
        throw new IllegalArgumentException("cursor length");
      }
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < parts.length; i++) {
        if ("!".equals(parts[i])) {
          values.add(null);
          continue;
        }
        String s = URLDecoder.decode(parts[i], StandardCharsets.UTF_8);
        values.add(
            switch (keys.get(i).type()) {
              case TIMESTAMP -> Timestamp.from(Instant.parse(s));
              case TEXT -> s;
              case NUMERIC -> new BigDecimal(s);
              case INTEGER -> Long.parseLong(s);
            });
      }
      if (values.get(values.size() - 1) == null) {
        throw new IllegalArgumentException("row id");
      }
      return values;
    } catch (RuntimeException e) {
      throw new InvalidRequestException("SR-PAGE-3: invalid _pageId");
    }
  }
}
