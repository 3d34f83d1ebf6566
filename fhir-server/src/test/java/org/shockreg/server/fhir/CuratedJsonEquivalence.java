package org.shockreg.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.jdbc.core.RowMapper;

/**
 * Renders every curated row of a type twice, by {@link CuratedJsonWriter} and by the search API's
 * {@link CuratedResourceMapper} encoded with HAPI, and compares: the same text, and (parsed back by
 * HAPI) {@code equalsDeep}. Rows the writer leaves to HAPI are listed, not compared.
 */
public final class CuratedJsonEquivalence {

  /** {@code differences}: the first rows whose two renderings differ (id, both texts). */
  public record Report(
      String type, long rows, long covered, List<String> differences, List<String> notCovered) {}

  /** One curated type: where its rows are, how the mapper and the writer render them. */
  public enum Type {
    OBSERVATION(
        "Observation",
        "curated_observation",
        CuratedResourceMapper.OBSERVATION_COLUMNS,
        "observation_id",
        CuratedResourceMapper::observation,
        w -> w::observation),
    PROCEDURE(
        "Procedure",
        "device_therapy",
        CuratedResourceMapper.PROCEDURE_COLUMNS,
        "procedure_id",
        CuratedResourceMapper::procedure,
        w -> w::procedure),
    CONDITION(
        "Condition",
        "diagnosis",
        CuratedResourceMapper.CONDITION_COLUMNS,
        "condition_id",
        CuratedResourceMapper::condition,
        w -> w::condition),
    ENCOUNTER(
        "Encounter",
        "encounter",
        CuratedResourceMapper.ENCOUNTER_COLUMNS,
        "encounter_id",
        CuratedResourceMapper::encounter,
        w -> w::encounter),
    PATIENT(
        "Patient",
        "patient",
        CuratedResourceMapper.PATIENT_COLUMNS,
        "patient_id",
        CuratedResourceMapper::patient,
        w -> w::patient);

    final String resourceType;
    final String table;
    final String columns;
    final String idColumn;
    final Function<CuratedResourceMapper, RowMapper<? extends Resource>> mapper;
    final Function<CuratedJsonWriter, Streamed> writer;

    Type(
        String resourceType,
        String table,
        String columns,
        String idColumn,
        Function<CuratedResourceMapper, RowMapper<? extends Resource>> mapper,
        Function<CuratedJsonWriter, Streamed> writer) {
      this.resourceType = resourceType;
      this.table = table;
      this.columns = columns;
      this.idColumn = idColumn;
      this.mapper = mapper;
      this.writer = writer;
    }
  }

  interface Streamed {
    boolean write(ResultSet rs, StringBuilder out) throws SQLException;
  }

  private CuratedJsonEquivalence() {}

  public static Report check(Type type, DataSource dataSource, CuratedResourceMapper mapper)
      throws Exception {
    IParser parser = FhirContext.forR4Cached().newJsonParser().setPrettyPrint(false);
    Streamed writer = type.writer.apply(new CuratedJsonWriter(mapper));
    RowMapper<? extends Resource> rows = type.mapper.apply(mapper);
    List<String> differences = new ArrayList<>();
    List<String> notCovered = new ArrayList<>();
    long n = 0;
    long covered = 0;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + type.columns + " FROM " + type.table + " ORDER BY row_id");
        ResultSet rs = ps.executeQuery()) {
      StringBuilder line = new StringBuilder();
      while (rs.next()) {
        n++;
        line.setLength(0);
        boolean streamed = writer.write(rs, line);
        String expected = parser.encodeResourceToString(rows.mapRow(rs, (int) n));
        String id = rs.getString(type.idColumn);
        if (!streamed) {
          notCovered.add(id);
          continue;
        }
        covered++;
        String actual = line.toString();
        Resource parsedActual = (Resource) parser.parseResource(actual);
        Resource parsedExpected = (Resource) parser.parseResource(expected);
        boolean deep = parsedActual.equalsDeep(parsedExpected);
        if ((!actual.equals(expected) || !deep) && differences.size() < 10) {
          differences.add(
              id + " equalsDeep=" + deep + "\n  streamed: " + actual + "\n  hapi:     " + expected);
        }
      }
    }
    return new Report(type.resourceType, n, covered, differences, notCovered);
  }
}
