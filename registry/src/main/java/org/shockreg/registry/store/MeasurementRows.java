package org.shockreg.registry.store;

import static org.shockreg.registry.store.FactColumns.curatedColumns;
import static org.shockreg.registry.store.FactColumns.decimals;
import static org.shockreg.registry.store.FactColumns.precision;
import static org.shockreg.registry.store.FactColumns.texts;
import static org.shockreg.registry.store.FactColumns.ts;
import static org.shockreg.registry.store.FactStatements.batchUpsert;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.shockreg.registry.curated.MeasurementFact;
import org.shockreg.registry.curated.SourceRef.SourceKey;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The measurement table, the ingest hot path: new sources' measurements by COPY ({@link
 * MeasurementCopy}), replaced sources' by batched upsert.
 */
final class MeasurementRows {

  private static final int MAX_COPY_RUNS = 4;

  private MeasurementRows() {}

  /**
   * Measurements of sources seen for the first time are copied (they cannot exist yet), those of
   * replaced sources upserted; in runs, so rows keep their arrival order.
   */
  static void write(
      JdbcTemplate jdbc, ObjectMapper json, List<MeasurementFact> facts, Set<SourceKey> replaced) {
    List<Integer> runStarts = new ArrayList<>();
    for (int i = 0; i < facts.size(); i++) {
      if (i == 0 || fresh(facts.get(i), replaced) != fresh(facts.get(i - 1), replaced)) {
        runStarts.add(i);
      }
    }
    // Each COPY takes a savepoint: a batch that mixes new and replaced sources in many runs is
    // upserted whole, as before.
    if (runStarts.size() > MAX_COPY_RUNS) {
      upsert(jdbc, json, facts);
      return;
    }
    for (int r = 0; r < runStarts.size(); r++) {
      int start = runStarts.get(r);
      List<MeasurementFact> run =
          facts.subList(start, r + 1 < runStarts.size() ? runStarts.get(r + 1) : facts.size());
      if (!fresh(run.get(0), replaced) || !MeasurementCopy.copy(jdbc, json, run)) {
        upsert(jdbc, json, run);
      }
    }
  }

  private static boolean fresh(MeasurementFact f, Set<SourceKey> replaced) {
    return !replaced.contains(f.source().key());
  }

  private static void upsert(
      JdbcTemplate jdbc, ObjectMapper json, List<MeasurementFact> measurements) {
    batchUpsert(
        jdbc,
        // One line of SQL as before: each \ joins the next line.
        """
        INSERT INTO measurement (observation_id, patient_id, site_id, variable, status,\
         effective_at, value, unit, comparator, range_low, range_high, original_value,\
         original_unit, original_comparator, codings, flags, source_type, source_id,\
         source_version, raw_id, effective_precision)\
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)\
         ON CONFLICT (observation_id) DO UPDATE SET patient_id = EXCLUDED.patient_id,\
         status = EXCLUDED.status, effective_at = EXCLUDED.effective_at,\
         effective_precision = EXCLUDED.effective_precision,\
         value = EXCLUDED.value, unit = EXCLUDED.unit, comparator = EXCLUDED.comparator,\
         range_low = EXCLUDED.range_low, range_high = EXCLUDED.range_high,\
         original_value = EXCLUDED.original_value, original_unit = EXCLUDED.original_unit,\
         original_comparator = EXCLUDED.original_comparator, codings = EXCLUDED.codings,\
         flags = EXCLUDED.flags, source_version = EXCLUDED.source_version,\
         raw_id = EXCLUDED.raw_id, last_updated = now()\
        """,
        measurements,
        (ps, m) -> {
          texts(
              ps,
              1,
              m.observationId(),
              m.patientId(),
              m.source().siteId(),
              m.variable(),
              m.status());
          ps.setTimestamp(6, ts(m.effectiveAt()));
          ps.setBigDecimal(7, m.value());
          texts(ps, 8, m.unit(), m.comparator());
          decimals(ps, 10, m.rangeLow(), m.rangeHigh(), m.originalValue());
          texts(ps, 13, m.originalUnit(), m.originalComparator());
          curatedColumns(ps, 15, json, m.codings(), m.flags(), m.source());
          precision(ps, 21, m.effectivePrecision());
        });
  }
}
