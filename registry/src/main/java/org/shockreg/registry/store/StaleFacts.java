package org.shockreg.registry.store;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.shockreg.registry.curated.CuratedFact;
import org.shockreg.registry.curated.CurationBatch;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Facts of a replaced source (a newer version of it arrived) that the new version no longer yields,
 * across all curated-fact tables.
 */
final class StaleFacts {

  private StaleFacts() {}

  /** Facts of a replaced source that the new version no longer yields are removed. */
  static Set<String> remove(JdbcTemplate jdbc, CurationBatch batch) {
    Set<String> patients = new HashSet<>();
    if (batch.replacedSources().isEmpty()) {
      return patients;
    }
    Map<SourceKey, Set<String>> kept = new HashMap<>();
    for (SourceKey k : batch.replacedSources()) {
      kept.put(k, new HashSet<>());
    }
    for (CuratedFact f : batch.facts()) {
      Set<String> ids = kept.get(f.source().key());
      if (ids != null) {
        ids.add(f.factId());
      }
    }
    patients.addAll(deleteStale(jdbc, "measurement", "observation_id", kept));
    patients.addAll(deleteStale(jdbc, "device_therapy", "procedure_id", kept));
    patients.addAll(deleteStale(jdbc, "diagnosis", "condition_id", kept));
    patients.addAll(deleteStale(jdbc, "encounter", "encounter_id", kept));
    patients.addAll(deleteStale(jdbc, "device_removal", "source_id", kept));
    patients.addAll(deleteStale(jdbc, "randomization", "randomization_id", kept));
    return patients;
  }

  /** Deletes the facts of replaced sources not kept; returns their patients. Updates are rare. */
  private static Set<String> deleteStale(
      JdbcTemplate jdbc, String table, String idColumn, Map<SourceKey, Set<String>> kept) {
    List<Map.Entry<SourceKey, Set<String>>> rows = new ArrayList<>(kept.entrySet());
    Set<String> patients = new HashSet<>();
    for (Map.Entry<SourceKey, Set<String>> e : rows) {
      jdbc.query(
          con -> {
            PreparedStatement ps =
                con.prepareStatement(
                    "DELETE FROM "
                        + table
                        + " WHERE site_id = ? AND source_type = ? AND source_id = ?"
                        + " AND NOT ("
                        + idColumn
                        + " = ANY(?)) RETURNING patient_id");
            ps.setString(1, e.getKey().siteId());
            ps.setString(2, e.getKey().resourceType());
            ps.setString(3, e.getKey().resourceId());
            ps.setArray(4, con.createArrayOf("text", e.getValue().toArray()));
            return ps;
          },
          rs -> {
            patients.add(rs.getString(1));
          });
    }
    if (table.equals("device_removal")) {
      // A retracted removal reopens the therapy it had closed.
      jdbc.batchUpdate(
          "UPDATE device_therapy SET ended_at = NULL, ended_precision = NULL, removal_source_id = NULL,"
              + " last_updated = now() WHERE site_id = ? AND removal_source_id = ?"
              + " AND NOT (? = ANY(?))",
          rows,
          500,
          (ps, e) -> {
            ps.setString(1, e.getKey().siteId());
            ps.setString(2, e.getKey().resourceId());
            ps.setString(3, e.getKey().resourceId());
            ps.setArray(4, ps.getConnection().createArrayOf("text", e.getValue().toArray()));
          });
    }
    return patients;
  }
}
