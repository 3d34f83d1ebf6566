package org.shockreg.server.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.Observation;

/**
 * Renders every curated Observation row twice, by {@link CuratedJsonWriter} and by the search API's
 * {@link CuratedResourceMapper} encoded with HAPI, and compares: the same text, and (parsed back by
 * HAPI) {@code equalsDeep}. Rows the writer leaves to HAPI are counted, not compared.
 */
public final class CuratedJsonEquivalence {

  /** {@code differences}: the first rows whose two renderings differ (id, both texts). */
  public record Report(long rows, long covered, List<String> differences, List<String> notCovered) {}

  private CuratedJsonEquivalence() {}

  public static Report observations(DataSource dataSource, CuratedResourceMapper mapper) throws Exception {
    FhirContext fhir = FhirContext.forR4Cached();
    IParser parser = fhir.newJsonParser().setPrettyPrint(false);
    CuratedJsonWriter writer = new CuratedJsonWriter(mapper);
    List<String> differences = new ArrayList<>();
    List<String> notCovered = new ArrayList<>();
    long rows = 0;
    long covered = 0;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT " + CuratedResourceMapper.OBSERVATION_COLUMNS + " FROM curated_observation ORDER BY row_id");
        ResultSet rs = ps.executeQuery()) {
      StringBuilder line = new StringBuilder();
      while (rs.next()) {
        rows++;
        line.setLength(0);
        boolean streamed = writer.observation(rs, line);
        Observation viaHapi = mapper.observation().mapRow(rs, (int) rows);
        String expected = parser.encodeResourceToString(viaHapi);
        if (!streamed) {
          notCovered.add(rs.getString("observation_id"));
          continue;
        }
        covered++;
        String actual = line.toString();
        Observation parsedActual = parser.parseResource(Observation.class, actual);
        Observation parsedExpected = parser.parseResource(Observation.class, expected);
        if ((!actual.equals(expected) || !parsedActual.equalsDeep(parsedExpected)) && differences.size() < 10) {
          differences.add(
              rs.getString("observation_id") + " equalsDeep=" + parsedActual.equalsDeep(parsedExpected)
                  + "\n  streamed: " + actual + "\n  hapi:     " + expected);
        }
      }
    }
    return new Report(rows, covered, differences, notCovered);
  }
}
