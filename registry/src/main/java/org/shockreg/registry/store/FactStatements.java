package org.shockreg.registry.store;

import java.sql.PreparedStatement;
import java.util.Collection;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ParameterizedPreparedStatementSetter;

/**
 * The two statement forms the curated-fact tables are written with: a batched upsert, and an update
 * over a set of patients in one round trip.
 */
final class FactStatements {

  /** Rows per JDBC batch, tuned for the ingest benchmark. */
  private static final int BATCH_SIZE = 500;

  private FactStatements() {}

  /** Runs {@code sql} once per row, in JDBC batches; no rows, no round trip. */
  static <T> void batchUpsert(
      JdbcTemplate jdbc, String sql, List<T> rows, ParameterizedPreparedStatementSetter<T> binder) {
    if (rows.isEmpty()) {
      return;
    }
    jdbc.batchUpdate(sql, rows, BATCH_SIZE, binder);
  }

  /** Runs {@code sql}, whose one parameter is the patient ids as a text[] ({@code = ANY(?)}). */
  static void updatePatients(JdbcTemplate jdbc, String sql, Collection<String> patientIds) {
    jdbc.update(
        con -> {
          PreparedStatement ps = con.prepareStatement(sql);
          ps.setArray(1, con.createArrayOf("text", patientIds.toArray()));
          return ps;
        });
  }
}
