package org.shockreg.registry.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.shockreg.registry.curated.Coding;
import org.shockreg.registry.curated.SourceRef;
import org.shockreg.registry.curated.TimePrecision;

/**
 * Binds the columns the curated-fact tables share (source, codings, flags, times and their
 * precision, nullable numbers) the same way in every upsert.
 */
final class FactColumns {

  private FactColumns() {}

  /** Consecutive text columns from {@code at}. */
  static void texts(PreparedStatement ps, int at, String... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      ps.setString(at + i, values[i]);
    }
  }

  /** Consecutive timestamp columns from {@code at}. */
  static void times(PreparedStatement ps, int at, Instant... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      ps.setTimestamp(at + i, ts(values[i]));
    }
  }

  /** Consecutive numeric columns from {@code at}. */
  static void decimals(PreparedStatement ps, int at, BigDecimal... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      ps.setBigDecimal(at + i, values[i]);
    }
  }

  /** Consecutive time precision columns from {@code at}. */
  static void precisions(PreparedStatement ps, int at, TimePrecision... values)
      throws SQLException {
    for (int i = 0; i < values.length; i++) {
      precision(ps, at + i, values[i]);
    }
  }

  /**
   * The tail every curated-fact row shares, from {@code at}: codings (jsonb), flags (text[]), then
   * the four source columns.
   */
  static void curatedColumns(
      PreparedStatement ps,
      int at,
      ObjectMapper json,
      List<Coding> codings,
      Set<String> flags,
      SourceRef source)
      throws SQLException {
    ps.setString(at, toJson(json, codings));
    ps.setArray(at + 1, flags(ps.getConnection(), flags));
    setSource(ps, at + 2, source);
  }

  /** Codings (or encounter types) as the jsonb column stores them. */
  static String toJson(ObjectMapper json, List<Coding> codings) {
    try {
      return json.writeValueAsString(codings == null ? List.of() : codings);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("codings not serialisable", e);
    }
  }

  static Array flags(Connection con, Set<String> flags) throws SQLException {
    return con.createArrayOf(
        "text", flags == null ? new Object[0] : flags.stream().sorted().toArray());
  }

  /** The four source columns: source_type, source_id, source_version, raw_id. */
  static void setSource(PreparedStatement ps, int at, SourceRef s) throws SQLException {
    ps.setString(at, s.resourceType());
    ps.setString(at + 1, s.resourceId());
    ps.setString(at + 2, s.versionId());
    setLong(ps, at + 3, s.rawId());
  }

  /** A time's precision column: null for seconds or finer (and for facts that do not know it). */
  static void precision(PreparedStatement ps, int at, TimePrecision p) throws SQLException {
    ps.setString(at, TimePrecision.column(p));
  }

  static void setLong(PreparedStatement ps, int at, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(at, Types.BIGINT);
    } else {
      ps.setLong(at, v);
    }
  }

  static void setBoolean(PreparedStatement ps, int at, Boolean v) throws SQLException {
    if (v == null) {
      ps.setNull(at, Types.BOOLEAN);
    } else {
      ps.setBoolean(at, v);
    }
  }

  static void setInt(PreparedStatement ps, int at, Integer v) throws SQLException {
    if (v == null) {
      ps.setNull(at, Types.INTEGER);
    } else {
      ps.setInt(at, v);
    }
  }

  static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }
}
